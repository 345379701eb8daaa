import { describe, expect, it } from "vitest";
import { parseCsv } from "@/server/domain/feature-set/csv";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { validateSample } from "@/server/domain/feature-set/validate-sample";
import { appErrorOf } from "@/test/unit/feature-set/app-error-of";

const features: Feature[] = [
  { name: "age", dtype: "int", min: 18, max: 120 },
  { name: "income", dtype: "float", min: null, max: null },
  { name: "city", dtype: "category", categories: ["Paris", "Lyon"] },
  { name: "member", dtype: "bool" },
];

const validate = (text: string, declared: Feature[] = features) =>
  validateSample(declared, parseCsv(text, { maxRows: 10_000 }));

describe("validateSample", () => {
  it("returns typed columns in feature order, whatever the sample's column order", () => {
    const sample = validate("member,city,income,age\ntrue,Paris,1200.5,30\n0,Lyon,1e3,41\n");
    expect(sample.rowCount).toBe(2);
    expect(sample.ignoredColumns).toEqual([]);
    expect(sample.columns.map((column) => [column.feature.name, column.values])).toEqual([
      ["age", [30, 41]],
      ["income", [1200.5, 1000]],
      ["city", ["Paris", "Lyon"]],
      ["member", ["true", "false"]],
    ]);
  });

  it("gives bool columns the categories true and false", () => {
    const [column] = validate("member\nTRUE\n", [{ name: "member", dtype: "bool" }]).columns;
    expect(column).toMatchObject({ kind: "categorical", categories: ["true", "false"], values: ["true"] });
  });

  it("keeps missing values as NaN or null", () => {
    const sample = validate("age,income,city,member\n,,,\n30, 2 ,Paris,1\n");
    expect(sample.columns.map((column) => column.values)).toEqual([
      [Number.NaN, 30],
      [Number.NaN, 2],
      [null, "Paris"],
      [null, "true"],
    ]);
  });

  it("ignores extra columns and reports them", () => {
    const sample = validate("id,age,income,city,member,note\n7,30,1,Paris,true,x\n");
    expect(sample.ignoredColumns).toEqual(["id", "note"]);
    expect(sample.columns).toHaveLength(4);
  });

  it("names every missing column", () => {
    const error = appErrorOf(() => validate("age,city\n30,Paris\n"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("the sample is missing 2 feature columns: 'income', 'member'");
  });

  it("points out a column that differs only in case", () => {
    const error = appErrorOf(() => validate("Age,income,city,member\n30,1,Paris,true\n"));
    expect(error.message).toBe(
      "the sample is missing 1 feature column: 'age' ('Age' differs from 'age' only in case)",
    );
  });

  it("names the column, row, line and value of a non-numeric value", () => {
    const error = appErrorOf(() => validate("age,income,city,member\n30,1,Paris,true\n31,abc,Lyon,false\n"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(
      "the sample has 1 invalid value ('income': 1): row 2 (line 3), column 'income': 'abc' is not a number (leave the cell empty for a missing value)",
    );
  });

  it("rejects NaN and Infinity as non-numeric", () => {
    const error = appErrorOf(() =>
      validate("age,income,city,member\n30,NaN,Paris,true\n30,Infinity,Paris,true\n"),
    );
    expect(error.message).toMatch(/row 1 \(line 2\), column 'income': 'NaN' is not a number/);
    expect(error.message).toMatch(/row 2 \(line 3\), column 'income': 'Infinity' is not a number/);
  });

  it("rejects a fraction in an int feature", () => {
    const error = appErrorOf(() => validate("age,income,city,member\n30.5,1,Paris,true\n"));
    expect(error.message).toMatch(/column 'age': '30.5' is not an integer/);
  });

  it("rejects values outside the declared range", () => {
    const error = appErrorOf(() =>
      validate("age,income,city,member\n17,1,Paris,true\n121,1,Paris,true\n18,1,Paris,true\n"),
    );
    expect(error.message).toBe(
      "the sample has 2 invalid values ('age': 2): " +
        "row 1 (line 2), column 'age': 17 is below the minimum 18; " +
        "row 2 (line 3), column 'age': 121 is above the maximum 120",
    );
  });

  it("rejects an unknown category, listing the declared ones", () => {
    const error = appErrorOf(() => validate("age,income,city,member\n30,1,Nice,true\n"));
    expect(error.message).toMatch(
      /row 1 \(line 2\), column 'city': 'Nice' is not a declared category \('Paris', 'Lyon'\)$/,
    );
  });

  it("shortens a long category list in the message", () => {
    const categories = Array.from({ length: 12 }, (_, index) => `c${index}`);
    const error = appErrorOf(() => validate("c\nzz\n", [{ name: "c", dtype: "category", categories }]));
    expect(error.message).toMatch(/'c8', 'c9', and 2 more\)$/);
  });

  it("accepts only true, false, 1 and 0 for a bool", () => {
    const error = appErrorOf(() => validate("age,income,city,member\n30,1,Paris,yes\n"));
    expect(error.message).toMatch(
      /column 'member': 'yes' is not a boolean \(expected true, false, 1 or 0\)$/,
    );
  });

  it("quotes the first five issues in row order and counts them all per column", () => {
    const rows = Array.from({ length: 8 }, () => "x,1,Nice,true");
    const error = appErrorOf(() => validate(`age,income,city,member\n${rows.join("\n")}\n`));
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

  it("reports the start line of a row after a multi-line quoted value", () => {
    const error = appErrorOf(() =>
      validate('age,income,city,member,note\n30,1,Paris,true,"two\nlines"\n30,x,Paris,true,ok\n'),
    );
    expect(error.message).toMatch(/row 2 \(line 4\), column 'income'/);
  });
});
