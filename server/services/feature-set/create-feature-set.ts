import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  FEATURE_SET_SUMMARY_SELECT,
  ZFeatureSetSummary,
} from "@/server/services/feature-set/feature-set-output";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZCreateFeatureSetInput = z.object({
  name: ZResourceName,
  description: z.string().max(2000).default(""),
});
export type CreateFeatureSetOptions = z.output<typeof ZCreateFeatureSetInput> & {
  teamId: string;
  actor: string;
};

export const ZCreateFeatureSetOutput = ZFeatureSetSummary;

export async function createFeatureSet({
  teamId,
  actor,
  name,
  description,
}: CreateFeatureSetOptions): Promise<z.output<typeof ZCreateFeatureSetOutput>> {
  try {
    return await getDb().$transaction(async (tx) => {
      const { id, ...featureSet } = await tx.featureSet.create({
        data: { teamId, name, description },
        select: { id: true, ...FEATURE_SET_SUMMARY_SELECT },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "featureSet.create",
        targetType: "featureSet",
        targetId: id,
        before: null,
        after: { name, description },
      });
      return featureSet;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError("CONFLICT", `a feature set named '${name}' already exists`);
    throw error;
  }
}
