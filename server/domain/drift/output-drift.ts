import { featureDrift, type FeatureDrift, type LiveValues } from "@/server/domain/drift/feature-drift";
import type { DriftSettings } from "@/server/domain/drift/drift-settings";
import type { FeatureQuality } from "@/server/domain/drift/live-window";
import type { OutputWindow } from "@/server/domain/drift/output-window";
import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";

export interface OutputDrift extends FeatureDrift {
  /** Out of range does not apply to outputs (0); unseen: labels the reference window never had. */
  quality: Omit<FeatureQuality, "name">;
}

/**
 * Whether a window's outputs can become a version's output reference: it holds at least as many
 * rows as a window needs to be judged, so the reference is no noisier than what it judges.
 */
export function canBeOutputReference(window: OutputWindow, settings: Pick<DriftSettings, "minSampleCount">) {
  return window.rowCount >= settings.minSampleCount;
}

/**
 * Judges a window's outputs column by column against the reference's, by the same tests and
 * thresholds as features. Columns the reference does not have (a column past MAX_OUTPUT_COLUMNS)
 * are not judged; a reference column the window lacks is reported unjudged.
 */
export function outputDrift(
  reference: readonly FeatureBaseline[],
  window: OutputWindow,
  settings: DriftSettings,
): OutputDrift[] {
  return reference.map((baseline) => {
    const live = window.liveValues(baseline.name);
    const fits = live !== undefined && live.kind === baseline.kind;
    const values: LiveValues = fits ? live : emptyValues(baseline.kind);
    const drift = featureDrift(baseline, values, settings);
    const rowCount = drift.sampleCount + drift.missingCount;
    const share = (count: number) => (rowCount === 0 ? 0 : count / rowCount);
    return {
      ...drift,
      ...(live &&
        !fits && { note: `the output is ${live.kind} in this window, ${baseline.kind} in the reference` }),
      quality: {
        rowCount,
        missingShare: share(drift.missingCount),
        outOfRangeShare: 0,
        unseenShare: share(unseenCount(baseline, values)),
      },
    };
  });
}

function emptyValues(kind: FeatureBaseline["kind"]): LiveValues {
  return kind === "numeric"
    ? { kind, sorted: new Float64Array(0), missingCount: 0 }
    : { kind, counts: new Map(), missingCount: 0 };
}

function unseenCount(baseline: FeatureBaseline, live: LiveValues): number {
  if (baseline.kind !== "categorical" || live.kind !== "categorical") return 0;
  const known = new Set(
    baseline.frequencies.filter((frequency) => frequency.count > 0).map((f) => f.category),
  );
  let unseen = 0;
  for (const [category, count] of live.counts) if (!known.has(category)) unseen += count;
  return unseen;
}
