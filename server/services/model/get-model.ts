import { z } from "zod";
import { getDb } from "@/server/db";
import { ZRevisionTarget } from "@/server/domain/traffic/revision-target";
import { servingPlacesByVersion } from "@/server/domain/traffic/serving-places";
import { modelNotFound } from "@/server/services/model/find-model";
import {
  MODEL_SUMMARY_SELECT,
  MODEL_VERSION_SUMMARY_SELECT,
  modelVersionSummaryOf,
  ZModelSummary,
  ZModelVersionSummary,
} from "@/server/services/model/model-output";

export const ZGetModelInput = z.object({ name: z.string().min(1) });

/** Where a version serves now, from each deployment's active revision. */
const ZServingPlace = z.object({
  deploymentName: z.string(),
  environment: z.enum(["staging", "production"]),
  weightPercent: z.number().int(),
  shadow: z.boolean(),
});
export const ZGetModelOutput = ZModelSummary.extend({
  versions: z.array(ZModelVersionSummary.extend({ servedBy: z.array(ZServingPlace) })),
});

export async function getModel({
  teamId,
  name,
}: z.output<typeof ZGetModelInput> & { teamId: string }): Promise<z.output<typeof ZGetModelOutput>> {
  const model = await getDb().model.findUnique({
    where: { teamId_name: { teamId, name } },
    select: {
      ...MODEL_SUMMARY_SELECT,
      versions: { orderBy: { number: "desc" }, select: MODEL_VERSION_SUMMARY_SELECT },
      deployments: {
        select: { name: true, environment: true, activeRevision: { select: { target: true } } },
      },
    },
  });
  if (!model) throw modelNotFound(name);
  const { deployments, versions, ...summary } = model;
  const places = servingPlacesByVersion(
    deployments.flatMap(({ name: deploymentName, environment, activeRevision }) =>
      activeRevision
        ? [{ name: deploymentName, environment, target: ZRevisionTarget.parse(activeRevision.target) }]
        : [],
    ),
  );
  return {
    ...summary,
    versions: versions.map((version) => ({
      ...modelVersionSummaryOf(version),
      servedBy: places.get(version.number) ?? [],
    })),
  };
}
