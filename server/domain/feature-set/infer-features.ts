import { z } from "zod";
import type { ParsedCsv } from "@/server/domain/feature-set/csv";
import { ZFeature, type Feature } from "@/server/domain/feature-set/feature-spec";
import {
  isBoolWord,
  isMissingCell,
  parseBoolCell,
  parseNumberCell,
} from "@/server/domain/feature-set/parse-cell";

/** A column with this many distinct values, most of them unique, is likely an id, not a feature. */
const IDENTIFIER_MIN_DISTINCT = 100;
const IDENTIFIER_MIN_DISTINCT_SHARE = 0.5;

export const ZInferredColumn = z.object({
  name: z.string(),
  missingCount: z.number().int().nonnegative(),
});

/** A proposal the user reviews and edits before it becomes a feature set version. */
export const ZInferredFeatures = z.object({
  features: z.array(ZFeature),
  columns: z.array(ZInferredColumn),
  warnings: z.array(z.string()),
});
export type InferredFeatures = z.infer<typeof ZInferredFeatures>;

export function inferFeatures(csv: ParsedCsv): InferredFeatures {
  const result: InferredFeatures = { features: [], columns: [], warnings: [] };
  csv.columns.forEach((name, columnIndex) => {
    const cells = csv.rows.map((row) => row[columnIndex] ?? "");
    const present = cells.filter((cell) => !isMissingCell(cell));
    const feature = inferFeature(name, present);
    result.features.push(feature);
    result.columns.push({ name, missingCount: cells.length - present.length });
    const warning = warningFor(feature, present.length);
    if (warning !== null) result.warnings.push(warning);
  });
  return result;
}

function inferFeature(name: string, present: string[]): Feature {
  if (present.length === 0) return { name, dtype: "float", min: null, max: null };

  const numbers = present.map(parseNumberCell);
  if (numbers.every((value): value is number => value !== null)) return numericFeature(name, numbers);

  // 0/1 alone stays numeric (above); mixed with true/false words it is a boolean column.
  if (present.every((cell) => parseBoolCell(cell) !== null) && present.some(isBoolWord)) {
    return { name, dtype: "bool" };
  }
  return { name, dtype: "category", categories: categoriesByFrequency(present) };
}

/**
 * A sample shows what values occurred, not what values are allowed: its exact min and max
 * would reject the next month's data. Only the sign is taken as a rule (amounts, counts and
 * ages are never negative); tighter ranges are the user's to declare.
 */
function numericFeature(name: string, values: number[]): Feature {
  const nonNegative = values.every((value) => value >= 0);
  return {
    name,
    dtype: values.every(Number.isInteger) ? "int" : "float",
    min: nonNegative ? 0 : null,
    max: null,
  };
}

/** Most frequent first, ties by name, so the order is stable and the common values lead. */
function categoriesByFrequency(values: string[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort(
      ([nameA, countA], [nameB, countB]) => countB - countA || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0),
    )
    .map(([category]) => category);
}

function warningFor(feature: Feature, presentCount: number): string | null {
  if (presentCount === 0) {
    return `column '${feature.name}' has no values in the sample; it was assumed to be a float feature without a range`;
  }
  if (
    feature.dtype === "category" &&
    feature.categories.length >= IDENTIFIER_MIN_DISTINCT &&
    feature.categories.length >= presentCount * IDENTIFIER_MIN_DISTINCT_SHARE
  ) {
    return (
      `column '${feature.name}' has ${feature.categories.length} distinct values in ${presentCount} rows; ` +
      "it looks like an identifier rather than a feature"
    );
  }
  return null;
}
