import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";
import { countInBins } from "@/server/domain/feature-set/histogram-bins";
import {
  chiSquare,
  jensenShannonDistance,
  kolmogorovSmirnov,
  normedWassersteinDistance,
  populationStabilityIndex,
} from "@/server/domain/drift/drift-tests";
import { driftMethodFor, type DriftMethod, type DriftSettings } from "@/server/domain/drift/drift-settings";

export type DriftLevel = "ok" | "warning" | "drift";

/** One feature's (or output's) drift in one window. */
export interface FeatureDrift {
  name: string;
  kind: "numeric" | "categorical";
  method: DriftMethod;
  /** The p-value of a test, the distance of an effect size, the PSI; null when not judged. */
  score: number | null;
  /** Drift below it for p-values, at or above it for distances and PSI. */
  threshold: number;
  /** PSI over the baseline's bins (or categories), always reported beside the method's score. */
  psi: number | null;
  /** null when the window had too few values to judge (see minSampleCount), or no reference. */
  status: DriftLevel | null;
  /** Values present in the window, and values missing. */
  sampleCount: number;
  missingCount: number;
  /** Why the feature was judged as it was, when that is not the method's usual way. */
  note?: string;
}

export type LiveValues =
  | { kind: "numeric"; /** Ascending, present values only. */ sorted: Float64Array; missingCount: number }
  | { kind: "categorical"; counts: ReadonlyMap<string, number>; missingCount: number };

const LEVELS: DriftLevel[] = ["ok", "warning", "drift"];
const worse = (a: DriftLevel, b: DriftLevel): DriftLevel => (LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b);

/** Judges one feature's live window against its baseline. */
export function featureDrift(
  baseline: FeatureBaseline,
  live: LiveValues,
  settings: DriftSettings,
): FeatureDrift {
  if (baseline.kind !== live.kind)
    throw new RangeError(`feature '${baseline.name}' is ${baseline.kind} in the baseline, ${live.kind} live`);
  const method = driftMethodFor(baseline.kind, baseline.count, settings);
  const sampleCount = live.kind === "numeric" ? live.sorted.length : sumOf(live.counts.values());
  const unjudged = (note: string): FeatureDrift => ({
    name: baseline.name,
    kind: baseline.kind,
    method,
    score: null,
    threshold: thresholdOf(method, settings),
    psi: null,
    status: null,
    sampleCount,
    missingCount: live.missingCount,
    note,
  });
  if (baseline.count === 0) return unjudged("the baseline has no values of this feature");
  if (sampleCount < settings.minSampleCount)
    return unjudged(`${sampleCount} values in the window, fewer than the ${settings.minSampleCount} needed`);
  // The kinds were checked equal above.
  const judged =
    baseline.kind === "numeric"
      ? numericScores(baseline, (live as Extract<LiveValues, { kind: "numeric" }>).sorted, method)
      : categoricalScores(baseline, live as Extract<LiveValues, { kind: "categorical" }>, method);
  const usedMethod = judged.method;
  const threshold = thresholdOf(usedMethod, settings);
  const status = worse(levelOf(usedMethod, judged.score, settings), psiLevel(judged.psi, settings));
  return {
    name: baseline.name,
    kind: baseline.kind,
    method: usedMethod,
    score: judged.score,
    threshold,
    psi: judged.psi,
    status,
    sampleCount,
    missingCount: live.missingCount,
    ...(judged.note && { note: judged.note }),
  };
}

interface Scores {
  method: DriftMethod;
  score: number;
  psi: number;
  note?: string;
}

function numericScores(
  baseline: Extract<FeatureBaseline, { kind: "numeric" }>,
  current: Float64Array,
  method: DriftMethod,
): Scores {
  const distribution = baseline.distribution!;
  const psi = populationStabilityIndex(distribution.binCounts, countInBins(current, distribution.binEdges));
  const reference = distribution.referenceSample && Float64Array.from(distribution.referenceSample);
  if (method === "psi") return { method, score: psi, psi };
  if (!reference)
    return { method: "psi", score: psi, psi, note: "the baseline predates reference samples: judged by PSI" };
  if (method === "ks") return { method, score: kolmogorovSmirnov(reference, current).pValue, psi };
  return { method, score: normedWassersteinDistance(reference, current), psi };
}

function categoricalScores(
  baseline: Extract<FeatureBaseline, { kind: "categorical" }>,
  live: Extract<LiveValues, { kind: "categorical" }>,
  method: DriftMethod,
): Scores {
  // Declared categories in their order, then the ones only the live window has.
  const categories = baseline.frequencies.map((frequency) => frequency.category);
  for (const category of live.counts.keys()) if (!categories.includes(category)) categories.push(category);
  const referenceCounts = categories.map(
    (category) => baseline.frequencies.find((frequency) => frequency.category === category)?.count ?? 0,
  );
  const currentCounts = categories.map((category) => live.counts.get(category) ?? 0);
  const psi = populationStabilityIndex(referenceCounts, currentCounts);
  if (method === "psi") return { method, score: psi, psi };
  if (method === "chisquare") return { method, score: chiSquare(referenceCounts, currentCounts).pValue, psi };
  return { method, score: jensenShannonDistance(referenceCounts, currentCounts), psi };
}

function thresholdOf(method: DriftMethod, settings: DriftSettings): number {
  if (method === "ks" || method === "chisquare") return settings.pValueThreshold;
  if (method === "psi") return settings.psiDrift;
  return settings.distanceThreshold;
}

function levelOf(method: DriftMethod, score: number, settings: DriftSettings): DriftLevel {
  if (method === "ks" || method === "chisquare") return score < settings.pValueThreshold ? "drift" : "ok";
  if (method === "psi") return psiLevel(score, settings);
  return score >= settings.distanceThreshold ? "drift" : "ok";
}

function psiLevel(psi: number, settings: DriftSettings): DriftLevel {
  if (psi >= settings.psiDrift) return "drift";
  return psi >= settings.psiWarning ? "warning" : "ok";
}

function sumOf(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/**
 * The dataset's drift in a window: drift when at least datasetDriftShare of the judged features
 * drift, a warning from half that share on. Not on any single feature: with 14 features tested at
 * p < 0.05, one of them drifts by chance in about half of all windows.
 */
export function datasetDrift(
  features: readonly FeatureDrift[],
  settings: Pick<DriftSettings, "datasetDriftShare">,
): { status: DriftLevel | null; driftedCount: number; judgedCount: number; driftedShare: number | null } {
  const judged = features.filter((feature) => feature.status !== null);
  const driftedCount = judged.filter((feature) => feature.status === "drift").length;
  if (judged.length === 0) return { status: null, driftedCount: 0, judgedCount: 0, driftedShare: null };
  const driftedShare = driftedCount / judged.length;
  const status =
    driftedShare >= settings.datasetDriftShare
      ? "drift"
      : driftedShare >= settings.datasetDriftShare / 2
        ? "warning"
        : "ok";
  return { status, driftedCount, judgedCount: judged.length, driftedShare };
}
