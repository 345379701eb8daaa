import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import type { CsvConsumer } from "@/server/domain/feature-set/csv";
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

/**
 * A non-numeric column with more distinct values than this is refused rather than proposed as a
 * category: it is an identifier or free text, and counting its values would cost memory in
 * proportion to the file. Bounds inference at this many counters per column.
 */
export const MAX_INFERRED_CATEGORIES = 1000;

/** What inference keeps of one column while rows stream by: flags and counters, no values. */
type ColumnTally = {
  name: string;
  presentCount: number;
  missingCount: number;
  allNumbers: boolean;
  allIntegers: boolean;
  allNonNegative: boolean;
  allBools: boolean;
  someBoolWord: boolean;
  /** Occurrences per distinct value; null once there are more than MAX_INFERRED_CATEGORIES. */
  categoryCounts: Map<string, number> | null;
};

/**
 * Proposes a feature per column of a sample whose header is `columns`, fed one row at a time.
 * finish() throws an AppError for a column that cannot be a feature (too many distinct values).
 */
export function createFeatureInference(columns: string[]): CsvConsumer<InferredFeatures> {
  const tallies: ColumnTally[] = columns.map((name) => ({
    name,
    presentCount: 0,
    missingCount: 0,
    allNumbers: true,
    allIntegers: true,
    allNonNegative: true,
    allBools: true,
    someBoolWord: false,
    categoryCounts: new Map(),
  }));
  return {
    addRow({ cells }) {
      tallies.forEach((tally, index) => tallyCell(tally, cells[index] ?? ""));
    },
    finish() {
      const result: InferredFeatures = { features: [], columns: [], warnings: [] };
      for (const tally of tallies) {
        const feature = inferFeature(tally);
        result.features.push(feature);
        result.columns.push({ name: tally.name, missingCount: tally.missingCount });
        const warning = warningFor(feature, tally.presentCount);
        if (warning !== null) result.warnings.push(warning);
      }
      return result;
    },
  };
}

function tallyCell(tally: ColumnTally, cell: string): void {
  if (isMissingCell(cell)) {
    tally.missingCount++;
    return;
  }
  tally.presentCount++;
  if (tally.allNumbers) {
    const value = parseNumberCell(cell);
    if (value === null) tally.allNumbers = false;
    else {
      if (!Number.isInteger(value)) tally.allIntegers = false;
      if (value < 0) tally.allNonNegative = false;
    }
  }
  if (tally.allBools) {
    if (parseBoolCell(cell) === null) tally.allBools = false;
    else if (isBoolWord(cell)) tally.someBoolWord = true;
  }
  const counts = tally.categoryCounts;
  if (counts === null) return;
  counts.set(cell, (counts.get(cell) ?? 0) + 1);
  if (counts.size > MAX_INFERRED_CATEGORIES) tally.categoryCounts = null;
}

function inferFeature(tally: ColumnTally): Feature {
  const { name } = tally;
  if (tally.presentCount === 0) return { name, dtype: "float", min: null, max: null };
  if (tally.allNumbers) return numericFeature(tally);
  // 0/1 alone stays numeric (above); mixed with true/false words it is a boolean column.
  if (tally.allBools && tally.someBoolWord) return { name, dtype: "bool" };
  if (tally.categoryCounts === null) {
    throw new AppError(
      "BAD_REQUEST",
      `column '${name}' has more than ${MAX_INFERRED_CATEGORIES} distinct values, too many for a category ` +
        "(it looks like an identifier or free text): leave it out of the sample, or declare the features " +
        "explicitly (columns no feature names are ignored)",
    );
  }
  return { name, dtype: "category", categories: categoriesByFrequency(tally.categoryCounts) };
}

/**
 * A sample shows what values occurred, not what values are allowed: its exact min and max
 * would reject the next month's data. Only the sign is taken as a rule (amounts, counts and
 * ages are never negative); tighter ranges are the user's to declare.
 */
function numericFeature({ name, allIntegers, allNonNegative }: ColumnTally): Feature {
  return { name, dtype: allIntegers ? "int" : "float", min: allNonNegative ? 0 : null, max: null };
}

/** Most frequent first, ties by name, so the order is stable and the common values lead. */
function categoriesByFrequency(counts: Map<string, number>): string[] {
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
