import { describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { checkFeatureSetFit, ZFeatureSetFit } from "@/server/domain/feature-set/link-check";
import type { Dimension, Signature } from "@/server/domain/signature";

const numericFeatures = (count: number): Feature[] =>
  Array.from({ length: count }, (_, index) => ({ name: `f${index}`, dtype: "float", min: null, max: null }));

const signatureOf = (inputs: Record<string, Dimension[]>): Signature => ({
  inputs: Object.entries(inputs).map(([name, shape]) => ({ name, elementType: "float32", shape })),
  outputs: [{ name: "score", elementType: "float32", shape: ["batch", 1] }],
});

describe("checkFeatureSetFit", () => {
  it("fits when the last dimension equals the feature count", () => {
    expect(checkFeatureSetFit(signatureOf({ features: ["batch", 14] }), numericFeatures(14))).toEqual({
      ok: true,
      note: null,
    });
  });

  it("names the input, its shape and the feature count on a mismatch", () => {
    expect(checkFeatureSetFit(signatureOf({ features: ["batch", 10] }), numericFeatures(14))).toEqual({
      ok: false,
      message:
        "model input 'features' has shape [batch, 10] (10 values per row) but the feature set has 14 features",
    });
  });

  it("names the feature set when given", () => {
    const fit = checkFeatureSetFit(signatureOf({ x: [null, 3] }), numericFeatures(1), "churn v2");
    expect(fit).toEqual({
      ok: false,
      message: "model input 'x' has shape [?, 3] (3 values per row) but feature set 'churn v2' has 1 feature",
    });
  });

  it("fits a model with one rank-1 input per feature", () => {
    expect(
      checkFeatureSetFit(signatureOf({ a: ["batch"], b: ["batch"], c: ["batch"] }), numericFeatures(3)).ok,
    ).toBe(true);
  });

  it("fits a model with one [batch, 1] input per feature", () => {
    expect(checkFeatureSetFit(signatureOf({ a: ["batch", 1], b: ["batch", 1] }), numericFeatures(2)).ok).toBe(
      true,
    );
  });

  it("sums the widths of several inputs", () => {
    const signature = signatureOf({ dense: ["batch", 3], flag: ["batch"] });
    expect(checkFeatureSetFit(signature, numericFeatures(4)).ok).toBe(true);
    expect(checkFeatureSetFit(signature, numericFeatures(5))).toEqual({
      ok: false,
      message:
        "model inputs 'dense' [batch, 3], 'flag' [batch] take 4 values per row but the feature set has 5 features",
    });
  });

  it("fits with a note when a needed dimension is dynamic", () => {
    for (const width of ["n_features", null]) {
      const fit = checkFeatureSetFit(signatureOf({ features: ["batch", width] }), numericFeatures(14));
      expect(fit.ok).toBe(true);
      expect(fit).toMatchObject({
        note: expect.stringMatching(
          /^model input 'features' has shape \[batch, (n_features|\?)\]: the values per row are not fixed, so they could not be checked against the 14 features of the feature set$/,
        ),
      });
    }
  });

  it("ignores a dynamic batch dimension", () => {
    expect(checkFeatureSetFit(signatureOf({ features: [null, 2] }), numericFeatures(2))).toEqual({
      ok: true,
      note: null,
    });
  });

  it("takes the last dimension of a higher-rank input as the feature axis, with a note", () => {
    const fit = checkFeatureSetFit(signatureOf({ sequence: ["batch", 20, 4] }), numericFeatures(4));
    expect(fit).toEqual({
      ok: true,
      note: "model input 'sequence' has shape [batch, 20, 4] (4 values per row): the last dimension was taken as the feature axis",
    });
  });

  it("fits with a note when categorical features are one-hot encoded", () => {
    const features: Feature[] = [
      ...numericFeatures(2),
      { name: "city", dtype: "category", categories: ["a", "b", "c"] },
    ];
    expect(checkFeatureSetFit(signatureOf({ x: ["batch", 3] }), features)).toEqual({ ok: true, note: null });
    expect(checkFeatureSetFit(signatureOf({ x: ["batch", 5] }), features)).toEqual({
      ok: true,
      note: "model input 'x' has shape [batch, 5] (5 values per row), which matches the feature set with its categorical features one-hot encoded; the deployment's pre-processing must encode them",
    });
    expect(checkFeatureSetFit(signatureOf({ x: ["batch", 4] }), features)).toEqual({
      ok: false,
      message:
        "model input 'x' has shape [batch, 4] (4 values per row) but the feature set has 3 features (5 values with its categorical features one-hot encoded)",
    });
  });

  it("rejects a model without inputs", () => {
    expect(checkFeatureSetFit({ inputs: [], outputs: [] }, numericFeatures(1))).toEqual({
      ok: false,
      message: "the model has no inputs",
    });
  });

  it("returns results the schema accepts", () => {
    const fits = [
      checkFeatureSetFit(signatureOf({ x: ["batch", 2] }), numericFeatures(2)),
      checkFeatureSetFit(signatureOf({ x: ["batch", 3] }), numericFeatures(2)),
    ];
    for (const fit of fits) expect(ZFeatureSetFit.parse(fit)).toEqual(fit);
  });
});
