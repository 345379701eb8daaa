import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import {
  SERVING_JOB_OPTIONS,
  SERVING_JOB_SCHEMA_VERSION,
  servingQueueName,
  type ServingDevice,
  type ServingJob,
} from "@/server/contracts/serving";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import {
  removeServingQueues,
  serveArtifacts,
  startWorkerProcess,
  stopProcess,
} from "@/test/support/serving-stack";
import { replyInbox } from "@/test/support/reply-inbox";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// A serving job reaches only hosts that can run it on the device it asks for. Two real worker
// processes on this machine, which has no GPU: one asked for CPU, one asked for CUDA (its probe
// cannot create a CUDA session, so it announces and serves CPU only). CPU jobs are served by
// both; a CUDA job is taken by neither, and the gateway says so instead of waiting.

const api = callerFor();
const { REDIS_URL, REDIS_KEY_PREFIX } = readGatewayEnv();
const prefix = bullPrefix(REDIS_KEY_PREFIX);
const connection = connectRedis("producer", REDIS_URL);
const queues = {
  cpu: new Queue(servingQueueName("cpu"), { connection, prefix }),
  cuda: new Queue(servingQueueName("cuda"), { connection, prefix }),
};
const inbox = replyInbox(REDIS_URL, REDIS_KEY_PREFIX);
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
const workers: ChildProcess[] = [];
let fraudSha256: string;

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  ({ artifactSha256: fraudSha256 } = await getDb().modelVersion.findFirstOrThrow({
    where: { model: { name: "card-fraud" }, number: 1 },
    select: { artifactSha256: true },
  }));
  await api.deployment.create({
    name: "fraud-cpu",
    modelName: "card-fraud",
    versionNumber: 1,
    device: "cpu",
  });
  await api.deployment.create({
    name: "fraud-cuda",
    modelName: "card-fraud",
    versionNumber: 1,
    device: "cuda",
  });
  artifacts = await serveArtifacts();
  workers.push(
    await startWorkerProcess({
      hostName: "cpu-host-a",
      artifactSourceUrl: artifacts.url,
      env: { WORKER_DEVICE: "cpu" },
    }),
    await startWorkerProcess({
      hostName: "cuda-asked-host-b",
      artifactSourceUrl: artifacts.url,
      env: { WORKER_DEVICE: "cuda" },
    }),
  );
  gateway = await startGateway({ ...readGatewayEnv(), GATEWAY_PORT: 0, GATEWAY_HOST: "127.0.0.1" });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(workers.map((worker) => stopProcess(worker)));
  await artifacts?.close();
  await inbox.close();
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
  await removeServingQueues();
  connection.disconnect();
  await getRedis().quit();
});

const ROW = [0.4, -1.2, 2.5, 0.1, 0, 1, -0.3, 0.8, 1.9, -2.2, 0.05, 0.7, -0.6, 1.1];
const features = { name: "features", datatype: "FP32" as const, shape: [1, 14], data: ROW };

async function infer(name: string) {
  const response = await fetch(`${gateway.url}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [features] }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

const job = (device: ServingDevice, requestId: string): ServingJob => ({
  schemaVersion: SERVING_JOB_SCHEMA_VERSION,
  deploymentId: `direct-${device}`,
  versionId: "direct",
  artifactSha256: fraudSha256,
  device,
  requests: [{ requestId, inputs: [features] }],
  enqueuedAtMs: Date.now(),
  replyTo: inbox.replyTo,
});

describe("serving queues per device class", () => {
  it("both hosts announce CPU only: the one that asked for CUDA could not create a CUDA session", async () => {
    // A worker writes its Host row after it started taking jobs (serving does not wait for Postgres).
    const readHosts = () =>
      getDb().host.findMany({
        where: { name: { in: ["cpu-host-a", "cuda-asked-host-b"] } },
        select: { name: true, device: true, executionProviders: true },
        orderBy: { name: "asc" },
      });
    let hosts = await readHosts();
    for (let attempt = 0; hosts.length < 2 && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hosts = await readHosts();
    }
    expect(hosts).toEqual([
      { name: "cpu-host-a", device: "cpu", executionProviders: ["cpu"] },
      { name: "cuda-asked-host-b", device: "cpu", executionProviders: ["cpu"] },
    ]);
    expect((await queues.cpu.getWorkers()).length).toBe(2);
    expect(await queues.cuda.getWorkers()).toEqual([]);
  });

  it("serves CPU jobs on both hosts while a CUDA job waits untaken", async () => {
    const cudaJob = await queues.cuda.add("serve", job("cuda", "cuda-1"), {
      ...SERVING_JOB_OPTIONS,
      jobId: "cuda-untaken",
    });
    // CPU jobs in waves while the CUDA job sits in its queue: every one is served, by either host.
    const servedBy = new Set<string>();
    for (let wave = 0; wave < 10; wave++) {
      const added = await queues.cpu.addBulk(
        Array.from({ length: 20 }, (_, index) => ({
          name: "serve",
          data: job("cpu", `cpu-${wave}-${index}`),
          opts: SERVING_JOB_OPTIONS,
        })),
      );
      for (const one of added) {
        const result = await inbox.result(one.id!, 30_000);
        expect(result.results[0]).toMatchObject({ ok: true });
        expect(result.executionProvider).toBe("cpu");
        servedBy.add(result.hostName);
      }
    }
    expect(servedBy).toEqual(new Set(["cpu-host-a", "cuda-asked-host-b"]));
    // 200 CPU jobs later, nobody has touched the CUDA job.
    expect(await cudaJob.getState()).toBe("waiting");
    const reread = await queues.cuda.getJob("cuda-untaken");
    expect({ attemptsMade: reread?.attemptsMade, processedOn: reread?.processedOn }).toEqual({
      attemptsMade: 0,
      processedOn: undefined,
    });
    await cudaJob.remove();
  });

  it("the gateway serves the CPU deployment and says at once that nothing takes the CUDA one's jobs", async () => {
    const cpu = await infer("fraud-cpu");
    expect(cpu.status).toBe(200);
    expect(cpu.body.model_version).toBe("1");

    const message =
      "no serving worker takes cuda jobs: no running host created a cuda session in its provider probe";
    const startedMs = performance.now();
    const cuda = await infer("fraud-cuda");
    expect({ status: cuda.status, body: cuda.body }).toEqual({ status: 503, body: { error: message } });
    expect(cuda.headers.get("retry-after")).toBe("5");
    expect(performance.now() - startedMs).toBeLessThan(1_000);

    const ready = async (name: string) => {
      const response = await fetch(`${gateway.url}/v2/models/${name}/ready`);
      return { status: response.status, body: await response.json() };
    };
    expect(await ready("fraud-cpu")).toEqual({ status: 200, body: { name: "fraud-cpu", ready: true } });
    expect(await ready("fraud-cuda")).toEqual({
      status: 503,
      body: { name: "fraud-cuda", ready: false, error: message },
    });
    // Nothing was queued for CUDA by the gateway.
    expect(await queues.cuda.getJobCounts("waiting", "active", "completed", "failed")).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
    });
  });
});
