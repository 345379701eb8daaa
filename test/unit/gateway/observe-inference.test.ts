import { describe, expect, it } from "vitest";
import { trafficObservation } from "@/server/gateway/observe-inference";

const job = { hostName: "h", executionProvider: "cpu", computeUs: 40, batchRows: 6, queueWaitUs: 7 };

describe("trafficObservation", () => {
  it("counts an answered request with its job's queue wait, compute and batch", () => {
    expect(
      trafficObservation("dep-1", "ver-1", {
        ok: true,
        answer: { result: { requestId: "r", ok: true, outputs: [] }, job },
        latencyUs: 900,
      }),
    ).toEqual({
      deploymentId: "dep-1",
      versionId: "ver-1",
      ok: true,
      latencyUs: 900,
      queueWaitUs: 7,
      computeUs: 40,
      batchRows: 6,
    });
  });

  it("counts a request the model could not run as an error that still ran in a batch", () => {
    const observation = trafficObservation("dep-1", "ver-1", {
      ok: true,
      answer: { result: { requestId: "r", ok: false, error: "bad shape" }, job },
      latencyUs: 900,
    });
    expect(observation).toMatchObject({ ok: false, batchRows: 6, computeUs: 40 });
  });

  it("counts a request that never ran (deadline, queue down) as an error with no batch", () => {
    expect(
      trafficObservation("dep-1", "ver-1", { ok: false, error: new Error("no answer"), latencyUs: 30_000 }),
    ).toEqual({
      deploymentId: "dep-1",
      versionId: "ver-1",
      ok: false,
      latencyUs: 30_000,
      queueWaitUs: 0,
      computeUs: 0,
      batchRows: 0,
    });
  });
});
