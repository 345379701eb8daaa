import { createReadStream } from "node:fs";
import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZGoldenSetFormat, ZGoldenSetTask } from "@/server/domain/evaluation/golden-set-spec";
import { readGoldenSet, type GoldenSetSpec } from "@/server/domain/evaluation/read-golden-set";
import { formatBytes } from "@/server/domain/format";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  GOLDEN_SET_OUTPUT_SELECT,
  goldenSetOutputOf,
  type GoldenSetOutput,
} from "@/server/services/golden-set/golden-set-output";
import { latestSignatureOrThrow } from "@/server/services/golden-set/latest-signature";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { isUniqueViolation } from "@/server/services/prisma-errors";
import { lockArtifact, removeArtifactUnlessReferenced } from "@/server/storage/artifact-references";
import { storeStagedArtifact } from "@/server/storage/artifact-store";
import type { StagedFile } from "@/server/storage/upload-staging";

/** The text parts of the upload (the file travels beside them). */
export const ZUploadGoldenSetFields = z.object({
  modelName: z.string().min(1),
  name: ZResourceName,
  format: ZGoldenSetFormat,
  task: ZGoldenSetTask,
  /** CSV and Parquet: the column with the expected label or value. */
  labelColumn: z.string().trim().min(1).optional(),
});
export type UploadGoldenSetOptions = z.output<typeof ZUploadGoldenSetFields> & {
  teamId: string;
  actor: string;
  /** The uploaded file on disk; moved into the artifact store when the set is stored. */
  file: StagedFile;
};

/**
 * Reads every row and checks it against the model's newest signature before anything is
 * written, so a bad row stores nothing; then moves the file into the artifact store and inserts
 * the row in one transaction under the artifact's lock (as model versions are registered).
 */
export async function uploadGoldenSet({
  teamId,
  actor,
  modelName,
  name,
  format,
  task,
  labelColumn,
  file,
}: UploadGoldenSetOptions): Promise<GoldenSetOutput> {
  // Golden sets are samples with answers: they share the feature-sample limit.
  const maxBytes = readEnv().MAX_FEATURE_SAMPLE_BYTES;
  if (file.sizeBytes > maxBytes)
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `the golden set is ${formatBytes(file.sizeBytes)}, over the ${formatBytes(maxBytes)} limit`,
    );
  const model = await findModelOrThrow(teamId, modelName);
  const db = getDb();
  const existing = await db.goldenSet.findUnique({ where: { modelId_name: { modelId: model.id, name } } });
  if (existing) throw duplicateName(modelName, name);
  const { signature, features } = await latestSignatureOrThrow(model.id, modelName);
  const isTable = format === "csv" || format === "parquet";
  if (isTable && !labelColumn)
    throw new AppError(
      "BAD_REQUEST",
      `a ${format} golden set needs 'labelColumn', the column of expected values`,
    );
  const spec: GoldenSetSpec = {
    format,
    task,
    csvEncoding: isTable ? { labelColumn: labelColumn!, features } : null,
  };
  const rows = await readGoldenSet(createReadStream(file.path), spec, signature);

  let storedArtifact = false;
  try {
    return await db.$transaction(async (tx) => {
      await lockArtifact(tx, file.sha256);
      const artifact = await storeStagedArtifact(file);
      storedArtifact = true;
      const fields = {
        name,
        format,
        task,
        csvEncoding: spec.csvEncoding ?? undefined,
        rowCount: rows.length,
        artifactSha256: artifact.sha256,
        artifactSizeBytes: artifact.sizeBytes,
      };
      const created = await tx.goldenSet.create({
        data: { ...fields, teamId, modelId: model.id, storageKey: artifact.storageKey, createdBy: actor },
        select: { id: true, ...GOLDEN_SET_OUTPUT_SELECT },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "goldenSet.upload",
        targetType: "goldenSet",
        targetId: created.id,
        before: null,
        after: { modelName, ...fields },
      });
      return goldenSetOutputOf(created);
    });
  } catch (error) {
    if (storedArtifact) await removeArtifactUnlessReferenced(file.sha256);
    if (isUniqueViolation(error)) throw duplicateName(modelName, name);
    throw error;
  }
}

/** Evaluations refer to a set by name: replacing its rows would make earlier results incomparable. */
function duplicateName(modelName: string, name: string): AppError {
  return new AppError(
    "CONFLICT",
    `model '${modelName}' already has a golden set named '${name}'; golden sets do not change, upload under a new name`,
  );
}
