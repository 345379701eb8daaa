import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import {
  REVISION_SELECT,
  revisionOf,
  ZServedRevisionOutput,
} from "@/server/services/deployment/deployment-output";
import { deploymentNotFound } from "@/server/services/deployment/find-deployment";

export const ZGetServedAtInput = z.object({
  name: z.string().min(1),
  /** A moment (ISO 8601 from CI, a Date from the console). */
  at: z.coerce.date(),
});
export const ZGetServedAtOutput = ZServedRevisionOutput;

/**
 * Which revision served a deployment at a moment (its versions and weights, from when to when):
 * every traffic change activates the revision it makes, so it is the newest made by then.
 */
export async function getServedAt({
  teamId,
  name,
  at,
}: z.output<typeof ZGetServedAtInput> & { teamId: string }): Promise<z.output<typeof ZGetServedAtOutput>> {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    select: { id: true, createdAt: true },
  });
  if (!deployment) throw deploymentNotFound(name);
  const serving = await db.deploymentRevision.findFirst({
    where: { deploymentId: deployment.id, createdAt: { lte: at } },
    orderBy: { number: "desc" },
    select: REVISION_SELECT,
  });
  if (!serving)
    throw new AppError(
      "NOT_FOUND",
      `deployment '${name}' did not exist yet at ${at.toISOString()} (created ${deployment.createdAt.toISOString()})`,
    );
  const next = await db.deploymentRevision.findFirst({
    where: { deploymentId: deployment.id, number: { gt: serving.number } },
    orderBy: { number: "asc" },
    select: { createdAt: true },
  });
  return { ...revisionOf(serving), servedUntil: next?.createdAt ?? null };
}
