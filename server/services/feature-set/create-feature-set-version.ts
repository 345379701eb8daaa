import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import type { SampleFeatures } from "@/server/domain/feature-set/profile-sample";
import { formatBytes } from "@/server/domain/format";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findFeatureSetOrThrow } from "@/server/services/feature-set/find-feature-set";
import { profileSampleInThread } from "@/server/services/feature-set/profile-sample-in-thread";
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
  /** Who creates it, for the audit log ("user:<id>", "apikey:<id>", "local", "system"). */
  actor: string;
  featureSetName: string;
  /** The CSV sample on disk; it is only read, the caller removes it. */
  sample: StagedFile;
  featureSource: FeatureSource;
}

/**
 * Profiles the whole sample (in a worker thread, as a stream) before writing, so a bad row
 * leaves nothing behind and a large sample never blocks this process.
 */
export async function createFeatureSetVersion({
  teamId,
  actor,
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
  const db = getDb();

  let features: SampleFeatures;
  if (featureSource.kind === "explicit") {
    features = { kind: "declared", features: featureSource.features };
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
    features = { kind: "declared", features: ZFeatureList.parse(latest.features) };
  } else {
    features = { kind: "infer" };
  }
  const profile = await profileSampleInThread({
    samplePath: sampleFile.path,
    features,
    maxRows: env.MAX_FEATURE_SAMPLE_ROWS,
  });

  const version = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "FeatureSet" WHERE id = ${featureSet.id} FOR UPDATE`;
    const latest = await tx.featureSetVersion.aggregate({
      where: { featureSetId: featureSet.id },
      _max: { number: true },
    });
    const fields = {
      number: (latest._max.number ?? 0) + 1,
      features: profile.features,
      baseline: profile.baseline,
      sampleRowCount: profile.rowCount,
      sampleSha256: sampleFile.sha256,
    };
    const created = await tx.featureSetVersion.create({
      data: { ...fields, teamId, featureSetId: featureSet.id },
      select: { id: true, number: true },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "featureSetVersion.create",
      targetType: "featureSetVersion",
      targetId: created.id,
      before: null,
      after: { featureSetName, ...fields },
    });
    return created;
  });
  return {
    number: version.number,
    featureCount: profile.features.length,
    sampleRowCount: profile.rowCount,
    ignoredColumns: profile.ignoredColumns,
    warnings: profile.warnings,
  };
}
