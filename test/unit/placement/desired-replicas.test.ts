import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  desiredReplicas,
  type ScalingPolicyInput,
  type ScalingSample,
} from "@/server/domain/placement/desired-replicas";

const policy: ScalingPolicyInput = { targetInFlightPerReplica: 4, minReplicas: 1, maxReplicas: 10 };
const STEP_MS = 15_000;
const MINUTE = 60_000;

/** One sample every 15 s, ending at nowMs, with the given demand (in flight) each. */
const history = (demands: number[], nowMs: number, replicas = 2): ScalingSample[] =>
  demands.map((inFlight, index) => ({
    atMs: nowMs - (demands.length - 1 - index) * STEP_MS,
    inFlight,
    queueDepth: 0,
    replicas,
  }));
const repeat = (value: number, times: number) => Array.from({ length: times }, () => value);

describe("desiredReplicas", () => {
  it("scales up at once, from in-flight and queued requests over the target per replica", () => {
    const decision = desiredReplicas({
      policy,
      samples: [{ atMs: 1_000, inFlight: 14, queueDepth: 12, replicas: 2 }],
      currentReplicas: 2,
      nowMs: 1_000,
    });
    expect(decision).toMatchObject({ desiredReplicas: 7, reason: "scale-up", limitedBy: null });
    expect(decision.explanation).toBe("2 -> 7 replicas: 26 in flight or queued at 4 per replica");
  });

  it("caps at maxReplicas and says so", () => {
    const decision = desiredReplicas({
      policy,
      samples: history([100], 0),
      currentReplicas: 3,
      nowMs: 0,
    });
    expect(decision).toMatchObject({ desiredReplicas: 10, limitedBy: "max" });
    expect(decision.explanation).toContain("(25 needed, capped at maxReplicas 10)");
  });

  it("raises the count when p99 latency is over its target", () => {
    const decision = desiredReplicas({
      policy: { ...policy, latencyTargetMs: 100 },
      samples: [{ atMs: 0, inFlight: 8, queueDepth: 0, latencyMs: 300, replicas: 2 }],
      currentReplicas: 2,
      nowMs: 0,
    });
    expect(decision.desiredReplicas).toBe(6);
    expect(decision.explanation).toContain("p99 300 ms over the 100 ms target");
    // Within the 10% tolerance nothing changes.
    const within = desiredReplicas({
      policy: { ...policy, latencyTargetMs: 100 },
      samples: [{ atMs: 0, inFlight: 8, queueDepth: 0, latencyMs: 109, replicas: 2 }],
      currentReplicas: 2,
      nowMs: 0,
    });
    expect(within.desiredReplicas).toBe(2);
  });

  it("scales down only once the lower count held for the whole delay (5 minutes)", () => {
    const nowMs = 60 * MINUTE;
    // 8 replicas' worth for a while, then 4 minutes at 2 replicas' worth: not yet.
    const busyThenQuiet = [...repeat(32, 20), ...repeat(8, 16)];
    const early = desiredReplicas({
      policy,
      samples: history(busyThenQuiet, nowMs),
      currentReplicas: 8,
      nowMs,
    });
    expect(early).toMatchObject({ desiredReplicas: 8, recommendedNow: 2, reason: "holding" });
    expect(early.explanation).toBe(
      "keeping 8 replicas: 2 would do now (8 in flight or queued at 4 per replica), but not yet for 300 s",
    );
    // 5 minutes and a bit of quiet: down to the highest count asked for in those 5 minutes.
    const later = desiredReplicas({
      policy,
      samples: history([...repeat(32, 20), ...repeat(12, 4), ...repeat(8, 18)], nowMs),
      currentReplicas: 8,
      nowMs,
    });
    expect(later).toMatchObject({ desiredReplicas: 3, reason: "scale-down" });
  });

  it("does not flap on traffic that comes and goes within the delay", () => {
    const nowMs = 60 * MINUTE;
    const bursty = Array.from({ length: 40 }, (_, index) => (index % 4 === 0 ? 36 : 4));
    const decision = desiredReplicas({ policy, samples: history(bursty, nowMs), currentReplicas: 9, nowMs });
    expect(decision.desiredReplicas).toBe(9);
  });

  it("never scales down on a fresh start's few seconds of quiet", () => {
    const decision = desiredReplicas({
      policy,
      samples: history([0, 0], 10_000),
      currentReplicas: 5,
      nowMs: 10_000,
    });
    expect(decision).toMatchObject({ desiredReplicas: 5, reason: "holding" });
  });

  it("scales a batch-only deployment to zero after the delay, and back to one when work is queued", () => {
    const batch = { ...policy, minReplicas: 0, batchOnly: true, scaleDownDelayMs: 2 * MINUTE };
    const nowMs = 30 * MINUTE;
    const idle = desiredReplicas({
      policy: batch,
      samples: history(repeat(0, 12), nowMs),
      currentReplicas: 1,
      nowMs,
    });
    expect(idle).toMatchObject({ desiredReplicas: 0, reason: "scale-to-zero" });
    expect(idle.explanation).toBe("1 -> 0 replicas: no batch work for 120 s");
    const woken = desiredReplicas({
      policy: batch,
      samples: [
        ...history(repeat(0, 12), nowMs - STEP_MS),
        { atMs: nowMs, inFlight: 0, queueDepth: 1, replicas: 0 },
      ],
      currentReplicas: 0,
      nowMs,
    });
    expect(woken).toMatchObject({ desiredReplicas: 1, reason: "scale-up" });
  });

  it("keeps one replica of an interactive deployment, and refuses scale to zero for it", () => {
    const decision = desiredReplicas({
      policy,
      samples: history(repeat(0, 40), 40 * STEP_MS),
      currentReplicas: 3,
      nowMs: 40 * STEP_MS,
    });
    expect(decision.desiredReplicas).toBe(1);
    expect(() =>
      desiredReplicas({ policy: { ...policy, minReplicas: 0 }, samples: [], currentReplicas: 1, nowMs: 0 }),
    ).toThrow("scaling.minReplicas: minReplicas 0 (scale to zero) is only for batch-only deployments");
    expect(() =>
      desiredReplicas({ policy: { ...policy, minReplicas: 12 }, samples: [], currentReplicas: 1, nowMs: 0 }),
    ).toThrow("minReplicas (12) must not be more than maxReplicas (10)");
  });

  it("properties: up at once to the latest need; down only to what every sample of the delay allows", () => {
    const recommendationOf = (sample: ScalingSample, p: ScalingPolicyInput) =>
      desiredReplicas({
        policy: { ...p, scaleDownDelayMs: 0 },
        samples: [sample],
        currentReplicas: 1,
        nowMs: sample.atMs,
      }).desiredReplicas;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        (demands, current, batchOnly) => {
          const p = { ...policy, minReplicas: batchOnly ? 0 : 1, batchOnly, scaleDownDelayMs: 2 * MINUTE };
          const nowMs = 100 * MINUTE;
          const samples = history(demands, nowMs);
          const { desiredReplicas: desired } = desiredReplicas({
            policy: p,
            samples,
            currentReplicas: current,
            nowMs,
          });
          expect(desired).toBeGreaterThanOrEqual(recommendationOf(samples.at(-1)!, p));
          expect(desired).toBeLessThanOrEqual(10);
          expect(desired).toBeGreaterThanOrEqual(p.minReplicas);
          if (desired < current) {
            const window = samples.filter((sample) => sample.atMs >= nowMs - 2 * MINUTE);
            expect(samples[0]!.atMs).toBeLessThanOrEqual(nowMs - 2 * MINUTE);
            for (const sample of window) expect(recommendationOf(sample, p)).toBeLessThanOrEqual(desired);
          }
        },
      ),
    );
  });
});
