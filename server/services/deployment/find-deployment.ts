import { AppError } from "@/server/domain/app-error";
import { ZRevisionTarget } from "@/server/domain/traffic/revision-target";
import type { Prisma } from "@/generated/prisma/client";
import { getDb } from "@/server/db";

type Client = Prisma.TransactionClient | ReturnType<typeof getDb>;

export async function findDeploymentOrThrow(teamId: string, name: string, client: Client = getDb()) {
  const deployment = await client.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    include: { activeRevision: true, model: { select: { id: true, name: true } } },
  });
  if (!deployment) throw deploymentNotFound(name);
  if (!deployment.activeRevision) throw noActiveRevision(name);
  return {
    ...deployment,
    activeRevision: {
      ...deployment.activeRevision,
      target: ZRevisionTarget.parse(deployment.activeRevision.target),
    },
  };
}

export function deploymentNotFound(name: string): AppError {
  return new AppError("NOT_FOUND", `deployment '${name}' does not exist`);
}

export function noActiveRevision(name: string): AppError {
  return new AppError("CONFLICT", `deployment '${name}' has no active revision`);
}
