import { describe, expect, it } from "vitest";
import { isDecimalNumber, parseNumberCell } from "@/server/domain/feature-set/parse-cell";

// The grammar the hand-written scan replaces, kept here as its specification.
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

describe("isDecimalNumber", () => {
  it("accepts exactly what the decimal regex accepts, on edge cases and random strings", () => {
    const edges = [
      "",
      "+",
      "-",
      ".",
      "1.",
      ".5",
      "-.5",
      "+1e5",
      "1e",
      "1e+",
      "1e-3",
      "1.5E10",
      "e5",
      ".e1",
      "0x1f",
      "Infinity",
      "NaN",
      "1 ",
      " 1",
      "1..2",
      "1e1.5",
      "--1",
      "١",
      "12345678901234567890",
    ];
    const alphabet = "0123456789+-.eE x";
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const strings = [...edges];
    for (let n = 0; n < 20_000; n++)
      strings.push(
        Array.from(
          { length: 1 + Math.floor(random() * 8) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(""),
      );
    for (const text of strings)
      expect(isDecimalNumber(text), JSON.stringify(text)).toBe(DECIMAL_NUMBER.test(text));
  });

  it("reads a cell's value as Number() does", () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 5_000; n++) {
      const text = ((random() - 0.5) * 10 ** Math.floor(random() * 12 - 6)).toPrecision(
        1 + Math.floor(random() * 17),
      );
      expect(parseNumberCell(` ${text} `)).toBe(Number(text));
    }
    expect(parseNumberCell("1e999")).toBeNull();
  });
});
