import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDemoFile } from "@/test/support/demo-files";
import { freePort } from "@/test/support/free-port";
import { memoryAfterGc, REPORT_MEMORY_NODE_ARGS } from "@/test/support/process-memory";
import { stopProcess } from "@/test/support/serving-stack";
import { lookUpRandomNames } from "@/test/support/unknown-names";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Done-when 7 of issue 7: a flood of names that match no deployment does not grow the gateway.
// The gateway runs as production runs it (server/gateway/main.ts in its own process), so its
// memory is its own. Scaled down from 100k to 20k random names (twice the 10k names remembered,
// so the bound is reached) at 16 concurrent clients, to stay near 15 s on two cores. What the
// process keeps is measured as its heap after a full collection: its RSS after one still moves by
// tens of MB either way with how much heap V8 chose to keep mapped (-21 to +43 MB in runs here),
// so RSS is only held to the 400 MB of done-when 4. Before the bound, each name kept ~1.7 KB
// (157 MB for 95k): 20k names would have kept ~33 MB.

const NAMES = 20_000;
const CLIENTS = 16;
const UNKNOWN_NAME_TTL_MS = 1_000;
const REPO = path.resolve(import.meta.dirname, "../..");
const api = callerFor();
let gateway: ChildProcess;
let url: string;

const gatewayMemory = () => memoryAfterGc(gateway);

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  const port = await freePort();
  const { LOG_FILE: _logFile, ...inherited } = process.env;
  gateway = spawn(
    process.execPath,
    ["--import", "tsx", ...REPORT_MEMORY_NODE_ARGS, "server/gateway/main.ts"],
    {
      cwd: REPO,
      env: {
        ...inherited,
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_UNKNOWN_NAME_TTL_MS: String(UNKNOWN_NAME_TTL_MS),
        // 100k 404 lines would cost more than the lookups.
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  // Drained: memoryAfterGc reads its memory lines from the stream.
  gateway.stdout!.resume();
  url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const live = await fetch(`${url}/v2/health/live`).catch(() => null);
    if (live?.ok) break;
    if (attempt > 300 || gateway.exitCode !== null) throw new Error("the gateway did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (gateway) await stopProcess(gateway);
});

describe("unknown deployment names", () => {
  it(`${NAMES} random names grow the gateway's heap by less than 20 MB, every one answered 404`, async () => {
    // Warm up first (code paths compiled, connection pools opened): what is measured is the names.
    await lookUpRandomNames({ gatewayUrl: url, count: 2_000, tag: "warm", clients: CLIENTS });
    const before = await gatewayMemory();
    const startedMs = performance.now();
    const statuses = await lookUpRandomNames({
      gatewayUrl: url,
      count: NAMES,
      tag: "flood",
      clients: CLIENTS,
    });
    const tookMs = performance.now() - startedMs;
    const after = await gatewayMemory();
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const heapGrowthMb = (after.heapUsedBytes - before.heapUsedBytes) / 1024 / 1024;
    console.log(
      `${NAMES} unknown names at ${CLIENTS} clients in ${(tookMs / 1000).toFixed(1)} s ` +
        `(${Math.round(NAMES / (tookMs / 1000))}/s), after a full GC: RSS ${mb(before.rssBytes)} -> ` +
        `${mb(after.rssBytes)} MB, heap ${mb(before.heapUsedBytes)} -> ${mb(after.heapUsedBytes)} MB ` +
        `(+${heapGrowthMb.toFixed(1)} MB)`,
    );
    expect(statuses).toEqual({ 404: NAMES });
    expect(gateway.exitCode).toBeNull();
    expect(heapGrowthMb).toBeLessThan(20);
    expect(after.rssBytes).toBeLessThan(400 * 1024 * 1024);
  });

  it("finds a deployment created after its name was looked up, without waiting for the name to be forgotten", async () => {
    const lookUp = () => fetch(`${url}/v2/models/late`).then((response) => response.status);
    expect(await lookUp()).toBe(404);
    // Creating it announces it on pub/sub, which drops the remembered miss.
    await api.deployment.create({ name: "late", modelName: "card-fraud", versionNumber: 1 });
    const createdMs = performance.now();
    let status = await lookUp();
    while (status === 404 && performance.now() - createdMs < UNKNOWN_NAME_TTL_MS + 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await lookUp();
    }
    const foundAfterMs = performance.now() - createdMs;
    console.log(`deployment created after a 404 found ${foundAfterMs.toFixed(0)} ms after its creation`);
    expect(status).toBe(200);
    // At the latest once the remembered miss expires (the pub/sub announcement usually comes first).
    expect(foundAfterMs).toBeLessThan(UNKNOWN_NAME_TTL_MS + 2_000);
  });
});
