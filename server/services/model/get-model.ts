import { z } from "zod";
import { getDb } from "@/server/db";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { ZSignature } from "@/server/domain/signature";

export const ZGetModelInput = z.object({ name: z.string().min(1) });

export async function getModel({ teamId, name }: z.output<typeof ZGetModelInput> & { teamId: string }) {
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
