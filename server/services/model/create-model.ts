import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZCreateModelInput = z.object({
  name: ZResourceName,
  description: z.string().max(2000).default(""),
  task: z.string().trim().min(1).max(100).default("binary-classification"),
});

/** The input as the procedure parsed it (defaults applied), plus who acts in which team. */
export type CreateModelOptions = z.output<typeof ZCreateModelInput> & { teamId: string };

export async function createModel({ teamId, name, description, task }: CreateModelOptions) {
  try {
    return await getDb().model.create({ data: { teamId, name, description, task } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", `a model named '${name}' already exists`);
    throw error;
  }
}
