import { z } from "zod";
import { MAX_CANARY_PERCENT, MIN_CANARY_PERCENT } from "@/server/domain/traffic/canary-share";

/**
 * Automated canary analysis, as Flagger and Argo Rollouts step canaries, with model quality in
 * the checks: every interval the canary's figures over that interval are compared with the stable
 * version's; within bounds its weight steps up (and at the maximum it is promoted), at the first
 * failed check it is rolled back, and with too few requests to judge the analysis pauses as
 * inconclusive rather than guess. Pure: the monitor reads the figures and applies the decision.
 */
export const ZCanaryAnalysisSettings = z
  .object({
    /** Percentage points added per passed interval, and the weight the canary starts at. */
    stepPercent: z.number().int().min(MIN_CANARY_PERCENT).max(50).default(10),
    /** Past this weight a passed interval promotes the canary to 100%. */
    maxPercent: z.number().int().min(MIN_CANARY_PERCENT).max(MAX_CANARY_PERCENT).default(50),
    intervalMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(5),
    /** Requests the canary must have answered in an interval for it to be judged. */
    minRequests: z.number().int().min(1).max(1_000_000).default(100),
    /** Error rate may exceed the stable version's by at most this much (absolute, 0.01 = 1 point). */
    maxErrorRateIncrease: z.number().min(0).max(1).default(0.01),
    /** p95 latency may be at most this many times the stable version's. */
    maxLatencyRatio: z.number().min(1).max(100).default(1.5),
    /** ROC AUC (realized where labels exist, else estimated) may be at most this much lower. */
    maxAucDrop: z.number().min(0).max(1).default(0.02),
    /** Consecutive inconclusive intervals before the analysis pauses (it then needs a person). */
    maxInconclusive: z.number().int().min(1).max(100).default(3),
  })
  .refine((settings) => settings.stepPercent <= settings.maxPercent, {
    message: "the step must not be larger than the maximum canary weight",
    path: ["stepPercent"],
  });
export type CanaryAnalysisSettings = z.output<typeof ZCanaryAnalysisSettings>;

/** One version's figures over an interval; null where there is nothing to say (no labels, no answers). */
export interface VersionFigures {
  requests: number;
  errorRate: number | null;
  latencyP95Ms: number | null;
  rocAuc: number | null;
}

export interface CanaryCheck {
  name: "error rate" | "p95 latency" | "ROC AUC";
  canary: number;
  stable: number;
  limit: number;
  passed: boolean;
}

export type CanaryDecision =
  | { kind: "step"; weightPercent: number; checks: CanaryCheck[] }
  | { kind: "promote"; checks: CanaryCheck[] }
  | { kind: "rollback"; checks: CanaryCheck[]; reason: string }
  | { kind: "inconclusive"; reason: string; pause: boolean };

/** The checks one interval's figures allow: a figure either version lacks is not checked. */
export function canaryChecks(
  canary: VersionFigures,
  stable: VersionFigures,
  settings: CanaryAnalysisSettings,
): CanaryCheck[] {
  const checks: CanaryCheck[] = [];
  if (canary.errorRate !== null && stable.errorRate !== null) {
    const limit = stable.errorRate + settings.maxErrorRateIncrease;
    checks.push({
      name: "error rate",
      canary: canary.errorRate,
      stable: stable.errorRate,
      limit,
      passed: canary.errorRate <= limit,
    });
  }
  if (canary.latencyP95Ms !== null && stable.latencyP95Ms !== null) {
    const limit = stable.latencyP95Ms * settings.maxLatencyRatio;
    checks.push({
      name: "p95 latency",
      canary: canary.latencyP95Ms,
      stable: stable.latencyP95Ms,
      limit,
      passed: canary.latencyP95Ms <= limit,
    });
  }
  if (canary.rocAuc !== null && stable.rocAuc !== null) {
    const limit = stable.rocAuc - settings.maxAucDrop;
    checks.push({
      name: "ROC AUC",
      canary: canary.rocAuc,
      stable: stable.rocAuc,
      limit,
      passed: canary.rocAuc >= limit,
    });
  }
  return checks;
}

/**
 * What one interval decides for a canary at `weightPercent`, after `inconclusiveSoFar` intervals
 * in a row that could not be judged.
 */
export function decideCanaryStep({
  weightPercent,
  canary,
  stable,
  settings,
  inconclusiveSoFar,
}: {
  weightPercent: number;
  canary: VersionFigures;
  stable: VersionFigures;
  settings: CanaryAnalysisSettings;
  inconclusiveSoFar: number;
}): CanaryDecision {
  if (canary.requests < settings.minRequests) {
    const pause = inconclusiveSoFar + 1 >= settings.maxInconclusive;
    return {
      kind: "inconclusive",
      pause,
      reason: `the canary answered ${canary.requests} requests in the interval, fewer than the ${settings.minRequests} needed to judge it`,
    };
  }
  const checks = canaryChecks(canary, stable, settings);
  const failed = checks.filter((check) => !check.passed);
  if (failed.length > 0)
    return {
      kind: "rollback",
      checks,
      reason: failed
        .map(
          (check) =>
            `${check.name} ${formatFigure(check.canary)} against the stable version's ${formatFigure(check.stable)} (limit ${formatFigure(check.limit)})`,
        )
        .join("; "),
    };
  if (weightPercent >= settings.maxPercent) return { kind: "promote", checks };
  return {
    kind: "step",
    weightPercent: Math.min(weightPercent + settings.stepPercent, settings.maxPercent),
    checks,
  };
}

function formatFigure(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}
