import http from "node:http";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, REDIS_COMMAND_TIMEOUT_MS } from "@/server/contracts/redis-connections";
import { servingQueueName, servingReplyListKey, SERVING_REPLY_LIST_TTL_MS } from "@/server/contracts/serving";
import { getRedis } from "@/server/redis";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { ownRedis } from "@/test/support/own-redis";
import { scanKeys } from "@/test/support/redis-keys";
import { startGatewayProcess, startServingStack } from "@/test/support/serving-stack";
import { stopNodeProcess } from "@/bench/processes";

// Results come back on a reply list per gateway instance (issue 7): two gateways share the serving
// queue and each gets exactly its own results; one killed mid-job fails only its own clients; a
// caller that hangs up takes its job off the queue; a Redis that dies under waiting requests
// answers them 503 at once rather than 504 at their deadline. This file has a Redis of its own.

const redis = await ownRedis();
process.env.REDIS_URL = redis.url;
const REDIS_KEY_PREFIX = process.env.REDIS_KEY_PREFIX!;

const DEPLOYMENT = "fraud-replies";
const connection = connectRedis("command", redis.url);
const queue = new Queue(servingQueueName("cpu"), {
  connection: connectRedis("producer", redis.url),
  prefix: bullPrefix(REDIS_KEY_PREFIX),
});
let stack: Awaited<ReturnType<typeof startServingStack>>;

beforeAll(async () => {
  await createFraudDeployment(DEPLOYMENT);
  stack = await startServingStack({ hostName: "replies-host" });
});

afterAll(async () => {
  stack?.worker.kill("SIGCONT");
  await stack?.stop();
  await queue.close();
  connection.disconnect();
  await getRedis().quit();
  await redis.stop();
});

const row = (seed: number) => Array.from({ length: 14 }, (_, i) => Math.sin(seed * 31 + i) * 2);

interface Answer {
  status: number;
  probability: number | null;
  error: string | null;
  retryAfter: string | null;
  latencyMs: number;
}

/** One infer call; a socket failure is an answer too (status 0), as its client sees it. */
function infer(
  gatewayUrl: string,
  seed: number,
  options: { timeoutMs?: number; abortAfterMs?: number } = {},
): Promise<Answer> {
  const startedMs = performance.now();
  const body = JSON.stringify({
    inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: row(seed) }],
  });
  return new Promise((resolve) => {
    const done = (answer: Omit<Answer, "latencyMs">) =>
      resolve({ ...answer, latencyMs: performance.now() - startedMs });
    const request = http.request(
      `${gatewayUrl}/v2/models/${DEPLOYMENT}/infer`,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "x-timeout-ms": String(options.timeoutMs ?? 20_000) },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => {
          const parsed = JSON.parse(text) as { outputs?: { name: string; data: number[] }[]; error?: string };
          const probability = parsed.outputs?.find((output) => output.name === "probability")?.data;
          done({
            retryAfter: (response.headers["retry-after"] as string | undefined) ?? null,
            status: response.statusCode ?? 0,
            probability: probability ? probability.at(-1)! : null,
            error: parsed.error ?? null,
          });
        });
      },
    );
    request.on("error", (error) =>
      done({ status: 0, probability: null, error: error.message, retryAfter: null }),
    );
    if (options.abortAfterMs !== undefined) setTimeout(() => request.destroy(), options.abortAfterMs);
    request.end(body);
  });
}

const waitingJobs = () => queue.getWaitingCount();

