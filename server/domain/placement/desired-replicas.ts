import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatZodIssues } from "@/server/domain/zod-message";

/**
 * How many replicas a deployment should have, from what its traffic did lately. Pure: the caller
 * keeps a few minutes of samples (the gateways' in-flight rows and the serving queue's depth,
 * the window's latency) and either applies the answer in the host pool or shows it as a
 * recommendation; on Kubernetes the same figure is the metric KEDA scales worker pods by.
 *
 * Each sample gives a recommendation: the demand (requests in flight plus those queued) over the
 * target per replica, raised when latency is over its target (replicas times latency over
 * target), clamped to [min, max]. Then, as the HPA's stabilization windows do: up to the lowest
 * recommendation of the short scale-up window (0 by default: at once), down only to the highest
 * recommendation of the scale-down window (5 minutes by default, the HPA's), so a dip in
 * traffic does not take replicas that the next burst needs again, and the count never flaps.
 */

export const ZScalingPolicy = z
  .object({
    /** Requests in flight (queued or running) one replica is meant to carry, e.g. 2 batches' worth. */
    targetInFlightPerReplica: z.number().positive("targetInFlightPerReplica must be more than 0"),
    minReplicas: z.number().int().nonnegative("minReplicas must not be negative"),
    maxReplicas: z.number().int().positive("maxReplicas must be at least 1"),
    /** p99 over this raises the count in proportion; unset, latency is not looked at. */
    latencyTargetMs: z.number().positive("latencyTargetMs must be more than 0").optional(),
    /** Latency within this share over its target is accepted (the HPA's 10% tolerance). */
    latencyTolerance: z.number().nonnegative().default(0.1),
    /** How long a higher count must be asked for before scaling up (0: at once). */
    scaleUpDelayMs: z.number().int().nonnegative().default(0),
    /** How long the desired count must stay lower before scaling down (the HPA's 5 minutes). */
    scaleDownDelayMs: z.number().int().nonnegative().default(300_000),
    /**
     * A deployment that only serves batch jobs and async tasks: it may scale to zero while no
     * work waits (a queued job then brings one replica back). Interactive deployments keep one.
     */
    batchOnly: z.boolean().default(false),
  })
  .superRefine((policy, ctx) => {
    if (policy.minReplicas > policy.maxReplicas)
      ctx.addIssue({
        code: "custom",
        path: ["minReplicas"],
        message: `minReplicas (${policy.minReplicas}) must not be more than maxReplicas (${policy.maxReplicas})`,
      });
    if (policy.minReplicas === 0 && !policy.batchOnly)
      ctx.addIssue({
        code: "custom",
        path: ["minReplicas"],
        message:
          "minReplicas 0 (scale to zero) is only for batch-only deployments: a request to an interactive one would wait for a cold start",
      });
  });
export type ScalingPolicy = z.infer<typeof ZScalingPolicy>;
export type ScalingPolicyInput = z.input<typeof ZScalingPolicy>;

export interface ScalingSample {
  atMs: number;
  /** Requests (or batch chunks) running or waiting in the gateways and workers. */
  inFlight: number;
  /** Jobs waiting on the deployment's queue for a worker. */
  queueDepth: number;
  /** The window's p99 latency, when requests completed in it. */
  latencyMs?: number;
  /** Replicas serving when the sample was taken (what the latency was measured with). */
  replicas: number;
}

export type ScalingReason =
  | "steady"
  | "scale-up"
  | "scale-down"
  | "scale-to-zero"
  /** Fewer would do, but not yet for the whole scale-down delay. */
  | "holding";

export interface ScalingDecision {
  desiredReplicas: number;
  /** The latest sample's own recommendation, before the stabilization windows. */
  recommendedNow: number;
  reason: ScalingReason;
  /** A bound that cut the raw demand (max: more were needed than allowed). */
  limitedBy: "min" | "max" | null;
  explanation: string;
}

export interface DesiredReplicasInput {
  policy: ScalingPolicyInput;
  samples: readonly ScalingSample[];
  currentReplicas: number;
  nowMs: number;
}

