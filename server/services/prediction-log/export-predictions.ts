import { z } from "zod";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

const PAGE_ROWS = 2_000;
const ZMoment = z.coerce.date({ error: "must be a date and time (ISO 8601, e.g. 2026-12-01T12:00:00Z)" });

export const ZExportPredictionsQuery = z.object({
  format: z
    .enum(["csv", "jsonl", "parquet"], { error: "format must be csv, jsonl or parquet" })
    .default("jsonl"),
  from: ZMoment.optional(),
  to: ZMoment.optional(),
});

/** One logged prediction as exports write it: names and numbers, tensors as JSON text. */
export interface ExportedPrediction {
  requestId: string | null;
  versionNumber: number;
  answeredAt: string;
  latencyMs: number;
  inputs: string;
  outputs: string;
  /** The label(s) sent for it, as JSON; null while none came. */
  label: string | null;
}

export const EXPORT_COLUMNS = [
  "requestId",
  "versionNumber",
  "answeredAt",
  "latencyMs",
  "inputs",
  "outputs",
  "label",
] as const satisfies readonly (keyof ExportedPrediction)[];

/**
 * A deployment's prediction log in answer order, a page at a time, each with its label where one
 * came: for retraining and warehouse loads. NOT_FOUND for a deployment the team does not have.
 */
export async function* exportPredictions({
  teamId,
  name,
  from,
  to,
}: {
  teamId: string;
  name: string;
  from?: Date;
  to?: Date;
}): AsyncGenerator<ExportedPrediction[]> {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const db = getDb();
  const createdAt = { ...(from && { gte: from }), ...(to && { lt: to }) };
  const numbers = new Map(
    (
      await db.modelVersion.findMany({
        where: { modelId: deployment.modelId },
        select: { id: true, number: true },
      })
    ).map((version) => [version.id, version.number]),
  );
  let cursor: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db.predictionSample.findMany({
      where: {
        deploymentId: deployment.id,
        createdAt,
        ...(cursor && {
          OR: [
            { createdAt: { gt: cursor.createdAt } },
            { createdAt: cursor.createdAt, id: { gt: cursor.id } },
          ],
        }),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: PAGE_ROWS,
      select: {
        id: true,
        modelVersionId: true,
        requestId: true,
        createdAt: true,
        latencyUs: true,
        inputs: true,
        outputs: true,
      },
    });
    if (page.length === 0) return;
    const ids = page.flatMap((sample) => (sample.requestId ? [sample.requestId] : []));
    const labels = new Map(
      (
        await db.predictionLabel.findMany({
          where: { deploymentId: deployment.id, requestId: { in: ids } },
          select: { requestId: true, values: true },
        })
      ).map((label) => [label.requestId, label.values]),
    );
    yield page.map((sample) => {
      const label = sample.requestId ? labels.get(sample.requestId) : undefined;
      return {
        requestId: sample.requestId,
        versionNumber: numbers.get(sample.modelVersionId) ?? 0,
        answeredAt: sample.createdAt.toISOString(),
        latencyMs: sample.latencyUs / 1_000,
        inputs: JSON.stringify(sample.inputs),
        outputs: JSON.stringify(sample.outputs),
        label: label === undefined ? null : JSON.stringify(label.length === 1 ? label[0] : label),
      };
    });
    if (page.length < PAGE_ROWS) return;
    const last = page.at(-1)!;
    cursor = { createdAt: last.createdAt, id: last.id };
  }
}
