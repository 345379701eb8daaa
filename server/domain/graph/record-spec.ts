import { z } from "zod";

/**
 * Declarative pre- and post-processing, stored as data with a deployment revision: a fixed set of
 * steps, so no user code runs on the hosts. compile-preprocess.ts and compile-postprocess.ts check
 * a spec against the feature set and signature and resolve its parameters once; the gateway runs
 * the compiled plan per request (records-to-tensors.ts, outputs-to-predictions.ts).
 */

/**
 * A missing value (absent, or null) replaced by a constant, the baseline's mean (numeric) or its
 * most frequent category (categorical and bool). Without an impute step a missing field is an error.
 */
export const ZImputeStep = z.object({
  op: z.literal("impute"),
  strategy: z.enum(["constant", "mean", "mode"]),
  /** The constant; only with strategy "constant". */
  value: z.union([z.number().finite(), z.string(), z.boolean()]).optional(),
});

/** Bounds given, or (neither given) the feature set's declared min and max for the feature. */
export const ZClipStep = z.object({
  op: z.literal("clip"),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
});

/**
 * (x - mean) / std, both given or both from the feature set version's baseline. `std` picks which
 * deviation the baseline's is turned into: "population" (divide by n) is what scikit-learn's
 * StandardScaler and the demo's training script fit; the baseline stores the sample one (n - 1).
 * A zero deviation scales by 1, as both of those do.
 */
export const ZStandardizeStep = z.object({
  op: z.literal("standardize"),
  mean: z.number().finite().optional(),
  std: z.number().finite().positive().optional(),
  baselineStd: z.enum(["population", "sample"]).default("population"),
});

/** (x - min) / (max - min), both given or both from the baseline's observed min and max. */
export const ZMinMaxStep = z.object({
  op: z.literal("min_max"),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
});

/**
 * What an unknown category does: "error" refuses the record; "reserved" maps it to one extra slot
 * after the known categories (one more one-hot column, or the index categories.length).
 */
export const ZUnknownCategory = z.enum(["error", "reserved"]);

/** One column per category (the feature set's, or given), in that order. */
export const ZOneHotStep = z.object({
  op: z.literal("one_hot"),
  categories: z.array(z.string()).min(1).optional(),
  unknown: ZUnknownCategory.default("error"),
});

/** The category's index in the list (the feature set's, or given). */
export const ZOrdinalStep = z.object({
  op: z.literal("ordinal"),
  categories: z.array(z.string()).min(1).optional(),
  unknown: ZUnknownCategory.default("error"),
});

export const ZFieldStep = z.discriminatedUnion("op", [
  ZImputeStep,
  ZClipStep,
  ZStandardizeStep,
  ZMinMaxStep,
  ZOneHotStep,
  ZOrdinalStep,
]);
export type FieldStep = z.infer<typeof ZFieldStep>;

/** One record field, its steps applied in order, giving one value (or one per one-hot column). */
export const ZFieldSpec = z.object({
  field: z.string().min(1),
  steps: z.array(ZFieldStep).default([]),
});
export type FieldSpec = z.infer<typeof ZFieldSpec>;

/** Numeric tensor datatypes a record can be cast to. */
export const ZRecordDatatype = z.enum([
  "FP16",
  "FP32",
  "FP64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
]);

/**
 * One model input filled from record fields: a row per record, the fields' values side by side.
 * `fields` left out means every feature of the feature set in its order (categories as their
 * index, booleans as 0/1, numbers as they are): the demo models' "features" input. `datatype`
 * left out is the signature's; values are cast to it (an integer type refuses a fraction).
 */
export const ZInputMapping = z.object({
  input: z.string().min(1),
  fields: z.array(ZFieldSpec).min(1).optional(),
  datatype: ZRecordDatatype.optional(),
});
export type InputMapping = z.infer<typeof ZInputMapping>;

export const ZPreprocessSpec = z.object({
  inputs: z.array(ZInputMapping).min(1),
});
export type PreprocessSpec = z.infer<typeof ZPreprocessSpec>;
export type PreprocessSpecInput = z.input<typeof ZPreprocessSpec>;

/** Post-processing works on named values per record; `as` names the result (default: in place). */
const output = z.string().min(1);

export const ZSigmoidStep = z.object({ op: z.literal("sigmoid"), output, as: output.optional() });
export const ZSoftmaxStep = z.object({ op: z.literal("softmax"), output, as: output.optional() });
/** The index of the largest score, or its class name when classes are given. */
export const ZArgmaxStep = z.object({
  op: z.literal("argmax"),
  output,
  as: output.optional(),
  classes: z.array(z.string()).min(1).optional(),
});
/** The k best scores, best first, as {label, score} (label = class name, or index). */
export const ZTopKStep = z.object({
  op: z.literal("top_k"),
  output,
  as: output.optional(),
  k: z.number().int().positive(),
  classes: z.array(z.string()).min(1).optional(),
});
/** A score at or above the threshold is labels[1], below it labels[0]. */
export const ZThresholdStep = z.object({
  op: z.literal("threshold"),
  output,
  as: output.optional(),
  threshold: z.number().finite(),
  labels: z.tuple([z.string(), z.string()]),
});
export const ZRenameStep = z.object({ op: z.literal("rename"), from: output, to: output });
/** Keeps only these values, in this order. */
export const ZSelectStep = z.object({ op: z.literal("select"), outputs: z.array(output).min(1) });
export const ZRoundStep = z.object({
  op: z.literal("round"),
  outputs: z.array(output).min(1),
  digits: z.number().int().min(0).max(15),
});

export const ZPostStep = z.discriminatedUnion("op", [
  ZSigmoidStep,
  ZSoftmaxStep,
  ZArgmaxStep,
  ZTopKStep,
  ZThresholdStep,
  ZRenameStep,
  ZSelectStep,
  ZRoundStep,
]);
export type PostStep = z.infer<typeof ZPostStep>;

/** No steps: every model output, as it came, per record. */
export const ZPostprocessSpec = z.object({
  steps: z.array(ZPostStep).default([]),
});
export type PostprocessSpec = z.infer<typeof ZPostprocessSpec>;
export type PostprocessSpecInput = z.input<typeof ZPostprocessSpec>;
