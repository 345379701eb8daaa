import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { applyMigrations } from "@/server/migrations/apply-migrations";
import { getRedis } from "@/server/redis";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { isRunning, startFaultStack, type FaultStack } from "@/test/support/fault-stack";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { ownPostgres } from "@/test/support/own-postgres";
import { closedLoop, countByStatus, percentileMs } from "@/test/support/request-traffic";
import { removeServingQueues, stopProcess } from "@/test/support/serving-stack";
import { HEARTBEAT_INTERVAL_MS } from "@/workers/host";

// Done-when 6 of issue 7: Postgres stopped for 20 s under load, twice: crashed (immediate
// shutdown, sessions cut) and frozen (SIGSTOP of the whole server, as a hung host: queries
// hang instead of failing). Serving reads only cached deployments and Redis, so no request may
// fail, and readiness stays 200 while it reports Postgres down.
// Gateway, worker and this file all use a cluster of the file's own; the shared one never stops.

const OUTAGE_MS = 20_000;
const DEADLINE_MS = 5_000;
const READINESS_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 1_000;

const postgres = await ownPostgres();
await applyMigrations(postgres.url);
process.env.DATABASE_URL = postgres.url;
let stack: FaultStack;

beforeAll(async () => {
  await ensureDefaultTeam();
  await createFraudDeployment();
  stack = await startFaultStack({ workerHostNames: ["postgres-stop"] });
});

afterAll(async () => {
  await stack?.stop();
  await removeServingQueues();
  getRedis().disconnect();
  await postgres.remove();
});

interface ReadinessAnswer {
  atMs: number;
  latencyMs: number;
  status: number;
  postgres: string | null;
}

/** /v2/health/ready every 250 ms until `shouldStop`; a status 0 is no answer within 5 s. */
async function pollReadiness(url: string, shouldStop: () => boolean): Promise<ReadinessAnswer[]> {
  const answers: ReadinessAnswer[] = [];
  while (!shouldStop()) {
    const atMs = performance.now();
    const answer = await fetch(`${url}/v2/health/ready`, {
      signal: AbortSignal.timeout(READINESS_TIMEOUT_MS),
    })
      .then(async (response) => ({
        status: response.status,
        postgres: ((await response.json()) as { postgres?: string }).postgres ?? null,
      }))
      .catch(() => ({ status: 0, postgres: null }));
    answers.push({ atMs, latencyMs: performance.now() - atMs, ...answer });
    await sleep(250);
  }
  return answers;
}

describe("Postgres stopped for 20 s under load", () => {
  for (const mode of ["crashed", "frozen"] as const)
    it(`${mode}: no infer request fails, readiness stays 200 and reports Postgres down, then up`, async () => {
      let restartedAtMs = Infinity;
      const shouldStop = () => performance.now() > restartedAtMs + 5_000;
      const target = stack.inferTarget(DEADLINE_MS);
      const traffic = closedLoop(target, { clients: 16, durationMs: OUTAGE_MS + 60_000, shouldStop });
      const readiness = pollReadiness(stack.gateway.url, shouldStop);
      await sleep(2_000);
      const stoppedAtMs = performance.now();
      if (mode === "crashed") await postgres.stop("immediate");
      else postgres.pause();
      await sleep(OUTAGE_MS);
      if (mode === "crashed") await postgres.start();
      else postgres.resume();
      restartedAtMs = performance.now();
      const [requests, readinessAnswers] = await Promise.all([traffic, readiness]);

      const during = readinessAnswers.filter(
        (answer) => answer.atMs > stoppedAtMs && answer.atMs < restartedAtMs,
      );
      const upAgain = readinessAnswers.find(
        (answer) => answer.atMs > restartedAtMs && answer.postgres === "up",
      );
      console.log(
        `Postgres ${mode} for ${OUTAGE_MS / 1000} s under 16 closed-loop clients: ${requests.length} infer ` +
          `requests ${JSON.stringify(countByStatus(requests))}, p50/p99/max ${percentileMs(requests, 0.5).toFixed(1)}/` +
          `${percentileMs(requests, 0.99).toFixed(1)}/${percentileMs(requests, 1).toFixed(0)} ms; readiness ` +
          `${JSON.stringify(countByStatus(readinessAnswers as never))}, postgres down in ` +
          `${during.filter((answer) => answer.postgres === "down").length}/${during.length} during, slowest ` +
          `${Math.max(...readinessAnswers.map((answer) => answer.latencyMs)).toFixed(0)} ms; up again ` +
          `${upAgain ? (upAgain.atMs - restartedAtMs).toFixed(0) : "never"} ms after the restart`,
      );
      expect(countByStatus(requests)).toEqual({ 200: requests.length });
      expect(readinessAnswers.filter((answer) => answer.status !== 200)).toEqual([]);
      // Answered within a load balancer's probe timeout (Kubernetes' default: 1 s), not late.
      expect(Math.max(...readinessAnswers.map((answer) => answer.latencyMs))).toBeLessThan(PROBE_TIMEOUT_MS);
      expect(during.filter((answer) => answer.postgres === "down").length).toBeGreaterThan(0);
      expect(upAgain).toBeDefined();
      expect(stack.gatewayAlive()).toBe(true);
      expect([...stack.workers.values()].every(isRunning)).toBe(true);
    });

  it("crashed: a worker that starts during the outage serves at once, and writes its Host row when Postgres is back", async () => {
    const lateHost = "postgres-stop-late";
    // The gateway has the deployment cached (it serves it without Postgres) before the outage.
    await closedLoop(stack.inferTarget(DEADLINE_MS), { clients: 4, durationMs: 1_000 });
    await postgres.stop("immediate");
    let requests: Awaited<ReturnType<typeof closedLoop>>;
    let startMs: number;
    try {
      const startedAtMs = performance.now();
      await stack.startWorker(lateHost);
      startMs = performance.now() - startedAtMs;
      // The late worker is the only one now: every answer below is its.
      await stopProcess(stack.workers.get("postgres-stop")!, "SIGKILL");
      requests = await closedLoop(stack.inferTarget(DEADLINE_MS), { clients: 4, durationMs: 3_000 });
    } finally {
      await postgres.start();
    }
    const backAtMs = performance.now();
    let announcedAfterMs: number | null = null;
    while (announcedAfterMs === null && performance.now() - backAtMs < HEARTBEAT_INTERVAL_MS + 5_000) {
      const row = await getDb()
        .host.findUnique({ where: { name: lateHost } })
        .catch(() => null);
      if (row) announcedAfterMs = performance.now() - backAtMs;
      else await sleep(250);
    }
    console.log(
      `worker started with Postgres down in ${startMs.toFixed(0)} ms; ${requests.length} requests ` +
        `${JSON.stringify(countByStatus(requests))} (the first wait for its model to load: slowest ` +
        `${percentileMs(requests, 1).toFixed(0)} ms); Host row written ` +
        `${announcedAfterMs === null ? "never" : `${announcedAfterMs.toFixed(0)} ms`} after Postgres was back`,
    );
    expect(countByStatus(requests)).toEqual({ 200: requests.length });
    expect(requests.length).toBeGreaterThan(0);
    expect(announcedAfterMs).not.toBeNull();
    expect(isRunning(stack.workers.get(lateHost)!)).toBe(true);
  });
});
