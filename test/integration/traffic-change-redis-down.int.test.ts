import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import { ownRedis } from "@/test/support/own-redis";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// A traffic change while Redis is down: the revision commits in Postgres, so the call answers
// success; the announcement is retried, and the gateway serves the change once Redis is back.
// This file has a Redis of its own (the shared one is never stopped) and a log file to read.

const redis = await ownRedis();
process.env.REDIS_URL = redis.url;
const logFile = path.join(os.tmpdir(), `traffic-change-redis-down-${process.pid}.log`);
process.env.LOG_FILE = logFile;

const api = callerFor();
const DEPLOYMENT = "fraud-redis-down";
let stack: Awaited<ReturnType<typeof startServingStack>>;

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: DEPLOYMENT, modelName: "card-fraud", versionNumber: 1 });
  await api.deployment.changeTraffic({ name: DEPLOYMENT, change: { kind: "promote", versionNumber: 2 } });
  stack = await startServingStack({ hostName: "redis-down-host" });
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
  await redis.stop();
  await rm(logFile, { force: true });
});

async function infer(): Promise<{ status: number; version: string | null; revision: string | null }> {
  const response = await fetch(`${stack.gateway.url}/v2/models/${DEPLOYMENT}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-timeout-ms": "2000" },
    body: JSON.stringify({
      inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: new Array(14).fill(0.5) }],
    }),
  });
  const body = (await response.json()) as { model_version?: string };
  return {
    status: response.status,
    version: body.model_version ?? null,
    revision: response.headers.get("x-revision"),
  };
}

async function logLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("a rollback while Redis is down", () => {
  it("answers success at once, and the gateway serves the rolled-back revision after Redis returns", async () => {
    expect(await infer()).toEqual({ status: 200, version: "2", revision: "2" });
    const { id: deploymentId } = await getDb().deployment.findFirstOrThrow({
      where: { name: DEPLOYMENT },
      select: { id: true },
    });

    await redis.stop();
    const calledMs = performance.now();
    const rollback = await api.deployment.changeTraffic({ name: DEPLOYMENT, change: { kind: "rollback" } });
    const rollbackMs = performance.now() - calledMs;
    expect(rollback).toMatchObject({ number: 3, strategy: "rollback" });
    expect((await api.deployment.byName({ name: DEPLOYMENT })).activeRevision.number).toBe(3);
    // Nothing was announced: the console says so in its log, and keeps trying.
    expect(await logLines()).toContainEqual(
      expect.objectContaining({
        level: 40,
        deploymentId,
        msg: "deployment change committed but not announced yet; retrying in the background",
      }),
    );

    const downForMs = 1_000;
    await new Promise((resolve) => setTimeout(resolve, downForMs));
    await redis.start();
    const backMs = performance.now();
    let served = await infer();
    while (!(served.status === 200 && served.version === "1") && performance.now() - backMs < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      served = await infer();
    }
    const servedAfterMs = performance.now() - backMs;
    expect(served).toEqual({ status: 200, version: "1", revision: "3" });

    // The console's own retry delivered the announcement too (gateways that never lost their
    // connection hear it that way).
    let announced: Record<string, unknown> | undefined;
    while (!announced && performance.now() - backMs < 20_000) {
      announced = (await logLines()).find(
        (line) => line.msg === "deployment change announced" && line.deploymentId === deploymentId,
      );
      if (!announced) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const announcedAfterMs = performance.now() - backMs;
    expect(announced).toMatchObject({ level: 30, name: DEPLOYMENT });
    console.log(
      [
        `rollback with Redis down answered in ${rollbackMs.toFixed(0)} ms (revision ${rollback.number})`,
        `Redis down ${downForMs} ms after the call; gateway served the rolled-back revision ${servedAfterMs.toFixed(0)} ms after Redis was back`,
        `announcement delivered on attempt ${String(announced!.attempt)}, seen in the log ${announcedAfterMs.toFixed(0)} ms after Redis was back`,
      ].join("\n"),
    );
    expect(rollbackMs).toBeLessThan(3_000);
  });
});
