import { z } from "zod";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { formatShape, isDynamicDimension, type Signature, type TensorSpec } from "@/server/domain/signature";

/** Whether a model version can be linked to a feature set version; a note explains a fit that needs care. */
export const ZFeatureSetFit = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), note: z.string().nullable() }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);
export type FeatureSetFit = z.infer<typeof ZFeatureSetFit>;

/**
 * A model fits when its inputs take as many values per row as the feature set has features:
 * the last dimension of each input of rank 2 or more, one value for a rank-1 input (so a model
 * with one input per feature fits too). Categorical features one-hot encoded by the revision's
 * pre-processing also fit. A dynamic width cannot be checked, so it fits with a note.
 */
export function checkFeatureSetFit(
  signature: Signature,
  features: Feature[],
  featureSetName?: string,
): FeatureSetFit {
  if (signature.inputs.length === 0) return { ok: false, message: "the model has no inputs" };
  const featureSet = featureSetName === undefined ? "the feature set" : `feature set '${featureSetName}'`;
  const featureCount = plural(features.length, "feature");

  const dynamic = signature.inputs.filter((input) => valuesPerRow(input) === null);
  if (dynamic.length > 0) {
    return {
      ok: true,
      note:
        `${describeInputs(dynamic)}: the values per row are not fixed, ` +
        `so they could not be checked against the ${featureCount} of ${featureSet}`,
    };
  }

  const width = signature.inputs.reduce((sum, input) => sum + (valuesPerRow(input) ?? 0), 0);
  const oneHotWidth = features.reduce(
    (sum, feature) => sum + (feature.dtype === "category" ? feature.categories.length : 1),
    0,
  );
  const valuesText = `${plural(width, "value")} per row`;
  const inputs =
    signature.inputs.length === 1
      ? `${describeInputs(signature.inputs)} (${valuesText})`
      : `${describeInputs(signature.inputs)} take ${valuesText}`;
  const featureAxisNote = signature.inputs.some((input) => input.shape.length >= 3)
    ? `${inputs}: the last dimension was taken as the feature axis`
    : null;

  if (width === features.length) return { ok: true, note: featureAxisNote };
  if (width === oneHotWidth) {
    return {
      ok: true,
      note:
        `${inputs}, which matches ${featureSet} with its categorical features one-hot encoded; ` +
        "the deployment's pre-processing must encode them",
    };
  }
  const oneHot =
    oneHotWidth === features.length
      ? ""
      : ` (${plural(oneHotWidth, "value")} with its categorical features one-hot encoded)`;
  return { ok: false, message: `${inputs} but ${featureSet} has ${featureCount}${oneHot}` };
}

/** Values one row puts into the input, or null when the model leaves that dimension dynamic. */
function valuesPerRow(input: TensorSpec): number | null {
  const last = input.shape[input.shape.length - 1];
  if (input.shape.length < 2 || last === undefined) return 1;
  return isDynamicDimension(last) ? null : last;
}

function describeInputs(inputs: TensorSpec[]): string {
  const [only] = inputs;
  if (inputs.length === 1 && only !== undefined) {
    return `model input '${only.name}' has shape ${formatShape(only.shape)}`;
  }
  return `model inputs ${inputs.map((input) => `'${input.name}' ${formatShape(input.shape)}`).join(", ")}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
