import { describe, expect, it } from "vitest";
import { isMissingCell, parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";

describe("parseNumberCell", () => {
  it.each([
    ["3", 3],
    [" 3 ", 3],
    ["-2.5", -2.5],
    ["+4", 4],
    [".5", 0.5],
    ["5.", 5],
    ["1e3", 1000],
    ["1.5E-2", 0.015],
    ["0", 0],
  ])("reads %j as %d", (cell, expected) => {
    expect(parseNumberCell(cell)).toBe(expected);
  });

  it.each([
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "0x1f",
    "1,5",
    "1_000",
    "12abc",
    "e3",
    "1e",
    ".",
    "--1",
    "1e999",
  ])("rejects %j", (cell) => {
    expect(parseNumberCell(cell)).toBeNull();
  });
});

describe("parseBoolCell", () => {
  it.each([
    ["true", true],
    ["TRUE", true],
    [" True ", true],
    ["1", true],
    ["false", false],
    ["False", false],
    ["0", false],
  ])("reads %j as %s", (cell, expected) => {
    expect(parseBoolCell(cell)).toBe(expected);
  });

  it.each(["yes", "no", "t", "f", "2", "1.0", ""])("rejects %j", (cell) => {
    expect(parseBoolCell(cell)).toBeNull();
  });
});

describe("isMissingCell", () => {
  it("treats only empty or blank cells as missing", () => {
    expect(isMissingCell("")).toBe(true);
    expect(isMissingCell("  ")).toBe(true);
    expect(isMissingCell("NA")).toBe(false);
    expect(isMissingCell("NaN")).toBe(false);
    expect(isMissingCell("null")).toBe(false);
  });
});
