import { ZRevisionTarget } from "@/server/domain/traffic/revision-target";
import { getDb } from "@/server/db";

export async function listDeployments({ teamId }: { teamId: string }) {
  const deployments = await getDb().deployment.findMany({
    where: { teamId },
    orderBy: [{ environment: "desc" }, { name: "asc" }],
    include: {
      model: { select: { name: true } },
      activeRevision: { select: { number: true, target: true, createdAt: true } },
    },
  });
  return deployments.map(({ activeRevision, model, ...deployment }) => ({
    ...deployment,
    modelName: model.name,
    activeRevision: activeRevision
      ? {
          number: activeRevision.number,
          createdAt: activeRevision.createdAt,
          target: ZRevisionTarget.parse(activeRevision.target),
        }
      : null,
  }));
}
