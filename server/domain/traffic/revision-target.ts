import { z } from "zod";

/**
 * What a deployment revision serves, stored as data on the revision. Today: weights over model
 * versions plus shadow versions; inference graphs will be another `kind`.
 * Weights are integer percentages that sum to 100.
 */
export const ZVersionWeight = z.object({
  versionId: z.string().min(1),
  versionNumber: z.number().int().positive(),
  weight: z.number().int().min(0).max(100),
});
export type VersionWeight = z.infer<typeof ZVersionWeight>;

export const ZVersionRef = z.object({
  versionId: z.string().min(1),
  versionNumber: z.number().int().positive(),
});
export type VersionRef = z.infer<typeof ZVersionRef>;

export const ZRevisionTarget = z
  .object({
    kind: z.literal("versions"),
    weights: z.array(ZVersionWeight).min(1),
    shadows: z.array(ZVersionRef).default([]),
  })
  .superRefine((target, ctx) => {
    const total = target.weights.reduce((sum, entry) => sum + entry.weight, 0);
    if (total !== 100)
      ctx.addIssue({ code: "custom", path: ["weights"], message: `weights must sum to 100, not ${total}` });
    const ids = target.weights.map((entry) => entry.versionId);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: "custom", path: ["weights"], message: "a version appears twice in the weights" });
    for (const shadow of target.shadows) {
      if (ids.includes(shadow.versionId)) {
        ctx.addIssue({
          code: "custom",
          path: ["shadows"],
          message: `v${shadow.versionNumber} cannot both take traffic and shadow it`,
        });
      }
    }
  });
export type RevisionTarget = z.infer<typeof ZRevisionTarget>;
