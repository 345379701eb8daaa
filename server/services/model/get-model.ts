import { z } from "zod";
import { getDb } from "@/server/db";
import { modelNotFound } from "@/server/services/model/find-model";
import {
  MODEL_SUMMARY_SELECT,
  MODEL_VERSION_SUMMARY_SELECT,
  modelVersionSummaryOf,
  ZModelSummary,
  ZModelVersionSummary,
} from "@/server/services/model/model-output";

export const ZGetModelInput = z.object({ name: z.string().min(1) });
export const ZGetModelOutput = ZModelSummary.extend({ versions: z.array(ZModelVersionSummary) });

export async function getModel({
  teamId,
  name,
}: z.output<typeof ZGetModelInput> & { teamId: string }): Promise<z.output<typeof ZGetModelOutput>> {
  const model = await getDb().model.findUnique({
    where: { teamId_name: { teamId, name } },
    select: {
      ...MODEL_SUMMARY_SELECT,
      versions: { orderBy: { number: "desc" }, select: MODEL_VERSION_SUMMARY_SELECT },
    },
  });
  if (!model) throw modelNotFound(name);
  return { ...model, versions: model.versions.map(modelVersionSummaryOf) };
}
