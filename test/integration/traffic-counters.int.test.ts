import { afterAll, describe, expect, it } from "vitest";
import {
  MINUTE_MS,
  TRAFFIC_MINUTES_KEY,
  encodeJobRelease,
  encodeRequestObservation,
  trafficKey,
  trafficMinuteMember,
  type BatchReleaseReason,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { TrafficCounters } from "@/server/gateway/traffic-counters";
import { GatewayMetrics } from "@/server/metrics/gateway-metrics";
import { getRedis } from "@/server/redis";
import { createPrng } from "@/server/domain/prng";
import { writeTrafficIncrements } from "@/test/support/traffic-hashes";

afterAll(() => getRedis().quit());

const redis = getRedis();
const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
// Two deployments serving the same version (staging and production), and a second version.
const deployments = [
  { id: "dep-staging", name: "fraud-staging" },
  { id: "dep-production", name: "fraud" },
];
const versions = [
  { versionId: "ver-shared", versionNumber: 1 },
  { versionId: "ver-two", versionNumber: 2 },
];
const ERRORS = [null, null, null, "deadline", "modelError", "badInput"] as const;
const REASONS: BatchReleaseReason[] = ["full", "timer", "idle"];

describe("the gateway's traffic counters", () => {
  it("write the same hashes as one increment per request would, per deployment, version, role and minute", async () => {
    const counters = new TrafficCounters(redis, new GatewayMetrics(), {
      enabled: true,
      flushIntervalMs: 60_000,
    });
    const random = createPrng(3);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random.next() * items.length)]!;
    /** Per deployment and minute: what one HINCRBY per request and per job would have written. */
    const expected = new Map<
      string,
      { deploymentId: string; minuteStartMs: number; increments: [string, number][][] }
    >();
    const expectIncrements = (
      deploymentId: string,
      minuteStartMs: number,
      increments: [string, number][],
    ) => {
      const key = `${deploymentId}:${minuteStartMs}`;
      if (!expected.has(key)) expected.set(key, { deploymentId, minuteStartMs, increments: [] });
      expected.get(key)!.increments.push(increments);
    };
    for (let request = 0; request < 2_000; request += 1) {
      const deployment = pick(deployments);
      const version = pick(versions);
      // Mostly the current minute; now and then a late one from the minute before, or the next.
      const nowMs = minute + pick([-1, 0, 0, 0, 1]) * MINUTE_MS + Math.floor(random.next() * MINUTE_MS);
      const error = pick(ERRORS);
      const latencyUs = Math.exp(random.next() * 12);
      const observation: RequestObservation = {
        versionId: version.versionId,
        role: pick(["primary", "shadow"] as const),
        error,
        latencyUs,
        ran:
          error === null || error === "modelError"
            ? {
                rows: 1 + Math.floor(random.next() * 8),
                queueWaitUs: latencyUs / 3,
                computeUs: latencyUs / 5,
              }
            : null,
      };
      counters.record(deployment, version.versionNumber, observation, nowMs);
      expectIncrements(
        deployment.id,
        Math.floor(nowMs / MINUTE_MS) * MINUTE_MS,
        encodeRequestObservation(observation),
      );
      if (request % 7 === 0) {
        const reason = pick(REASONS);
        counters.recordJobRelease(deployment, version, reason, nowMs);
        expectIncrements(
          deployment.id,
          Math.floor(nowMs / MINUTE_MS) * MINUTE_MS,
          encodeJobRelease(version.versionId, reason),
        );
      }
    }
    await counters.close();

    expect(expected.size).toBe(6);
    for (const { deploymentId, minuteStartMs, increments } of expected.values()) {
      const reference = `reference-${deploymentId}`;
      await writeTrafficIncrements(redis, reference, minuteStartMs, increments);
      const [counted, wanted] = await Promise.all([
        redis.hgetall(trafficKey(deploymentId, minuteStartMs)),
        redis.hgetall(trafficKey(reference, minuteStartMs)),
      ]);
      expect(counted).toEqual(wanted);
      expect(await redis.zscore(TRAFFIC_MINUTES_KEY, trafficMinuteMember(deploymentId, minuteStartMs))).toBe(
        String(minuteStartMs),
      );
    }
  });

  it("fold the same sums into Prometheus, by deployment name, version number, role and outcome", async () => {
    const metrics = new GatewayMetrics();
    const counters = new TrafficCounters(redis, metrics, { enabled: true, flushIntervalMs: 60_000 });
    const ok = (versionId: string, role: "primary" | "shadow"): RequestObservation => ({
      versionId,
      role,
      error: null,
      latencyUs: 700,
      ran: { rows: 2, queueWaitUs: 100, computeUs: 300 },
    });
    for (let request = 0; request < 5; request += 1)
      counters.record(deployments[0]!, 1, ok("ver-shared", "primary"));
    for (let request = 0; request < 3; request += 1)
      counters.record(deployments[1]!, 1, ok("ver-shared", "primary"));
    counters.record(deployments[1]!, 2, ok("ver-two", "shadow"));
    await counters.close();
    const text = await metrics.registry.metrics();
    const requests = (labels: string) =>
      Number(new RegExp(`^mlops_inference_requests_total\\{${labels}\\} (\\d+)$`, "m").exec(text)?.[1]);
    expect(requests('deployment="fraud-staging",version="1",role="primary",outcome="ok"')).toBe(5);
    expect(requests('deployment="fraud",version="1",role="primary",outcome="ok"')).toBe(3);
    expect(requests('deployment="fraud",version="2",role="shadow",outcome="ok"')).toBe(1);
  });
});
