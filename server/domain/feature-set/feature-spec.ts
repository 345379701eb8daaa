import { z } from "zod";

/**
 * A feature as a feature set version declares it. Numeric features may carry an allowed
 * range; categorical ones the list of allowed categories. Order matters: it is the column
 * order a model that takes one value per feature expects.
 */
export const ZNumericFeature = z
  .object({
    name: z.string().min(1),
    dtype: z.enum(["float", "int"]),
    min: z.number().finite().nullable(),
    max: z.number().finite().nullable(),
  })
  .refine((feature) => feature.min === null || feature.max === null || feature.min <= feature.max, {
    message: "min must not be greater than max",
    path: ["max"],
  });

export const ZCategoricalFeature = z.object({
  name: z.string().min(1),
  dtype: z.literal("category"),
  categories: z.array(z.string()).min(1),
});

export const ZBoolFeature = z.object({
  name: z.string().min(1),
  dtype: z.literal("bool"),
});

export const ZFeature = z.discriminatedUnion("dtype", [ZNumericFeature, ZCategoricalFeature, ZBoolFeature]);
export type Feature = z.infer<typeof ZFeature>;
export type NumericFeature = z.infer<typeof ZNumericFeature>;
export type CategoricalFeature = z.infer<typeof ZCategoricalFeature>;
export type BoolFeature = z.infer<typeof ZBoolFeature>;

export const ZFeatureList = z
  .array(ZFeature)
  .min(1, "a feature set needs at least one feature")
  .superRefine((features, ctx) => {
    const seen = new Set<string>();
    for (const feature of features) {
      if (seen.has(feature.name))
        ctx.addIssue({ code: "custom", message: `duplicate feature name '${feature.name}'` });
      seen.add(feature.name);
    }
  });
