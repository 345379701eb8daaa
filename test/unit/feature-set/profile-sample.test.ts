import { describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { profileSample } from "@/server/domain/feature-set/profile-sample";
import { rejectedAppError } from "@/test/unit/feature-set/app-error-of";
import { chunksOf } from "@/test/unit/feature-set/csv-text";

const profile = (text: string, features: Parameters<typeof profileSample>[0]["features"], maxRows = 100) => {
  let passes = 0;
  const result = profileSample({
    read: () => {
      passes++;
      return chunksOf(text, 64);
    },
    features,
    maxRows,
  });
  return { result, passes: () => passes };
};

describe("profileSample", () => {
  it("infers the features in a first pass, then validates and profiles in a second", async () => {
    const run = profile("age,city\n30,Paris\n41,Lyon\n30,Paris\n", { kind: "infer" });
    const sample = await run.result;
    expect(run.passes()).toBe(2);
    expect(sample.features).toEqual([
      { name: "age", dtype: "int", min: 0, max: null },
      { name: "city", dtype: "category", categories: ["Paris", "Lyon"] },
    ]);
    expect(sample).toMatchObject({ rowCount: 3, ignoredColumns: [], warnings: [] });
    expect(sample.baseline.features[1]).toMatchObject({
      frequencies: [
        { category: "Paris", count: 2 },
        { category: "Lyon", count: 1 },
      ],
    });
  });

  it("reads the sample once against declared features, ignoring extra columns", async () => {
    const declared: Feature[] = [{ name: "age", dtype: "int", min: 18, max: null }];
    const run = profile("age,note\n30,x\n41,y\n", { kind: "declared", features: declared });
    const sample = await run.result;
    expect(run.passes()).toBe(1);
    expect(sample).toMatchObject({ features: declared, rowCount: 2, ignoredColumns: ["note"] });
  });

  it("refuses the sample with the validation error, naming row, line and column", async () => {
    const declared: Feature[] = [{ name: "age", dtype: "int", min: 18, max: null }];
    const error = await rejectedAppError(
      () => profile("age\n30\n12\n", { kind: "declared", features: declared }).result,
    );
    expect(error.message).toBe(
      "the sample has 1 invalid value ('age': 1): row 2 (line 3), column 'age': 12 is below the minimum 18",
    );
  });

  it("refuses a sample over the row limit in the first pass", async () => {
    const run = profile("x\n1\n2\n3\n", { kind: "infer" }, 2);
    expect((await rejectedAppError(() => run.result)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(run.passes()).toBe(1);
  });
});
