import { z } from "zod";
import { getDb } from "@/server/db";
import {
  GOLDEN_SET_OUTPUT_SELECT,
  goldenSetOutputOf,
  ZGoldenSetOutput,
} from "@/server/services/golden-set/golden-set-output";
import { findModelOrThrow } from "@/server/services/model/find-model";

export const ZListGoldenSetsInput = z.object({ modelName: z.string().min(1) });
export const ZListGoldenSetsOutput = z.array(ZGoldenSetOutput);

/** A model's golden sets, newest first. */
export async function listGoldenSets({
  teamId,
  modelName,
}: z.output<typeof ZListGoldenSetsInput> & { teamId: string }): Promise<
  z.output<typeof ZListGoldenSetsOutput>
> {
  const model = await findModelOrThrow(teamId, modelName);
  const rows = await getDb().goldenSet.findMany({
    where: { teamId, modelId: model.id },
    orderBy: { createdAt: "desc" },
    select: GOLDEN_SET_OUTPUT_SELECT,
  });
  return rows.map(goldenSetOutputOf);
}
