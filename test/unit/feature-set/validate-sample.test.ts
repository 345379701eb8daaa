import { describe, expect, it } from "vitest";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";
import { rejectedAppError } from "@/test/unit/feature-set/app-error-of";
import { scanText } from "@/test/unit/feature-set/csv-text";

const features: Feature[] = [
  { name: "age", dtype: "int", min: 18, max: 120 },
  { name: "income", dtype: "float", min: null, max: null },
  { name: "city", dtype: "category", categories: ["Paris", "Lyon"] },
  { name: "member", dtype: "bool" },
];

const validate = (text: string, declared: Feature[] = features) =>
  scanText(text, (columns) => createSampleValidator(declared, columns));

describe("createSampleValidator", () => {
  it("reads typed values into baselines in feature order, whatever the sample's column order", async () => {
    const sample = await validate("member,city,income,age\ntrue,Paris,1200.5,30\n0,Lyon,1e3,41\n");
    expect(sample.rowCount).toBe(2);
    expect(sample.ignoredColumns).toEqual([]);
    const [age, income, city, member] = sample.baseline.features;
    expect(sample.baseline.features.map((feature) => feature.name)).toEqual([
      "age",
      "income",
      "city",
      "member",
    ]);
    expect(age).toMatchObject({ kind: "numeric", count: 2, distribution: { min: 30, max: 41, mean: 35.5 } });
    expect(income).toMatchObject({ kind: "numeric", count: 2, distribution: { min: 1000, max: 1200.5 } });
    expect(city).toMatchObject({
      kind: "categorical",
      frequencies: [
        { category: "Paris", count: 1 },
        { category: "Lyon", count: 1 },
      ],
    });
    expect(member).toMatchObject({
      frequencies: [
        { category: "true", count: 1 },
        { category: "false", count: 1 },
      ],
    });
  });

  it("gives bool columns the categories true and false", async () => {
    const sample = await validate("member\nTRUE\n", [{ name: "member", dtype: "bool" }]);
    expect(sample.baseline.features[0]).toMatchObject({
      kind: "categorical",
      frequencies: [
        { category: "true", count: 1 },
        { category: "false", count: 0 },
      ],
    });
  });

  it("counts empty cells as missing values and trims the others", async () => {
    const sample = await validate("age,income,city,member\n,,,\n30, 2 ,Paris,1\n");
    expect(sample.baseline.features.map((feature) => [feature.count, feature.missingCount])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(sample.baseline.features[1]).toMatchObject({ distribution: { min: 2, max: 2 } });
  });

  it("ignores extra columns and reports them", async () => {
    const sample = await validate("id,age,income,city,member,note\n7,30,1,Paris,true,x\n");
    expect(sample.ignoredColumns).toEqual(["id", "note"]);
    expect(sample.baseline.features).toHaveLength(4);
  });

  it("names every missing column", async () => {
    const error = await rejectedAppError(() => validate("age,city\n30,Paris\n"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("the sample is missing 2 feature columns: 'income', 'member'");
  });

  it("points out a column that differs only in case", async () => {
    const error = await rejectedAppError(() => validate("Age,income,city,member\n30,1,Paris,true\n"));
    expect(error.message).toBe(
      "the sample is missing 1 feature column: 'age' ('Age' differs from 'age' only in case)",
    );
  });

  it("names the column, row, line and value of a non-numeric value", async () => {
    const error = await rejectedAppError(() =>
      validate("age,income,city,member\n30,1,Paris,true\n31,abc,Lyon,false\n"),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(
      "the sample has 1 invalid value ('income': 1): row 2 (line 3), column 'income': 'abc' is not a number (leave the cell empty for a missing value)",
    );
  });

  it("rejects NaN and Infinity as non-numeric", async () => {
    const error = await rejectedAppError(() =>
      validate("age,income,city,member\n30,NaN,Paris,true\n30,Infinity,Paris,true\n"),
    );
    expect(error.message).toMatch(/row 1 \(line 2\), column 'income': 'NaN' is not a number/);
    expect(error.message).toMatch(/row 2 \(line 3\), column 'income': 'Infinity' is not a number/);
  });

  it("rejects a fraction in an int feature", async () => {
    const error = await rejectedAppError(() => validate("age,income,city,member\n30.5,1,Paris,true\n"));
    expect(error.message).toMatch(/column 'age': '30.5' is not an integer/);
  });

  it("rejects values outside the declared range", async () => {
    const error = await rejectedAppError(() =>
      validate("age,income,city,member\n17,1,Paris,true\n121,1,Paris,true\n18,1,Paris,true\n"),
    );
    expect(error.message).toBe(
      "the sample has 2 invalid values ('age': 2): " +
        "row 1 (line 2), column 'age': 17 is below the minimum 18; " +
        "row 2 (line 3), column 'age': 121 is above the maximum 120",
    );
  });

  it("rejects an unknown category, listing the declared ones", async () => {
    const error = await rejectedAppError(() => validate("age,income,city,member\n30,1,Nice,true\n"));
    expect(error.message).toMatch(
      /row 1 \(line 2\), column 'city': 'Nice' is not a declared category \('Paris', 'Lyon'\)$/,
    );
  });

  it("shortens a long category list in the message", async () => {
    const categories = Array.from({ length: 12 }, (_, index) => `c${index}`);
    const error = await rejectedAppError(() =>
      validate("c\nzz\n", [{ name: "c", dtype: "category", categories }]),
    );
    expect(error.message).toMatch(/'c8', 'c9', and 2 more\)$/);
  });

  it("accepts only true, false, 1 and 0 for a bool", async () => {
    const error = await rejectedAppError(() => validate("age,income,city,member\n30,1,Paris,yes\n"));
    expect(error.message).toMatch(
      /column 'member': 'yes' is not a boolean \(expected true, false, 1 or 0\)$/,
    );
  });

  it("quotes the first five issues in row order and counts them all per column", async () => {
    const rows = Array.from({ length: 8 }, () => "x,1,Nice,true");
    const error = await rejectedAppError(() => validate(`age,income,city,member\n${rows.join("\n")}\n`));
    expect(error.message).toMatch(/^the sample has 16 invalid values \('age': 8, 'city': 8\); the first 5: /);
    const quoted = [...error.message.matchAll(/row \d+ \(line \d+\), column '\w+'/g)].map(
      (match) => match[0],
    );
    expect(quoted).toEqual([
      "row 1 (line 2), column 'age'",
      "row 1 (line 2), column 'city'",
      "row 2 (line 3), column 'age'",
      "row 2 (line 3), column 'city'",
      "row 3 (line 4), column 'age'",
    ]);
  });

  it("reports the start line of a row after a multi-line quoted value", async () => {
    const error = await rejectedAppError(() =>
      validate('age,income,city,member,note\n30,1,Paris,true,"two\nlines"\n30,x,Paris,true,ok\n'),
    );
    expect(error.message).toMatch(/row 2 \(line 4\), column 'income'/);
  });
});
