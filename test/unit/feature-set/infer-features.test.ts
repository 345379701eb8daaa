import { describe, expect, it } from "vitest";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import {
  createFeatureInference,
  MAX_INFERRED_CATEGORIES,
  ZInferredFeatures,
} from "@/server/domain/feature-set/infer-features";
import { rejectedAppError } from "@/test/unit/feature-set/app-error-of";
import { scanText } from "@/test/unit/feature-set/csv-text";

const infer = (text: string) => scanText(text, createFeatureInference, { chunkBytes: 64 * 1024 });

describe("createFeatureInference", () => {
  it("infers int, float, bool and category columns in header order", async () => {
    const result = await infer(
      "age,income,member,city\n30,1200.5,true,Paris\n41,900,FALSE,Lyon\n25,1e3,True,Paris\n",
    );
    expect(result.features).toEqual([
      { name: "age", dtype: "int", min: 0, max: null },
      { name: "income", dtype: "float", min: 0, max: null },
      { name: "member", dtype: "bool" },
      { name: "city", dtype: "category", categories: ["Paris", "Lyon"] },
    ]);
    expect(result.warnings).toEqual([]);
    expect(ZInferredFeatures.parse(result)).toEqual(result);
    expect(ZFeatureList.safeParse(result.features).success).toBe(true);
  });

  it("reads scientific notation and padded numbers as numbers", async () => {
    expect((await infer("x\n1e3\n 3 \n-2\n")).features).toEqual([
      { name: "x", dtype: "int", min: null, max: null },
    ]);
  });

  it("keeps a column of 0 and 1 an int", async () => {
    expect((await infer("flag\n0\n1\n1\n")).features).toEqual([
      { name: "flag", dtype: "int", min: 0, max: null },
    ]);
  });

  it("makes true/false mixed with 0/1 a bool", async () => {
    expect((await infer("flag\ntrue\n0\n1\nfalse\n")).features).toEqual([{ name: "flag", dtype: "bool" }]);
  });

  it("makes a column with one non-numeric value a category", async () => {
    expect((await infer("x\n1\n2\nNaN\n")).features).toEqual([
      { name: "x", dtype: "category", categories: ["1", "2", "NaN"] },
    ]);
  });

  it("orders categories by descending frequency, then by name", async () => {
    const result = await infer("c\nb\na\nc\nc\nb\na\nd\nc\n");
    expect(result.features).toEqual([{ name: "c", dtype: "category", categories: ["c", "a", "b", "d"] }]);
  });

  it("counts empty cells as missing, not as a category", async () => {
    const result = await infer("n,c\n1,x\n,\n3,\n");
    expect(result.features).toEqual([
      { name: "n", dtype: "int", min: 0, max: null },
      { name: "c", dtype: "category", categories: ["x"] },
    ]);
    expect(result.columns).toEqual([
      { name: "n", missingCount: 1 },
      { name: "c", missingCount: 2 },
    ]);
  });

  it("assumes an unranged float for a column without values, with a warning", async () => {
    const result = await infer("a,b\n1,\n2,\n");
    expect(result.features[1]).toEqual({ name: "b", dtype: "float", min: null, max: null });
    expect(result.warnings).toEqual([
      "column 'b' has no values in the sample; it was assumed to be a float feature without a range",
    ]);
  });

  it("infers a single-row sample", async () => {
    expect((await infer("x,y\n2.5,a\n")).features).toEqual([
      { name: "x", dtype: "float", min: 0, max: null },
      { name: "y", dtype: "category", categories: ["a"] },
    ]);
  });

  it("warns about a column that looks like an identifier", async () => {
    const rows = Array.from({ length: 200 }, (_, index) => `id-${index},${index % 2 === 0 ? "a" : "b"}`);
    const result = await infer(`id,group\n${rows.join("\n")}\n`);
    expect(result.warnings).toEqual([
      "column 'id' has 200 distinct values in 200 rows; it looks like an identifier rather than a feature",
    ]);
  });

  it("refuses a text column with more distinct values than a category may have, saying what to do", async () => {
    const rows = Array.from({ length: MAX_INFERRED_CATEGORIES + 1 }, (_, index) => `user-${index},${index}`);
    const error = await rejectedAppError(() => infer(`user,amount\n${rows.join("\n")}\n`));
    expect(error.message).toBe(
      `column 'user' has more than ${MAX_INFERRED_CATEGORIES} distinct values, too many for a category ` +
        "(it looks like an identifier or free text): leave it out of the sample, or declare the features " +
        "explicitly (columns no feature names are ignored)",
    );
  });

  it("still infers a numeric column with any number of distinct values", async () => {
    const rows = Array.from({ length: 3 * MAX_INFERRED_CATEGORIES }, (_, index) => `${index / 4}`);
    expect((await infer(`x\n${rows.join("\n")}\n`)).features).toEqual([
      { name: "x", dtype: "float", min: 0, max: null },
    ]);
  });
});
