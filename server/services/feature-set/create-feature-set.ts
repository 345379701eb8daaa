import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZCreateFeatureSetInput = z.object({
  name: ZResourceName,
  description: z.string().max(2000).default(""),
});
export type CreateFeatureSetOptions = z.output<typeof ZCreateFeatureSetInput> & { teamId: string };

export async function createFeatureSet({ teamId, name, description }: CreateFeatureSetOptions) {
  try {
    return await getDb().featureSet.create({ data: { teamId, name, description } });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError("CONFLICT", `a feature set named '${name}' already exists`);
    throw error;
  }
}
