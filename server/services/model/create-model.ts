import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { MODEL_SUMMARY_SELECT, ZModelSummary } from "@/server/services/model/model-output";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZCreateModelInput = z.object({
  name: ZResourceName,
  description: z.string().max(2000).default(""),
  task: z.string().trim().min(1).max(100).default("binary-classification"),
});

/** The input as the procedure parsed it (defaults applied), plus who acts in which team. */
export type CreateModelOptions = z.output<typeof ZCreateModelInput> & { teamId: string; actor: string };

export const ZCreateModelOutput = ZModelSummary;

export async function createModel({
  teamId,
  actor,
  name,
  description,
  task,
}: CreateModelOptions): Promise<z.output<typeof ZCreateModelOutput>> {
  try {
    return await getDb().$transaction(async (tx) => {
      const { id, ...model } = await tx.model.create({
        data: { teamId, name, description, task },
        select: { id: true, ...MODEL_SUMMARY_SELECT },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "model.create",
        targetType: "model",
        targetId: id,
        before: null,
        after: { name, description, task },
      });
      return model;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", `a model named '${name}' already exists`);
    throw error;
  }
}
