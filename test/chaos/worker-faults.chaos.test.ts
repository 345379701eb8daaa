import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueKey } from "@/server/contracts/key-prefix";
import { servingQueueName } from "@/server/contracts/serving";
import { getRedis } from "@/server/redis";
import { startFaultStack, type FaultStack } from "@/test/support/fault-stack";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { createHeavyDeployment, heavyInferRequest } from "@/test/support/heavy-deployment";
import {
  closedLoop,
  countByStatus,
  openLoop,
  percentileMs,
  type SentRequest,
} from "@/test/support/request-traffic";
import { removeServingQueues, stopProcess } from "@/test/support/serving-stack";

// Done-when 2 and 3 of issue 7, in order on one gateway process: two workers, one SIGKILLed
// under load (of the heavy model, so it dies holding jobs); then the other too (no worker at all);
// then a worker returns.

/** Short, so a dead worker's jobs are retried soon: the bar is the lock duration plus 1 s. */
const LOCK_DURATION_MS = 2_000;
const STALLED_INTERVAL_MS = 500;
const DEADLINE_MS = 10_000;
/** Done-when 3's bars, and a busy 2-core machine's margins on them (the figures are printed). */
const NO_WORKER_ANSWER_MS = 50;
const NO_WORKER_MARGIN_MS = 100;
const NORMAL_BACK_WITHIN_MS = 2_000;
const NORMAL_BACK_MARGIN_MS = 2_000;
const KILL_MARGIN_MS = 1_500;
const RATE_PER_SECOND = 100;

let stack: FaultStack;

beforeAll(async () => {
  await createFraudDeployment();
  await createHeavyDeployment();
  stack = await startFaultStack({
    workerHostNames: ["worker-a", "worker-b"],
    workerEnv: {
      WORKER_LOCK_DURATION_MS: String(LOCK_DURATION_MS),
      WORKER_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
    },
  });
  // Both workers have loaded the models before anything is measured.
  await closedLoop(stack.inferTarget(DEADLINE_MS), { clients: 16, durationMs: 1_000 });
  await closedLoop(stack.inferTarget(DEADLINE_MS, heavyInferRequest()), { clients: 16, durationMs: 2_000 });
});

afterAll(async () => {
  await stack?.stop();
  await removeServingQueues();
  getRedis().disconnect();
});

/**
 * SIGSTOPs the worker at a moment it holds jobs, and says how many: the jobs still active after
 * 300 ms are its (the other worker's last milliseconds). A frozen worker holds its jobs as a dead
 * one does and does not renew their locks, so the kill that follows is as if it came here.
 */
async function freezeHoldingJobs(
  worker: ChildProcess,
  unanswered: ReadonlySet<{ sentAtMs: number }>,
): Promise<{ heldJobs: number; atMs: number }> {
  const activeJobs = () => getRedis().lrange(queueKey(servingQueueName("cpu"), "active"), 0, -1);
  for (let attempt = 0; attempt < 20; attempt++) {
    worker.kill("SIGSTOP");
    const atMs = performance.now();
    const before = await activeJobs();
    await sleep(300);
    const held = (await activeJobs()).filter((id) => before.includes(id));
    // A job whose reply went out just before the stop is still active, but nobody waits for it: a
    // request sent before the stop and unanswered 300 ms on (the other worker answers in tens of
    // ms) is one that does.
    const waiting = [...unanswered].some((request) => request.sentAtMs < atMs);
    if (held.length > 0 && waiting) return { heldJobs: held.length, atMs };
    worker.kill("SIGCONT");
    await sleep(100);
  }
  throw new Error("the worker held no job in 20 tries");
}

/** Jobs ever put on the CPU queue (BullMQ's id counter). */
async function jobsQueued(): Promise<number> {
  return Number((await getRedis().get(queueKey(servingQueueName("cpu"), "id"))) ?? 0);
}

