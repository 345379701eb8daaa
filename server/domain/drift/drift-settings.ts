import { z } from "zod";

/**
 * How a deployment's drift is judged. "auto" chooses as the field's drift tools do, by the size
 * of the reference and the kind of feature: up to SMALL_REFERENCE_ROWS rows a statistical test
 * (KS for numeric, chi-square for categorical features, drift at p below pValueThreshold), above
 * it an effect size (normed Wasserstein, Jensen-Shannon distance, drift at distanceThreshold or
 * more), because with large samples every test finds a "significant" but harmless difference.
 */
export const SMALL_REFERENCE_ROWS = 1_000;

export const NUMERIC_DRIFT_METHODS = ["auto", "ks", "wasserstein", "psi"] as const;
export const CATEGORICAL_DRIFT_METHODS = ["auto", "chisquare", "jensenshannon", "psi"] as const;
export type DriftMethod = "ks" | "wasserstein" | "chisquare" | "jensenshannon" | "psi";

export const ZDriftSettings = z
  .object({
    windowMinutes: z
      .number({ error: "the drift window must be a number of minutes" })
      .int("the drift window must be a whole number of minutes")
      .min(5, "the drift window must be at least 5 minutes")
      .max(7 * 24 * 60, "the drift window can be at most 7 days (10,080 minutes)")
      .default(60),
    numericMethod: z.enum(NUMERIC_DRIFT_METHODS).default("auto"),
    categoricalMethod: z.enum(CATEGORICAL_DRIFT_METHODS).default("auto"),
    pValueThreshold: z.number().gt(0).lt(1).default(0.05),
    distanceThreshold: z.number().gt(0).max(10).default(0.1),
    psiWarning: z.number().gt(0).max(10).default(0.1),
    psiDrift: z.number().gt(0).max(10).default(0.25),
    /** The dataset drifts when at least this share of its features (and outputs) drift. */
    datasetDriftShare: z.number().gt(0).max(1).default(0.5),
    /**
     * Fewer live values than this in a window: the feature is not judged. Effect sizes are biased
     * upward in small samples (two samples of 100 from one normal distribution are about 0.1
     * apart in normed Wasserstein distance, the drift threshold); at 500 the bias is a fifth of it.
     */
    minSampleCount: z.number().int().min(1).max(1_000_000).default(500),
  })
  .refine((settings) => settings.psiWarning <= settings.psiDrift, {
    message: "the PSI warning level must not be above the PSI drift level",
    path: ["psiWarning"],
  });
export type DriftSettings = z.output<typeof ZDriftSettings>;

export const DEFAULT_DRIFT_SETTINGS: DriftSettings = ZDriftSettings.parse({});

/** The test a feature gets under `settings`, given its kind and reference size. */
export function driftMethodFor(
  kind: "numeric" | "categorical",
  referenceCount: number,
  settings: Pick<DriftSettings, "numericMethod" | "categoricalMethod">,
): DriftMethod {
  const small = referenceCount <= SMALL_REFERENCE_ROWS;
  if (kind === "numeric") {
    if (settings.numericMethod !== "auto") return settings.numericMethod;
    return small ? "ks" : "wasserstein";
  }
  if (settings.categoricalMethod !== "auto") return settings.categoricalMethod;
  return small ? "chisquare" : "jensenshannon";
}
