import { describe, expect, it } from "vitest";
import { DEFAULT_DRIFT_SETTINGS, ZDriftSettings } from "@/server/domain/drift/drift-settings";
import {
  datasetDrift,
  featureDrift,
  type FeatureDrift,
  type LiveValues,
} from "@/server/domain/drift/feature-drift";
import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";
import { createPrng } from "@/server/domain/prng";
import { formatZodIssues } from "@/server/domain/zod-message";
import { scanText } from "@/test/unit/feature-set/csv-text";

const amount: Feature = { name: "amount", dtype: "float", min: null, max: null };
const channel: Feature = { name: "channel", dtype: "category", categories: ["web", "pos", "atm"] };

async function baselineOf(feature: Feature, values: (number | string)[]): Promise<FeatureBaseline> {
  const text = `${feature.name}\n${values.join("\n")}\n`;
  const scanned = await scanText(text, (columns) => createSampleValidator([feature], columns), {
    chunkBytes: 64 * 1024,
  });
  return scanned.baseline.features[0]!;
}

const normals = (seed: number, count: number, mean = 0) => {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => prng.normal(mean, 1));
};
const channels = (seed: number, count: number, weights: number[], names = ["web", "pos", "atm"]) => {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => names[prng.weightedIndex(weights)]!);
};
const numericLive = (values: number[]): LiveValues => ({
  kind: "numeric",
  sorted: Float64Array.from(values).sort(),
  missingCount: 0,
});
const categoricalLive = (values: string[]): LiveValues => {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return { kind: "categorical", counts, missingCount: 0 };
};

describe("feature drift", () => {
  it("tests a numeric feature with a small reference by Kolmogorov-Smirnov", async () => {
    const baseline = await baselineOf(amount, normals(1, 500));
    const same = featureDrift(baseline, numericLive(normals(2, 600)), DEFAULT_DRIFT_SETTINGS);
    expect(same).toMatchObject({ method: "ks", threshold: 0.05, status: "ok", sampleCount: 600 });
    expect(same.score).toBeGreaterThan(0.05);
    const shifted = featureDrift(baseline, numericLive(normals(3, 600, 0.5)), DEFAULT_DRIFT_SETTINGS);
    expect(shifted).toMatchObject({ method: "ks", status: "drift" });
    expect(shifted.score).toBeLessThan(1e-4);
  });

  it("measures a numeric feature with a large reference by normed Wasserstein distance", async () => {
    const baseline = await baselineOf(amount, normals(4, 5_000));
    const same = featureDrift(baseline, numericLive(normals(5, 2_000)), DEFAULT_DRIFT_SETTINGS);
    expect(same).toMatchObject({ method: "wasserstein", threshold: 0.1, status: "ok" });
    expect(same.score).toBeLessThan(0.1);
    // Half a standard deviation moves the distance to about 0.5, and PSI over the deciles too.
    const shifted = featureDrift(baseline, numericLive(normals(6, 2_000, 0.5)), DEFAULT_DRIFT_SETTINGS);
    expect(shifted).toMatchObject({ method: "wasserstein", status: "drift" });
    expect(shifted.score).toBeCloseTo(0.5, 1);
    expect(shifted.psi).toBeGreaterThan(0.1);
  });

  it("tests a categorical feature by chi-square, or Jensen-Shannon past 1,000 rows", async () => {
    const small = await baselineOf(channel, channels(7, 600, [6, 3, 1]));
    // The live window in the exact 6:3:1 the reference was drawn from.
    const exact = categoricalLive([
      ...Array(300).fill("web"),
      ...Array(150).fill("pos"),
      ...Array(50).fill("atm"),
    ]);
    expect(featureDrift(small, exact, DEFAULT_DRIFT_SETTINGS)).toMatchObject({
      method: "chisquare",
      status: "ok",
    });
    // One row of a category the reference never had is a count like any other, not drift by
    // itself (data quality reports it as unseen); a changed mix is.
    const unseen = categoricalLive([...channels(9, 600, [6, 3, 1]), "phone"]);
    expect(featureDrift(small, unseen, DEFAULT_DRIFT_SETTINGS)).toMatchObject({ status: "ok" });
    const remixed = featureDrift(
      small,
      categoricalLive(channels(12, 600, [3, 3, 4])),
      DEFAULT_DRIFT_SETTINGS,
    );
    expect(remixed).toMatchObject({ method: "chisquare", status: "drift" });
    expect(remixed.score).toBeLessThan(1e-6);

    const large = await baselineOf(channel, channels(10, 3_000, [6, 3, 1]));
    const flipped = featureDrift(
      large,
      categoricalLive(channels(11, 1_000, [1, 3, 6])),
      DEFAULT_DRIFT_SETTINGS,
    );
    expect(flipped).toMatchObject({ method: "jensenshannon", status: "drift" });
    expect(flipped.score).toBeGreaterThan(0.3);
  });

  it("leaves a window with too few values unjudged, saying why", async () => {
    const baseline = await baselineOf(amount, normals(12, 200));
    expect(featureDrift(baseline, numericLive([1, 2, 3]), DEFAULT_DRIFT_SETTINGS)).toMatchObject({
      status: null,
      score: null,
      note: "3 values in the window, fewer than the 500 needed",
    });
  });

  it("judges by PSI when asked, or when the baseline has no reference sample", async () => {
    const baseline = await baselineOf(amount, normals(13, 300));
    const shifted = numericLive(normals(14, 600, 1));
    const settings = ZDriftSettings.parse({ numericMethod: "psi" });
    expect(featureDrift(baseline, shifted, settings)).toMatchObject({
      method: "psi",
      threshold: 0.25,
      status: "drift",
    });
    if (baseline.kind !== "numeric" || !baseline.distribution) throw new Error("expected a distribution");
    const { referenceSample: _, ...older } = baseline.distribution;
    expect(featureDrift({ ...baseline, distribution: older }, shifted, DEFAULT_DRIFT_SETTINGS)).toMatchObject(
      {
        method: "psi",
        status: "drift",
        note: "the baseline predates reference samples: judged by PSI",
      },
    );
  });
});

describe("dataset drift", () => {
  const judged = (status: FeatureDrift["status"]) => ({ status }) as FeatureDrift;

  it("drifts when at least half the judged features drift, warns from a quarter on", () => {
    const settings = DEFAULT_DRIFT_SETTINGS;
    expect(datasetDrift([judged("drift"), judged("ok"), judged(null)], settings)).toEqual({
      status: "drift",
      driftedCount: 1,
      judgedCount: 2,
      driftedShare: 0.5,
    });
    expect(datasetDrift([judged("drift"), judged("ok"), judged("ok")], settings).status).toBe("warning");
    const oneOfSix = [judged("drift"), ...Array.from({ length: 5 }, () => judged("warning"))];
    expect(datasetDrift(oneOfSix, settings).status).toBe("ok");
    expect(datasetDrift([judged("ok"), judged("ok")], settings).status).toBe("ok");
    expect(datasetDrift([judged(null)], settings).status).toBeNull();
  });
});

describe("drift settings", () => {
  it("refuses a window that is not a sensible number of minutes, in a sentence", () => {
    const negative = ZDriftSettings.safeParse({ windowMinutes: -5 });
    expect(negative.success).toBe(false);
    expect(formatZodIssues(negative.error!)).toContain("the drift window must be at least 5 minutes");
    const inverted = ZDriftSettings.safeParse({ psiWarning: 0.3, psiDrift: 0.2 });
    expect(formatZodIssues(inverted.error!)).toContain(
      "the PSI warning level must not be above the PSI drift level",
    );
  });
});
