import { getDb } from "@/server/db";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { ZSignature } from "@/server/domain/signature";

export async function getModel(teamId: string, name: string) {
  const model = await findModelOrThrow(teamId, name);
  const versions = await getDb().modelVersion.findMany({
    where: { teamId, modelId: model.id },
    orderBy: { number: "desc" },
    select: {
      id: true,
      number: true,
      status: true,
      description: true,
      artifactSha256: true,
      artifactSizeBytes: true,
      metrics: true,
      signature: true,
      createdAt: true,
      featureSetVersion: { select: { number: true, featureSet: { select: { name: true } } } },
    },
  });
  return {
    ...model,
    versions: versions.map(({ signature, ...version }) => ({
      ...version,
      metrics: version.metrics as Record<string, unknown>,
      signature: ZSignature.parse(signature),
    })),
  };
}
