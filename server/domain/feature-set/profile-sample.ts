import type { FeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { scanCsv } from "@/server/domain/feature-set/csv";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createFeatureInference } from "@/server/domain/feature-set/infer-features";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";

/** Features to check the sample against, or "infer" to propose them from the sample first. */
export type SampleFeatures = { kind: "infer" } | { kind: "declared"; features: Feature[] };

export type SampleProfile = {
  features: Feature[];
  /** Inference's notes on columns that may not be what they seem. */
  warnings: string[];
  rowCount: number;
  ignoredColumns: string[];
  baseline: FeatureSetBaseline;
};

export type ProfileSampleOptions = {
  /** The sample's bytes, from the start; called once per pass (twice when features are inferred). */
  read: () => AsyncIterable<Uint8Array>;
  features: SampleFeatures;
  maxRows: number;
};

/**
 * Reads a CSV sample as a stream and returns its features and drift baseline. Inferred features
 * take a first pass (inference must see every row before it can say what a column is),
 * validation and the baseline a second; each pass holds per-column state only, never the rows.
 */
export async function profileSample({
  read,
  features,
  maxRows,
}: ProfileSampleOptions): Promise<SampleProfile> {
  const { features: declared, warnings } =
    features.kind === "infer"
      ? await scanCsv(read(), { maxRows }, createFeatureInference)
      : { features: features.features, warnings: [] };
  const { rowCount, ignoredColumns, baseline } = await scanCsv(read(), { maxRows }, (columns) =>
    createSampleValidator(declared, columns),
  );
  return { features: declared, warnings, rowCount, ignoredColumns, baseline };
}
