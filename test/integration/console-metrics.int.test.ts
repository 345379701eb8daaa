import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { announceHost } from "@/server/services/host/announce-host";
import { promtoolCheck, requirePromtool } from "@/test/support/promtool";

const HOST = {
  name: "metrics-host",
  device: "cpu" as const,
  executionProviders: ["cpu"],
  costMicrosPerHour: 0,
  gpuMemoryMb: null,
};

beforeAll(() => requirePromtool());

describe("the console's /api/metrics", () => {
  it("passes promtool and counts the serving hosts by device and state", async () => {
    await announceHost(HOST);
    const response = await GET();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: "" });
    expect(text).toMatch(/^mlops_serving_hosts\{device="cpu",state="online"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  });
});
