import { AppError } from "@/server/domain/app-error";
import { formatBytes } from "@/server/domain/format";
import { formatInputIssues } from "@/server/domain/zod-message";
import { checkFeatureSetFit } from "@/server/domain/feature-set/link-check";
import { ZVersionMetadata, type VersionMetadataInput } from "@/server/domain/version-metadata";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { inspectOnnxInThread } from "@/server/onnx/inspect-onnx-in-thread";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { isUniqueViolation } from "@/server/services/prisma-errors";
import { emitWebhookEvent } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { lockArtifact, removeArtifactUnlessReferenced } from "@/server/storage/artifact-references";
import { storeStagedArtifact } from "@/server/storage/artifact-store";
import type { StagedFile } from "@/server/storage/upload-staging";

export interface RegisterModelVersionInput {
  teamId: string;
  /** Who registers it, for the audit log ("user:<id>", "apikey:<id>", "local", "system"). */
  actor: string;
  modelName: string;
  /** The .onnx file on disk; moved into the artifact store when the version is registered. */
  artifact: StagedFile;
  metadata: VersionMetadataInput;
}

/**
 * Every check runs before anything is written; then, in one transaction under the artifact's
 * lock, the artifact is moved into the store (atomically, by sha256) and the row inserted. A
 * failure at any step leaves no row, and no file that no version references.
 */
export async function registerModelVersion({
  teamId,
  actor,
  modelName,
  artifact: staged,
  metadata: rawMetadata,
}: RegisterModelVersionInput) {
  const maxBytes = readEnv().MAX_ARTIFACT_BYTES;
  if (staged.sizeBytes > maxBytes) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `the file is ${formatBytes(staged.sizeBytes)}, over the ${formatBytes(maxBytes)} upload limit`,
    );
  }
  const parsedMetadata = ZVersionMetadata.safeParse(rawMetadata);
  if (!parsedMetadata.success) throw new AppError("BAD_REQUEST", formatInputIssues(parsedMetadata.error));
  const metadata = parsedMetadata.data;
  const model = await findModelOrThrow(teamId, modelName);
  const { sha256 } = staged;
  const db = getDb();
  const duplicate = await db.modelVersion.findUnique({
    where: { modelId_artifactSha256: { modelId: model.id, artifactSha256: sha256 } },
    select: { number: true },
  });
  if (duplicate) {
    throw new AppError(
      "CONFLICT",
      `this file is already registered as version ${duplicate.number} of '${modelName}' (sha256 ${sha256.slice(0, 12)}…)`,
    );
  }
  const inspection = await inspectOnnxInThread(staged.path);

  let featureSetVersionId: string | null = null;
  if (metadata.featureSet) {
    const featureSetVersion = await findFeatureSetVersionOrThrow(
      teamId,
      metadata.featureSet.name,
      metadata.featureSet.version,
    );
    const fit = checkFeatureSetFit(inspection.signature, featureSetVersion.features);
    if (!fit.ok)
      throw new AppError(
        "BAD_REQUEST",
        `cannot link feature set '${metadata.featureSet.name}' v${metadata.featureSet.version}: ${fit.message}`,
      );
    featureSetVersionId = featureSetVersion.id;
  }

  let storedArtifact = false;
  let registered;
  try {
    registered = await db.$transaction(async (tx) => {
      await lockArtifact(tx, sha256);
      const artifact = await storeStagedArtifact(staged);
      storedArtifact = true;
      // Row lock on the model serializes concurrent uploads so version numbers stay dense.
      await tx.$queryRaw`SELECT id FROM "Model" WHERE id = ${model.id} FOR UPDATE`;
      const latest = await tx.modelVersion.aggregate({
        where: { modelId: model.id },
        _max: { number: true },
      });
      const fields = {
        number: (latest._max.number ?? 0) + 1,
        description: metadata.description,
        artifactSha256: artifact.sha256,
        artifactSizeBytes: artifact.sizeBytes,
        signature: inspection.signature,
        irVersion: inspection.irVersion,
        opsetImports: inspection.opsetImports.map(({ domain, version }) => ({ domain, version })),
        producerName: inspection.producerName,
        producerVersion: inspection.producerVersion,
        metrics: metadata.metrics,
        gitCommit: metadata.gitCommit,
        dataRef: metadata.dataRef,
        tags: metadata.tags,
      };
      const version = await tx.modelVersion.create({
        data: {
          ...fields,
          teamId,
          modelId: model.id,
          storageKey: artifact.storageKey,
          featureSetVersionId,
        },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "modelVersion.register",
        targetType: "modelVersion",
        targetId: version.id,
        before: null,
        after: { modelName, ...fields, status: version.status, featureSet: metadata.featureSet },
      });
      await tx.model.update({ where: { id: model.id }, data: { updatedAt: new Date() } });
      const deliveryIds = await emitWebhookEvent(tx, {
        teamId,
        event: {
          type: "modelVersion.registered",
          data: {
            modelName,
            versionNumber: fields.number,
            description: fields.description,
            artifactSha256: fields.artifactSha256,
            artifactSizeBytes: fields.artifactSizeBytes,
            metrics: fields.metrics,
            tags: fields.tags,
            gitCommit: fields.gitCommit,
            dataRef: fields.dataRef,
            featureSet: metadata.featureSet,
          },
        },
      });
      return { version, deliveryIds };
    });
  } catch (error) {
    // Nothing stays behind: the transaction took the row back, this takes the file back.
    if (storedArtifact) await removeArtifactUnlessReferenced(sha256);
    if (isUniqueViolation(error))
      throw new AppError("CONFLICT", `this file is already registered for '${modelName}'`);
    throw error;
  }
  await queueWebhookDeliveries(registered.deliveryIds);
  return registered.version;
}
