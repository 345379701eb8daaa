import { describe, expect, it } from "vitest";
import { parseCsv } from "@/server/domain/feature-set/csv";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { inferFeatures, ZInferredFeatures } from "@/server/domain/feature-set/infer-features";

const infer = (text: string) => inferFeatures(parseCsv(text, { maxRows: 10_000 }));

describe("inferFeatures", () => {
  it("infers int, float, bool and category columns in header order", () => {
    const result = infer(
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

  it("reads scientific notation and padded numbers as numbers", () => {
    expect(infer("x\n1e3\n 3 \n-2\n").features).toEqual([{ name: "x", dtype: "int", min: null, max: null }]);
  });

  it("keeps a column of 0 and 1 an int", () => {
    expect(infer("flag\n0\n1\n1\n").features).toEqual([{ name: "flag", dtype: "int", min: 0, max: null }]);
  });

  it("makes true/false mixed with 0/1 a bool", () => {
    expect(infer("flag\ntrue\n0\n1\nfalse\n").features).toEqual([{ name: "flag", dtype: "bool" }]);
  });

  it("makes a column with one non-numeric value a category", () => {
    expect(infer("x\n1\n2\nNaN\n").features).toEqual([
      { name: "x", dtype: "category", categories: ["1", "2", "NaN"] },
    ]);
  });

  it("orders categories by descending frequency, then by name", () => {
    const result = infer("c\nb\na\nc\nc\nb\na\nd\nc\n");
    expect(result.features).toEqual([{ name: "c", dtype: "category", categories: ["c", "a", "b", "d"] }]);
  });

  it("counts empty cells as missing, not as a category", () => {
    const result = infer("n,c\n1,x\n,\n3,\n");
    expect(result.features).toEqual([
      { name: "n", dtype: "int", min: 0, max: null },
      { name: "c", dtype: "category", categories: ["x"] },
    ]);
    expect(result.columns).toEqual([
      { name: "n", missingCount: 1 },
      { name: "c", missingCount: 2 },
    ]);
  });

  it("assumes an unranged float for a column without values, with a warning", () => {
    const result = infer("a,b\n1,\n2,\n");
    expect(result.features[1]).toEqual({ name: "b", dtype: "float", min: null, max: null });
    expect(result.warnings).toEqual([
      "column 'b' has no values in the sample; it was assumed to be a float feature without a range",
    ]);
  });

  it("infers a single-row sample", () => {
    expect(infer("x,y\n2.5,a\n").features).toEqual([
      { name: "x", dtype: "float", min: 0, max: null },
      { name: "y", dtype: "category", categories: ["a"] },
    ]);
  });

  it("warns about a column that looks like an identifier", () => {
    const rows = Array.from({ length: 200 }, (_, index) => `id-${index},${index % 2 === 0 ? "a" : "b"}`);
    const result = infer(`id,group\n${rows.join("\n")}\n`);
    expect(result.warnings).toEqual([
      "column 'id' has 200 distinct values in 200 rows; it looks like an identifier rather than a feature",
    ]);
  });
});