export function desiredReplicas(input: DesiredReplicasInput): ScalingDecision {
  const policy = parsePolicy(input.policy);
  const { currentReplicas, nowMs } = input;
  // The schema keeps minReplicas 0 to batch-only deployments.
  const floor = policy.minReplicas;
  const recommend = (sample: ScalingSample) => recommendationOf(sample, policy, floor);
  const samples = [...input.samples].filter((sample) => sample.atMs <= nowMs).sort((a, b) => a.atMs - b.atMs);
  const latest = samples.at(-1);
  if (!latest) {
    const held = clamp(currentReplicas, floor, policy.maxReplicas);
    return {
      desiredReplicas: held,
      recommendedNow: held,
      reason: held === currentReplicas ? "steady" : held > currentReplicas ? "scale-up" : "scale-down",
      limitedBy: held === currentReplicas ? null : held > currentReplicas ? "min" : "max",
      explanation: "no samples yet: keeping the current count within min and max",
    };
  }
  const now = recommend(latest);

  // Up to the lowest recommendation of the scale-up window, down to the highest of the
  // scale-down window. A window that history does not cover yet counts the current count in, so
  // a fresh start never scales down on a few seconds of quiet.
  const inWindow = (delayMs: number) => {
    const recent = samples.filter((sample) => sample.atMs >= nowMs - delayMs).map((s) => recommend(s).count);
    const covered = samples[0]!.atMs <= nowMs - delayMs;
    return recent.length === 0 ? [now.count] : covered ? recent : [...recent, currentReplicas];
  };
  const upTo = Math.min(...inWindow(policy.scaleUpDelayMs));
  const downTo = Math.max(...inWindow(policy.scaleDownDelayMs));
  let desired = currentReplicas;
  if (desired < upTo) desired = upTo;
  if (desired > downTo) desired = downTo;
  desired = clamp(desired, floor, policy.maxReplicas);

  const demand = `${latest.inFlight + latest.queueDepth} in flight or queued at ${policy.targetInFlightPerReplica} per replica`;
  const reason: ScalingReason =
    desired > currentReplicas
      ? "scale-up"
      : desired < currentReplicas
        ? desired === 0
          ? "scale-to-zero"
          : "scale-down"
        : now.count !== currentReplicas
          ? "holding"
          : "steady";
  const delaySeconds = Math.round(policy.scaleDownDelayMs / 1000);
  const explanation = {
    "scale-up": `${currentReplicas} -> ${desired} replicas: ${demand}${now.why}`,
    "scale-down": `${currentReplicas} -> ${desired} replicas: fewer were enough for ${delaySeconds} s (${demand})`,
    "scale-to-zero": `${currentReplicas} -> 0 replicas: no batch work for ${delaySeconds} s`,
    holding:
      now.count < currentReplicas
        ? `keeping ${currentReplicas} replicas: ${now.count} would do now (${demand}), but not yet for ${delaySeconds} s`
        : `keeping ${currentReplicas} replicas: ${now.count} asked for now (${demand}), not yet for ${Math.round(policy.scaleUpDelayMs / 1000)} s`,
    steady: `keeping ${currentReplicas} replicas: ${demand}${now.why}`,
  }[reason];
  return {
    desiredReplicas: desired,
    recommendedNow: now.count,
    reason,
    limitedBy: now.limitedBy,
    explanation,
  };
}

function recommendationOf(
  sample: ScalingSample,
  policy: ScalingPolicy,
  floor: number,
): { count: number; limitedBy: "min" | "max" | null; why: string } {
  const demand = Math.max(0, sample.inFlight) + Math.max(0, sample.queueDepth);
  let raw = Math.ceil(demand / policy.targetInFlightPerReplica - 1e-9);
  let why = "";
  const { latencyTargetMs, latencyTolerance } = policy;
  if (latencyTargetMs !== undefined && sample.latencyMs !== undefined && sample.replicas > 0) {
    const ratio = sample.latencyMs / latencyTargetMs;
    if (ratio > 1 + latencyTolerance) {
      const byLatency = Math.ceil(sample.replicas * ratio);
      if (byLatency > raw) {
        raw = byLatency;
        why = `; p99 ${Math.round(sample.latencyMs)} ms over the ${latencyTargetMs} ms target`;
      }
    }
  }
  const count = clamp(raw, floor, policy.maxReplicas);
  const limitedBy = raw > policy.maxReplicas ? "max" : raw < floor ? "min" : null;
  if (limitedBy === "max") why += ` (${raw} needed, capped at maxReplicas ${policy.maxReplicas})`;
  return { count, limitedBy, why };
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

function parsePolicy(raw: ScalingPolicyInput): ScalingPolicy {
  const parsed = ZScalingPolicy.safeParse(raw);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", `scaling policy refused: ${formatZodIssues(parsed.error, "scaling")}`);
  return parsed.data;
}