describe("results on a reply list per gateway", () => {
  it("two gateways on one queue each answer their own requests with their own results", async () => {
    const other = await startGatewayProcess();
    try {
      const seeds = Array.from({ length: 120 }, (_, i) => i);
      const expected = new Map<number, number>();
      for (const seed of seeds.slice(0, 10))
        expected.set(seed, (await infer(stack.gateway.url, seed)).probability!);
      // Concurrent, interleaved between the gateways, so jobs of both are on the queue at once.
      const answers = await Promise.all(
        seeds.map((seed) => infer(seed % 2 === 0 ? stack.gateway.url : other.url, seed)),
      );
      expect(answers.map((answer) => answer.status)).toEqual(seeds.map(() => 200));
      // Each answer is its own request's: the ten known rows score as they did alone.
      for (const seed of seeds.slice(0, 10))
        expect(answers[seed]!.probability).toBeCloseTo(expected.get(seed)!, 5);
      expect(new Set(answers.map((answer) => answer.probability)).size).toBe(seeds.length);
    } finally {
      await stopNodeProcess(other);
    }
  });

  it("a gateway killed while its jobs wait fails only its own clients; its replies expire unread", async () => {
    const doomed = await startGatewayProcess();
    stack.worker.kill("SIGSTOP");
    // The killed gateway's jobs are queued first, so they are among the waiting ones.
    const doomedAnswers = Promise.all([1, 2, 3].map((seed) => infer(doomed.url, seed)));
    await expect.poll(waitingJobs, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const survivorAnswers = Promise.all([4, 5, 6].map((seed) => infer(stack.gateway.url, seed)));
    await expect.poll(waitingJobs, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    doomed.child.kill("SIGKILL");
    await new Promise((resolve) => doomed.child.once("exit", resolve));
    stack.worker.kill("SIGCONT");

    expect((await survivorAnswers).map((answer) => answer.status)).toEqual([200, 200, 200]);
    // The killed gateway's clients see their connections end, not someone else's answer.
    expect((await doomedAnswers).map((answer) => answer.status)).toEqual([0, 0, 0]);
    // Its job still ran and replied to its list, which nobody reads: the list expires.
    let lists: string[] = [];
    const listPattern = servingReplyListKey(REDIS_KEY_PREFIX, "*");
    await expect.poll(async () => (lists = await scanKeys(connection, listPattern)).length).toBe(1);
    const ttlMs = await connection.pttl(lists[0]!);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(SERVING_REPLY_LIST_TTL_MS);
    await connection.del(lists[0]!);

    // A gateway started again is a new instance with a list of its own, and serves at once.
    const restarted = await startGatewayProcess();
    try {
      expect((await infer(restarted.url, 7)).status).toBe(200);
    } finally {
      await stopNodeProcess(restarted);
    }
  });

  it("a caller that hangs up takes its waiting job off the queue", async () => {
    stack.worker.kill("SIGSTOP");
    try {
      const answer = infer(stack.gateway.url, 8, { abortAfterMs: 300 });
      await expect.poll(waitingJobs, { timeout: 2_000 }).toBe(1);
      expect((await answer).status).toBe(0);
      await expect.poll(waitingJobs, { timeout: 2_000 }).toBe(0);
    } finally {
      stack.worker.kill("SIGCONT");
    }
    expect((await infer(stack.gateway.url, 9)).status).toBe(200);
  });

  it("requests waiting when Redis dies get 503 with retry-after at once, and serving returns with Redis", async () => {
    stack.worker.kill("SIGSTOP");
    const waiting = Promise.all([10, 11, 12].map((seed) => infer(stack.gateway.url, seed)));
    await expect.poll(waitingJobs, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const stoppedMs = performance.now();
    await redis.stop();
    const answers = await waiting;
    const answeredAfterMs = performance.now() - stoppedMs;
    stack.worker.kill("SIGCONT");
    expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503]);
    expect(answers[0]).toMatchObject({
      error: "the connection to the serving queue was lost; retry",
      retryAfter: "1",
    });
    // Their deadline was 20 s away.
    expect(answeredAfterMs).toBeLessThan(2_000);

    await redis.start();
    const startedMs = performance.now();
    await expect
      .poll(async () => (await infer(stack.gateway.url, 13, { timeoutMs: 1_000 })).status, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200);
    console.log(
      `Redis stopped under 3 waiting requests: all 503 after ${Math.round(answeredAfterMs)} ms; ` +
        `serving back ${Math.round(performance.now() - startedMs)} ms after Redis returned`,
    );
  });

  it("a Redis that hangs (paused) gets new requests 503 within its command timeout, not a wait to their deadline", async () => {
    expect((await infer(stack.gateway.url, 14)).status).toBe(200);
    redis.pause();
    try {
      // The worker count is read at most once a second: wait for the next read to need Redis.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const answer = await infer(stack.gateway.url, 15, { timeoutMs: 20_000 });
      expect(answer).toMatchObject({ status: 503, retryAfter: "1" });
      expect(answer.latencyMs).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 1_000);
    } finally {
      redis.resume();
    }
    await expect
      .poll(async () => (await infer(stack.gateway.url, 16, { timeoutMs: 1_000 })).status, {
        timeout: 10_000,
      })
      .toBe(200);
  });
});
