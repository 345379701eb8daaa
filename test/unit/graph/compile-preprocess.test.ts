import { describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { compilePreprocess } from "@/server/domain/graph/compile-preprocess";
import { formatIssues } from "@/server/domain/graph/issues";
import { ZPreprocessSpec, type PreprocessSpecInput } from "@/server/domain/graph/record-spec";
import type { Signature } from "@/server/domain/signature";

const features: Feature[] = [
  { name: "amount", dtype: "float", min: null, max: null },
  { name: "country", dtype: "category", categories: ["DE", "FR"] },
];
const signature: Signature = {
  inputs: [
    { name: "x", elementType: "float32", shape: ["batch", 3] },
    { name: "mask", elementType: "bool", shape: ["batch", 1] },
  ],
  outputs: [],
};
const one: Signature = { inputs: [signature.inputs[0]!], outputs: [] };

function issuesOf(spec: PreprocessSpecInput, sig: Signature = one, withFeatures = true) {
  const result = compilePreprocess(ZPreprocessSpec.parse(spec), {
    signature: sig,
    features: withFeatures ? features : null,
    baseline: null,
  });
  return result.ok ? [] : result.issues;
}

describe("compilePreprocess: refused specs name the input, field and step", () => {
  it("refuses a field the feature set lacks", () => {
    expect(issuesOf({ inputs: [{ input: "x", fields: [{ field: "amount" }, { field: "age" }] }] })).toEqual([
      {
        where: "inputs[0] 'x', fields[1] 'age'",
        message: "the feature set has no feature 'age'; its features are 'amount', 'country'",
      },
    ]);
  });

  it("refuses an input the model lacks, one filled twice, one left unfilled, and a non-numeric one", () => {
    const fields = [{ field: "amount" }, { field: "country", steps: [{ op: "one_hot" as const }] }];
    expect(formatIssues(issuesOf({ inputs: [{ input: "y", fields }] }))).toBe(
      "inputs[0] 'y': the model has no input 'y'; its inputs are 'x'; inputs: the model's input 'x' is not filled",
    );
    expect(
      issuesOf({
        inputs: [
          { input: "x", fields },
          { input: "x", fields },
        ],
      }),
    ).toEqual([{ where: "inputs[1] 'x'", message: "input 'x' is filled twice" }]);
    expect(
      issuesOf(
        {
          inputs: [
            { input: "x", fields },
            { input: "mask", fields },
          ],
        },
        signature,
      ),
    ).toEqual([{ where: "inputs[1] 'mask'", message: "records fill numeric inputs only; 'mask' is bool" }]);
  });

  it("refuses fields whose width does not fit the input's shape", () => {
    expect(
      issuesOf({ inputs: [{ input: "x", fields: [{ field: "amount" }, { field: "amount" }] }] }),
    ).toEqual([
      {
        where: "inputs[0] 'x'",
        message: "input 'x' [batch, 3] takes 3 values per record; the fields give 2",
      },
    ]);
  });

  it("refuses steps that do not fit the field, in order", () => {
    const issues = issuesOf({
      inputs: [
        {
          input: "x",
          fields: [
            {
              field: "amount",
              steps: [
                { op: "clip", min: 0 },
                { op: "impute", strategy: "constant", value: 0 },
              ],
            },
            { field: "country", steps: [{ op: "standardize", mean: 0, std: 1 }] },
            { field: "amount", steps: [{ op: "one_hot" }] },
            { field: "amount", steps: [{ op: "standardize" }] },
            { field: "amount", steps: [{ op: "min_max", min: 1 }] },
            { field: "amount", steps: [{ op: "clip" }] },
            { field: "country" },
          ],
        },
      ],
    });
    expect(issues).toEqual([
      {
        where: "inputs[0] 'x', fields[0] 'amount', step 1 (impute)",
        message: "impute must be the field's first step",
      },
      {
        where: "inputs[0] 'x', fields[1] 'country', step 0 (standardize)",
        message: "'country' is categorical: standardize needs a number",
      },
      {
        where: "inputs[0] 'x', fields[2] 'amount', step 0 (one_hot)",
        message: "one_hot needs a categorical field; 'amount' is number",
      },
      {
        where: "inputs[0] 'x', fields[3] 'amount', step 0 (standardize)",
        message: "standardize without parameters needs the feature set version's baseline",
      },
      {
        where: "inputs[0] 'x', fields[4] 'amount', step 0 (min_max)",
        message: "give both min and max, or neither to use the baseline's",
      },
      {
        where: "inputs[0] 'x', fields[5] 'amount', step 0 (clip)",
        message: "the feature set declares no range for 'amount'; give min or max",
      },
      {
        where: "inputs[0] 'x', fields[6] 'country'",
        message: "'country' is categorical: give it a one_hot or ordinal step",
      },
    ]);
  });

  it("refuses a constant of the wrong type and numeric steps after encoding", () => {
    const issues = issuesOf({
      inputs: [
        {
          input: "x",
          fields: [
            {
              field: "country",
              steps: [{ op: "impute", strategy: "constant", value: "JP" }, { op: "ordinal" }],
            },
            { field: "amount", steps: [{ op: "impute", strategy: "constant", value: "0" }] },
            { field: "country", steps: [{ op: "ordinal" }, { op: "clip", min: 0, max: 1 }] },
          ],
        },
      ],
    });
    expect(issues.map((issue) => issue.message)).toEqual([
      "the constant 'JP' is not one of the feature's categories",
      'the constant "0" is not a number',
      "clip comes after the field was encoded; numeric steps go before one_hot or ordinal",
    ]);
  });

  it("without a feature set takes fields as numbers, categories only when given", () => {
    const spec = {
      inputs: [
        {
          input: "x",
          fields: [
            { field: "a" },
            { field: "b", steps: [{ op: "one_hot" as const, categories: ["p", "q"] }] },
          ],
        },
      ],
    };
    expect(issuesOf(spec, one, false)).toEqual([]);
    expect(issuesOf({ inputs: [{ input: "x" }] }, one, false)).toEqual([
      { where: "inputs[0] 'x'", message: "without a feature set the spec must list the input's fields" },
    ]);
    const noCategories = {
      inputs: [{ input: "x", fields: [{ field: "b", steps: [{ op: "ordinal" as const }] }] }],
    };
    expect(issuesOf(noCategories, one, false)[0]?.message).toBe(
      "without a feature set the categories must be given",
    );
  });

  it("refuses malformed specs at the zod boundary", () => {
    expect(ZPreprocessSpec.safeParse({ inputs: [] }).success).toBe(false);
    expect(
      ZPreprocessSpec.safeParse({
        inputs: [{ input: "x", fields: [{ field: "a", steps: [{ op: "eval" }] }] }],
      }).success,
    ).toBe(false);
    expect(
      ZPreprocessSpec.safeParse({
        inputs: [{ input: "x", fields: [{ field: "a", steps: [{ op: "standardize", std: 0 }] }] }],
      }).success,
    ).toBe(false);
  });
});
