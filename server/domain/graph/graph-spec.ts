import { z } from "zod";

/**
 * An inference graph: a deployment target made of model versions, stored as data with the
 * revision (Triton ensembles, Seldon pipelines, KServe inference graphs, without user code).
 * Every tensor's first dimension is the batch of records; steps pass tensors by reference:
 * "input.<name>" is a tensor of the request, "<step id>.<output name>" one a step produced
 * (a combine or choose step's result is "<id>.output"). The output name is everything after the
 * first dot, so ONNX names with dots work.
 */
export const GRAPH_INPUT = "input";
export const STEP_RESULT = "output";

const ZStepId = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "a step id is letters, digits, '_' and '-'")
  .refine((id) => id !== GRAPH_INPUT, `'${GRAPH_INPUT}' names the request's tensors; pick another step id`);

export const ZTensorRef = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\..+$/, "a reference is 'input.<name>' or '<step>.<output>'");
export type TensorRef = z.infer<typeof ZTensorRef>;

/**
 * True for a record whose value (one number per record) lies in [min, max], both inclusive; a
 * bound left out is open. E.g. the cheap model's score in the uncertain band [0.3, 0.7].
 */
export const ZCondition = z
  .object({ ref: ZTensorRef, min: z.number().finite().optional(), max: z.number().finite().optional() })
  .refine((condition) => condition.min !== undefined || condition.max !== undefined, "give min, max or both");
export type Condition = z.infer<typeof ZCondition>;

/**
 * Runs a model version; `inputs` maps each of its inputs to a tensor. With `when`, it runs only
 * on the records the condition holds for (its outputs cover those records alone, so they are read
 * through a choose step, or by steps with the same condition).
 */
export const ZModelStep = z.object({
  id: ZStepId,
  kind: z.literal("model"),
  versionId: z.string().min(1),
  inputs: z.record(z.string(), ZTensorRef),
  when: ZCondition.optional(),
});

/**
 * Combines one tensor from each of several steps, element by element: mean, weighted mean (by
 * `weights`, one per tensor), max, or majority vote (ties go to the earliest tensor's value).
 */
export const ZCombineStep = z.object({
  id: ZStepId,
  kind: z.literal("combine"),
  combiner: z.enum(["mean", "weighted_mean", "max", "majority_vote"]),
  from: z.array(ZTensorRef).min(2),
  weights: z.array(z.number().finite().positive()).optional(),
});

/** Per record: `then` where the condition holds (the gated model's answer), `else` elsewhere. */
export const ZChooseStep = z.object({
  id: ZStepId,
  kind: z.literal("choose"),
  when: ZCondition,
  then: ZTensorRef,
  else: ZTensorRef,
});

export const ZGraphStep = z.discriminatedUnion("kind", [ZModelStep, ZCombineStep, ZChooseStep]);
export type GraphStep = z.infer<typeof ZGraphStep>;

export const ZGraphSpec = z.object({
  steps: z.array(ZGraphStep).min(1),
  /** The graph's answer: output name -> tensor. */
  outputs: z
    .record(z.string(), ZTensorRef)
    .refine((outputs) => Object.keys(outputs).length > 0, "name at least one output"),
});
export type GraphSpec = z.infer<typeof ZGraphSpec>;

/** A reference split at its first dot: the step (or "input") and the tensor's name. */
export function parseRef(ref: TensorRef): { step: string; name: string } {
  const dot = ref.indexOf(".");
  return { step: ref.slice(0, dot), name: ref.slice(dot + 1) };
}

/** The references a step reads, in the order its fields list them. */
export function refsOf(step: GraphStep): TensorRef[] {
  switch (step.kind) {
    case "model":
      return [...Object.values(step.inputs), ...(step.when ? [step.when.ref] : [])];
    case "combine":
      return step.from;
    case "choose":
      return [step.when.ref, step.then, step.else];
  }
}
