import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/server/domain/app-error";

/** A promotion request as the API shows it: named by its number on the deployment. */
export const ZPromotionRequestOutput = z.object({
  number: z.number().int(),
  versionNumber: z.number().int(),
  note: z.string(),
  status: z.enum(["pending", "approved", "rejected", "withdrawn"]),
  requestedBy: z.string(),
  decidedBy: z.string().nullable(),
  decisionNote: z.string(),
  decidedAt: z.date().nullable(),
  /** The revision an approval made. */
  revisionNumber: z.number().int().nullable(),
  createdAt: z.date(),
});
export type PromotionRequestOutput = z.output<typeof ZPromotionRequestOutput>;

export const PROMOTION_REQUEST_SELECT = {
  number: true,
  versionNumber: true,
  note: true,
  status: true,
  requestedBy: true,
  decidedBy: true,
  decisionNote: true,
  decidedAt: true,
  revisionNumber: true,
  createdAt: true,
} as const satisfies Prisma.PromotionRequestSelect;

export function promotionRequestNotFound(deploymentName: string, number: number): AppError {
  return new AppError("NOT_FOUND", `deployment '${deploymentName}' has no promotion request #${number}`);
}