describe("serving workers killed under load", () => {
  it("one of two workers SIGKILLed: no request fails, its jobs are answered within the lock duration + 1 s", async () => {
    const target = stack.inferTarget(DEADLINE_MS, heavyInferRequest());
    let killedAtMs = Infinity;
    const unanswered = new Set<{ sentAtMs: number }>();
    const traffic = closedLoop(target, {
      clients: 16,
      durationMs: 30_000,
      shouldStop: () => performance.now() > killedAtMs + LOCK_DURATION_MS + 3_000,
      unanswered,
    });
    await sleep(2_000);
    const frozen = await freezeHoldingJobs(stack.workers.get("worker-a")!, unanswered);
    killedAtMs = performance.now();
    await stopProcess(stack.workers.get("worker-a")!, "SIGKILL");
    const requests = await traffic;

    // The requests in flight when it died, among them those whose jobs it held: those waited for
    // its lock to expire.
    const inFlight = requests.filter(
      (request) => request.sentAtMs < killedAtMs && request.sentAtMs + request.latencyMs > killedAtMs,
    );
    const onDeadWorker = inFlight.filter((request) => request.latencyMs > LOCK_DURATION_MS);
    // From when it stopped for good (frozen, then killed) to the last of its jobs' answers.
    const answeredAfterDeathMs = Math.max(
      ...onDeadWorker.map((request) => request.sentAtMs + request.latencyMs - frozen.atMs),
    );
    console.log(
      `worker SIGKILL (lock ${LOCK_DURATION_MS} ms, stalled check every ${STALLED_INTERVAL_MS} ms) under 16 ` +
        `closed-loop clients: ${requests.length} requests ${JSON.stringify(countByStatus(requests))}, ` +
        `${inFlight.length} in flight at the kill, ${onDeadWorker.length} of them in the ${frozen.heldJobs} ` +
        `jobs of the dead worker, all answered ${answeredAfterDeathMs.toFixed(0)} ms after it died ` +
        `(bar ${LOCK_DURATION_MS + 1_000} ms); slowest answer ${percentileMs(requests, 1).toFixed(0)} ms, ` +
        `p50 ${percentileMs(requests, 0.5).toFixed(1)} ms`,
    );
    expect(countByStatus(requests)).toEqual({ 200: requests.length });
    expect(stack.gatewayAlive()).toBe(true);
    // It did die holding jobs: otherwise this test would show nothing.
    expect(onDeadWorker.length).toBeGreaterThan(0);
    expect(answeredAfterDeathMs).toBeLessThan(LOCK_DURATION_MS + 1_000 + KILL_MARGIN_MS);
  });

  it("no worker at all: 503 with retry-after at once, and no job is queued", async () => {
    const target = stack.inferTarget(DEADLINE_MS);
    const killedAtMs = performance.now();
    await stopProcess(stack.workers.get("worker-b")!, "SIGKILL");
    // The gateway reads the worker list at most once a second: until then it still queues.
    let noticedAfterMs = NaN;
    while (Number.isNaN(noticedAfterMs) && performance.now() - killedAtMs < 5_000) {
      const ready = await fetch(`${stack.gateway.url}/v2/models/fraud/ready`);
      await ready.arrayBuffer();
      if (ready.status === 503) noticedAfterMs = performance.now() - killedAtMs;
      else await sleep(20);
    }
    const jobsBefore = await jobsQueued();
    const requests = await openLoop(target, { ratePerSecond: RATE_PER_SECOND, durationMs: 3_000 });
    const jobsAfter = await jobsQueued();

    console.log(
      `no worker (noticed ${noticedAfterMs.toFixed(0)} ms after the last one died): ${requests.length} ` +
        `requests at ${RATE_PER_SECOND}/s ${JSON.stringify(countByStatus(requests))}, p50/p99/max ` +
        `${percentileMs(requests, 0.5).toFixed(1)}/${percentileMs(requests, 0.99).toFixed(1)}/` +
        `${percentileMs(requests, 1).toFixed(1)} ms (bar ${NO_WORKER_ANSWER_MS} ms), ${jobsAfter - jobsBefore} jobs queued`,
    );
    expect(noticedAfterMs).toBeLessThan(2_000);
    expect(countByStatus(requests)).toEqual({ 503: requests.length });
    expect(requests.every((request) => Number(request.retryAfter) > 0)).toBe(true);
    expect(jobsAfter).toBe(jobsBefore);
    expect(percentileMs(requests, 0.99)).toBeLessThan(NO_WORKER_ANSWER_MS + NO_WORKER_MARGIN_MS);
  });

  it("a worker returns: normal latency within 2 s, with no stale job to run first", async () => {
    const target = stack.inferTarget(DEADLINE_MS);
    expect(await getRedis().llen(queueKey(servingQueueName("cpu"), "wait"))).toBe(0);
    let startedAtMs = Infinity;
    const traffic = openLoop(target, {
      ratePerSecond: RATE_PER_SECOND,
      durationMs: 60_000,
      shouldStop: () =>
        performance.now() > startedAtMs + NORMAL_BACK_WITHIN_MS + NORMAL_BACK_MARGIN_MS + 1_000,
    });
    await stack.startWorker("worker-c");
    startedAtMs = performance.now();
    const requests = await traffic;

    const normalBackAfterMs = normalLatencyBackAfterMs(requests, startedAtMs);
    const after = requests.filter((request) => request.sentAtMs >= startedAtMs);
    console.log(
      `worker back: normal latency ${normalBackAfterMs.toFixed(0)} ms after it said it started ` +
        `(bar ${NORMAL_BACK_WITHIN_MS} ms); ${after.length} requests since ${JSON.stringify(countByStatus(after))}, ` +
        `p50 ${percentileMs(after, 0.5).toFixed(1)} ms`,
    );
    // 503 until the gateway reads the worker; 429 from admission while the first jobs wait for
    // the returning worker's session to load (their age is the queue-age signal). Both shed with
    // retry-after, and both count as not normal in the time measured.
    expect(requests.filter((request) => ![200, 429, 503].includes(request.status))).toEqual([]);
    expect(requests.filter((request) => request.status !== 200 && request.retryAfter === null)).toEqual([]);
    expect(normalBackAfterMs).toBeLessThan(NORMAL_BACK_WITHIN_MS + NORMAL_BACK_MARGIN_MS);
  });
});

/**
 * When latency was normal again after `sinceMs`: the end of the last 250 ms window (by send time)
 * with an answer other than 200 or a median above twice (+5 ms) that of the run's last second,
 * long after the bar, on the same machine at the same time; a median, so one slow request on a
 * busy machine is not a relapse.
 */
function normalLatencyBackAfterMs(requests: SentRequest[], sinceMs: number): number {
  const windowMs = 250;
  const lastSecond = requests.filter((request) => request.sentAtMs >= requests.at(-1)!.sentAtMs - 1_000);
  const normalMedianMs = 2 * percentileMs(lastSecond, 0.5) + 5;
  const windows = new Map<number, SentRequest[]>();
  for (const request of requests.filter((candidate) => candidate.sentAtMs >= sinceMs)) {
    const index = Math.floor((request.sentAtMs - sinceMs) / windowMs);
    windows.set(index, [...(windows.get(index) ?? []), request]);
  }
  let backAfterMs = 0;
  for (const [index, window] of windows) {
    const normal =
      window.every((request) => request.status === 200) && percentileMs(window, 0.5) <= normalMedianMs;
    if (!normal) backAfterMs = Math.max(backAfterMs, (index + 1) * windowMs);
  }
  return backAfterMs;
}
