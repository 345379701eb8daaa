import { describe, expect, it } from "vitest";
import type { FeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { compilePreprocess, type PreprocessContext } from "@/server/domain/graph/compile-preprocess";
import { formatRecordIssues } from "@/server/domain/graph/issues";
import { ZPreprocessSpec, type PreprocessSpecInput } from "@/server/domain/graph/record-spec";
import { recordsToTensors } from "@/server/domain/graph/records-to-tensors";
import type { Signature } from "@/server/domain/signature";

const features: Feature[] = [
  { name: "age", dtype: "int", min: 18, max: 100 },
  { name: "amount", dtype: "float", min: 0, max: 1000 },
  { name: "country", dtype: "category", categories: ["DE", "FR", "US"] },
  { name: "card_present", dtype: "bool" },
];

const distribution = (mean: number, std: number, min: number, max: number) => ({
  mean,
  std,
  min,
  max,
  quantiles: { p01: min, p05: min, p25: min, p50: mean, p75: max, p95: max, p99: max },
  binEdges: [min, max],
  binCounts: [5],
});
const baseline: FeatureSetBaseline = {
  rowCount: 5,
  features: [
    { kind: "numeric", name: "age", count: 5, missingCount: 0, distribution: distribution(40, 10, 20, 60) },
    {
      kind: "numeric",
      name: "amount",
      count: 5,
      missingCount: 0,
      distribution: distribution(100, 50, 10, 210),
    },
    {
      kind: "categorical",
      name: "country",
      count: 5,
      missingCount: 0,
      frequencies: [
        { category: "DE", count: 1, share: 0.2 },
        { category: "FR", count: 3, share: 0.6 },
        { category: "US", count: 1, share: 0.2 },
      ],
    },
    {
      kind: "categorical",
      name: "card_present",
      count: 4,
      missingCount: 1,
      frequencies: [
        { category: "true", count: 1, share: 0.25 },
        { category: "false", count: 3, share: 0.75 },
      ],
    },
  ],
};

const signatureOf = (
  shape: (number | string)[],
  elementType: "float32" | "int64" = "float32",
): Signature => ({
  inputs: [{ name: "x", elementType, shape }],
  outputs: [{ name: "y", elementType: "float32", shape: ["batch", 1] }],
});
const context = (signature: Signature, overrides: Partial<PreprocessContext> = {}): PreprocessContext => ({
  signature,
  features,
  baseline,
  ...overrides,
});
const fields = (list: NonNullable<PreprocessSpecInput["inputs"][number]["fields"]>) =>
  ZPreprocessSpec.parse({ inputs: [{ input: "x", fields: list }] });

function plan(spec: ReturnType<typeof fields>, ctx: PreprocessContext) {
  const compiled = compilePreprocess(spec, ctx);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  return compiled.value;
}

function run(spec: ReturnType<typeof fields>, records: unknown[], width: number | string = "batch") {
  const result = recordsToTensors(plan(spec, context(signatureOf(["batch", width]))), records);
  if (!result.ok) throw new Error(formatRecordIssues(result.issues));
  return result.value[0]!;
}

describe("recordsToTensors: each step", () => {
  it("standardizes with given parameters and with the baseline's (population std by default)", () => {
    const given = run(fields([{ field: "amount", steps: [{ op: "standardize", mean: 10, std: 4 }] }]), [
      { amount: 18 },
      { amount: 2 },
    ]);
    expect(given).toEqual({ name: "x", datatype: "FP32", shape: [2, 1], data: [2, -2] });
    const population = 50 * Math.sqrt(4 / 5);
    const fromBaseline = run(fields([{ field: "amount", steps: [{ op: "standardize" }] }]), [
      { amount: 200 },
    ]);
    expect(fromBaseline.data[0]).toBeCloseTo(100 / population, 5);
    const sample = run(fields([{ field: "amount", steps: [{ op: "standardize", baselineStd: "sample" }] }]), [
      { amount: 200 },
    ]);
    expect(sample.data[0]).toBeCloseTo(2, 6);
  });

  it("scales min-max with the baseline's range or a given one", () => {
    const scaled = run(fields([{ field: "amount", steps: [{ op: "min_max" }] }]), [{ amount: 110 }]);
    expect(scaled.data).toEqual([0.5]);
    const given = run(fields([{ field: "amount", steps: [{ op: "min_max", min: 0, max: 400 }] }]), [
      { amount: 100 },
    ]);
    expect(given.data).toEqual([0.25]);
  });

  it("clips to the feature set's range, or to given bounds, before scaling", () => {
    const clipped = run(fields([{ field: "amount", steps: [{ op: "clip" }] }]), [
      { amount: 5000 },
      { amount: -3 },
    ]);
    expect(clipped.data).toEqual([1000, 0]);
    const clippedThenScaled = run(
      fields([
        {
          field: "amount",
          steps: [
            { op: "clip", max: 300 },
            { op: "min_max", min: 0, max: 600 },
          ],
        },
      ]),
      [{ amount: 900 }],
    );
    expect(clippedThenScaled.data).toEqual([0.5]);
  });

  it("imputes a constant, the baseline's mean or its mode; a missing field without one is refused", () => {
    const spec = fields([
      { field: "amount", steps: [{ op: "impute", strategy: "mean" }] },
      { field: "age", steps: [{ op: "impute", strategy: "constant", value: 30 }] },
      { field: "country", steps: [{ op: "impute", strategy: "mode" }, { op: "ordinal" }] },
      { field: "card_present", steps: [{ op: "impute", strategy: "mode" }] },
    ]);
    expect(run(spec, [{}, { amount: null, age: 50, country: "US", card_present: true }]).data).toEqual([
      100, 30, 1, 0, 100, 50, 2, 1,
    ]);
    const result = recordsToTensors(plan(fields([{ field: "amount" }]), context(signatureOf(["batch", 1]))), [
      { amount: 1 },
      {},
    ]);
    expect(result).toEqual({
      ok: false,
      issues: [{ record: 1, field: "amount", message: "missing required field" }],
    });
  });

  it("one-hot encodes, with unknown categories refused or put in a reserved slot", () => {
    const oneHot = run(fields([{ field: "country", steps: [{ op: "one_hot" }] }]), [{ country: "FR" }]);
    expect(oneHot).toMatchObject({ shape: [1, 3], data: [0, 1, 0] });
    const reserved = run(fields([{ field: "country", steps: [{ op: "one_hot", unknown: "reserved" }] }]), [
      { country: "JP" },
      { country: "DE" },
    ]);
    expect(reserved).toMatchObject({ shape: [2, 4], data: [0, 0, 0, 1, 1, 0, 0, 0] });
    const refused = recordsToTensors(
      plan(fields([{ field: "country", steps: [{ op: "one_hot" }] }]), context(signatureOf(["batch", 3]))),
      [{ country: "DE" }, { country: "JP" }],
    );
    expect(refused).toEqual({
      ok: false,
      issues: [
        { record: 1, field: "country", message: "unknown category 'JP' (expected one of 'DE', 'FR', 'US')" },
      ],
    });
  });

  it("ordinal encodes by the feature set's or the given categories; reserved is the next index", () => {
    expect(run(fields([{ field: "country", steps: [{ op: "ordinal" }] }]), [{ country: "US" }]).data).toEqual(
      [2],
    );
    const given = fields([
      { field: "country", steps: [{ op: "ordinal", categories: ["US", "DE"], unknown: "reserved" }] },
    ]);
    expect(run(given, [{ country: "US" }, { country: "FR" }]).data).toEqual([0, 2]);
  });

  it("casts to the input's datatype: float32 rounding, integers checked", () => {
    const float = run(fields([{ field: "amount" }]), [{ amount: 0.1 }]);
    expect(float.data).toEqual([Math.fround(0.1)]);
    const intPlan = plan(
      fields([{ field: "amount" }, { field: "age" }]),
      context(signatureOf(["batch", 2], "int64")),
    );
    expect(recordsToTensors(intPlan, [{ amount: 3, age: 20 }])).toEqual({
      ok: true,
      value: [{ name: "x", datatype: "INT64", shape: [1, 2], data: [3, 20] }],
    });
    expect(recordsToTensors(intPlan, [{ amount: 2.5, age: 20 }])).toEqual({
      ok: false,
      issues: [{ record: 0, field: "amount", message: "2.5 is not an integer for input 'x' (INT64)" }],
    });
    const asDouble = ZPreprocessSpec.parse({
      inputs: [{ input: "x", fields: [{ field: "amount" }], datatype: "FP64" }],
    });
    expect(
      recordsToTensors(plan(asDouble, context(signatureOf(["batch", 1]))), [{ amount: 0.1 }]),
    ).toMatchObject({
      ok: true,
      value: [{ datatype: "FP64", data: [0.1] }],
    });
  });

  it("fills a rank-1 input with one value per record", () => {
    const compiled = plan(fields([{ field: "amount" }]), context(signatureOf(["batch"])));
    expect(recordsToTensors(compiled, [{ amount: 1 }, { amount: 2 }])).toMatchObject({
      ok: true,
      value: [{ shape: [2], data: [1, 2] }],
    });
  });

  it("turns booleans into 0/1, and standardizes them from the baseline's share of true", () => {
    expect(
      run(fields([{ field: "card_present" }]), [{ card_present: true }, { card_present: 0 }]).data,
    ).toEqual([1, 0]);
    const scaled = run(fields([{ field: "card_present", steps: [{ op: "standardize" }] }]), [
      { card_present: true },
    ]);
    expect(scaled.data[0]).toBeCloseTo((1 - 0.25) / Math.sqrt(0.25 * 0.75), 5);
  });
});

describe("recordsToTensors: bad records", () => {
  const compiled = plan(
    fields([
      { field: "age" },
      { field: "amount" },
      { field: "country", steps: [{ op: "one_hot" }] },
      { field: "card_present" },
    ]),
    context(signatureOf(["batch", 6])),
  );

  it("names the record and the field of every problem", () => {
    const result = recordsToTensors(compiled, [
      { age: 30, amount: "12.5", country: "DE", card_present: true },
      { age: 30.5, amount: 1, country: 7, card_present: "yes" },
      "not a record",
    ]);
    expect(result).toEqual({
      ok: false,
      issues: [
        { record: 2, field: "", message: 'expected an object of fields, got the string "not a record"' },
      ],
    });
    const fieldProblems = recordsToTensors(compiled, [
      { age: 30, amount: "12.5", country: "DE", card_present: true },
      { age: 30.5, amount: 1, country: 7, card_present: "yes" },
    ]);
    expect(fieldProblems).toEqual({
      ok: false,
      issues: [
        { record: 0, field: "amount", message: 'expected a number, got the string "12.5"' },
        { record: 1, field: "age", message: "expected an integer, got 30.5" },
        {
          record: 1,
          field: "country",
          message: "expected a category (a string: one of 'DE', 'FR', 'US'), got 7",
        },
        { record: 1, field: "card_present", message: 'expected true or false, got the string "yes"' },
      ],
    });
    if (fieldProblems.ok) throw new Error("expected problems");
    expect(formatRecordIssues(fieldProblems.issues.slice(0, 1))).toBe(
      "record 0, field 'amount': expected a number, got the string \"12.5\"",
    );
  });

  it("keeps at most 20 problems however many records are bad", () => {
    const result = recordsToTensors(
      compiled,
      Array.from({ length: 100 }, () => ({})),
    );
    expect(result.ok ? 0 : result.issues.length).toBe(20);
  });

  it("gives an empty batch for no records", () => {
    expect(recordsToTensors(compiled, [])).toMatchObject({ ok: true, value: [{ shape: [0, 6], data: [] }] });
  });
});
