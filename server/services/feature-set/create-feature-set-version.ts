import { readFile } from "node:fs/promises";
import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { computeBaseline } from "@/server/domain/feature-set/baseline";
import { parseCsv } from "@/server/domain/feature-set/csv";
import { ZFeatureList, type Feature } from "@/server/domain/feature-set/feature-spec";
import { inferFeatures } from "@/server/domain/feature-set/infer-features";
import { validateSample } from "@/server/domain/feature-set/validate-sample";
import { formatBytes } from "@/server/domain/format";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { findFeatureSetOrThrow } from "@/server/services/feature-set/find-feature-set";
import type { StagedFile } from "@/server/storage/upload-staging";

/** Where the features of the new version come from. */
export const ZFeatureSource = z.discriminatedUnion("kind", [
  /** Proposed from the sample: types, categories, and min 0 for columns that are never negative. */
  z.object({ kind: z.literal("infer") }),
  /** The latest version's features; the sample is validated against them. */
  z.object({ kind: z.literal("previous") }),
  z.object({ kind: z.literal("explicit"), features: ZFeatureList }),
]);
export type FeatureSource = z.infer<typeof ZFeatureSource>;

export interface CreateFeatureSetVersionInput {
  teamId: string;
  featureSetName: string;
  /** The CSV sample on disk; it is only read, the caller removes it. */
  sample: StagedFile;
  featureSource: FeatureSource;
}

/** Parses and validates the whole sample before writing, so a bad row leaves nothing behind. */
export async function createFeatureSetVersion({
  teamId,
  featureSetName,
  sample: sampleFile,
  featureSource,
}: CreateFeatureSetVersionInput) {
  const env = readEnv();
  if (sampleFile.sizeBytes > env.MAX_FEATURE_SAMPLE_BYTES) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `the sample is ${formatBytes(sampleFile.sizeBytes)}, over the ${formatBytes(env.MAX_FEATURE_SAMPLE_BYTES)} limit`,
    );
  }
  const featureSet = await findFeatureSetOrThrow(teamId, featureSetName);
  const csv = parseCsv(decodeUtf8(await readFile(sampleFile.path)), { maxRows: env.MAX_FEATURE_SAMPLE_ROWS });
  const db = getDb();

  let features: Feature[];
  let warnings: string[] = [];
  if (featureSource.kind === "explicit") {
    features = featureSource.features;
  } else if (featureSource.kind === "previous") {
    const latest = await db.featureSetVersion.findFirst({
      where: { featureSetId: featureSet.id },
      orderBy: { number: "desc" },
    });
    if (!latest)
      throw new AppError(
        "BAD_REQUEST",
        `feature set '${featureSetName}' has no earlier version to take the features from`,
      );
    features = ZFeatureList.parse(latest.features);
  } else {
    ({ features, warnings } = inferFeatures(csv));
  }
  const sample = validateSample(features, csv);
  const baseline = computeBaseline(sample);

  const version = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "FeatureSet" WHERE id = ${featureSet.id} FOR UPDATE`;
    const latest = await tx.featureSetVersion.aggregate({
      where: { featureSetId: featureSet.id },
      _max: { number: true },
    });
    return tx.featureSetVersion.create({
      data: {
        teamId,
        featureSetId: featureSet.id,
        number: (latest._max.number ?? 0) + 1,
        features,
        baseline,
        sampleRowCount: sample.rowCount,
        sampleSha256: sampleFile.sha256,
      },
    });
  });
  return {
    number: version.number,
    featureCount: features.length,
    sampleRowCount: sample.rowCount,
    ignoredColumns: sample.ignoredColumns,
    warnings,
  };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("BAD_REQUEST", "the sample is not UTF-8 text; upload a CSV file");
  }
}
