import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import { labelProblem } from "@/server/domain/quality/realized-quality";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { noQualityTask, qualityTaskOf } from "@/server/services/feedback/quality-task";

/** Labels per call at most: a batch is one lookup and one write. */
export const MAX_LABELS_PER_CALL = 10_000;
/** Ids listed back per kind of problem; the counts are complete. */
const LISTED_IDS = 20;

const ZLabelValue = z.union([z.number(), z.boolean()]);
export const ZRecordFeedbackInput = z.object({
  name: z.string().min(1),
  labels: z
    .array(
      z.object({
        /** The V2 request `id` the prediction was made under. */
        id: z.string().min(1).max(200),
        /** The label, or one per row of a request of several rows. */
        label: z.union([ZLabelValue, z.array(ZLabelValue).min(1).max(10_000)]),
      }),
    )
    .min(1, "send at least one label")
    .max(MAX_LABELS_PER_CALL, `send at most ${MAX_LABELS_PER_CALL.toLocaleString("en")} labels per call`),
});

export const ZRecordFeedbackOutput = z.object({
  accepted: z.number().int(),
  /** Ids with no logged prediction: never sampled, not yet written, or past retention. */
  unknown: z.object({ count: z.number().int(), ids: z.array(z.string()) }),
  invalid: z.object({
    count: z.number().int(),
    examples: z.array(z.object({ id: z.string(), reason: z.string() })),
  }),
});
export type RecordFeedbackOutput = z.output<typeof ZRecordFeedbackOutput>;

/**
 * Takes ground truth for logged predictions, any time after them. Each label is checked against
 * the deployment's task and matched to its logged request; the good ones are stored (a later
 * label for the same request replaces the earlier), and the rest are counted and named in the
 * answer, never failing the whole batch.
 */
export async function recordFeedback({
  teamId,
  name,
  labels,
}: z.output<typeof ZRecordFeedbackInput> & { teamId: string }): Promise<RecordFeedbackOutput> {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const task = await qualityTaskOf(deployment);
  if (!task) throw noQualityTask(name);
  const invalid: { id: string; reason: string }[] = [];
  const valid = new Map<string, number[]>();
  for (const { id, label } of labels) {
    const values = Array.isArray(label) ? label : [label];
    const problem = values.map((value) => labelProblem(task, value)).find((reason) => reason !== null);
    if (problem) invalid.push({ id, reason: problem });
    else valid.set(id, values.map(Number));
  }
  const logged = await getDb().predictionSample.findMany({
    where: { deploymentId: deployment.id, requestId: { in: [...valid.keys()] } },
    select: { requestId: true },
  });
  const known = new Set(logged.map((sample) => sample.requestId!));
  const unknownIds = [...valid.keys()].filter((id) => !known.has(id));
  const rows = [...known].map(
    (requestId) =>
      Prisma.sql`(${randomUUID()}, ${teamId}, ${deployment.id}, ${requestId}, ${valid.get(requestId)!}::double precision[], now(), now())`,
  );
  if (rows.length > 0)
    await getDb().$executeRaw`
      INSERT INTO "PredictionLabel" ("id", "teamId", "deploymentId", "requestId", "values", "createdAt", "updatedAt")
      VALUES ${Prisma.join(rows)}
      ON CONFLICT ("deploymentId", "requestId") DO UPDATE SET "values" = EXCLUDED."values", "updatedAt" = now()`;
  return {
    accepted: rows.length,
    unknown: { count: unknownIds.length, ids: unknownIds.slice(0, LISTED_IDS) },
    invalid: { count: invalid.length, examples: invalid.slice(0, LISTED_IDS) },
  };
}
