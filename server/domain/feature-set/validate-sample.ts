import { AppError } from "@/server/domain/app-error";
import {
  CategoricalBaselineBuilder,
  NumericBaselineBuilder,
  reservoirCapacity,
  type FeatureBaseline,
  type FeatureSetBaseline,
} from "@/server/domain/feature-set/baseline";
import type { CsvConsumer } from "@/server/domain/feature-set/csv";
import type { Feature, NumericFeature } from "@/server/domain/feature-set/feature-spec";
import { isMissingCell, parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";

/** Issues quoted in the message; the total is always given. */
const MAX_ISSUES_IN_MESSAGE = 5;
const MAX_CATEGORIES_IN_MESSAGE = 10;

export type ValidatedSample = {
  rowCount: number;
  /** Sample columns no feature asks for. */
  ignoredColumns: string[];
  /** The drift reference: one baseline per feature, in feature order. */
  baseline: FeatureSetBaseline;
};

export type ValueIssue = { row: number; line: number; column: string; value: string; problem: string };

/** One feature's reading of its column: checks a cell, and folds its value into the baseline. */
type FeatureColumn = {
  feature: Feature;
  csvIndex: number;
  /** What is wrong with the cell, or null once its value is folded in. */
  take: (cell: string) => string | null;
  build: () => FeatureBaseline;
};

/**
 * Checks a sample against the declared features row by row and folds each value into the
 * feature's baseline as it goes, so memory stays bounded whatever the row count (see
 * baseline.ts). `columns` is the sample's header; the features' columns must all be in it.
 * finish() throws an AppError quoting the first invalid values, with counts per column.
 */
export function createSampleValidator(features: Feature[], columns: string[]): CsvConsumer<ValidatedSample> {
  checkColumnsPresent(features, columns);
  const capacity = reservoirCapacity(
    features.filter((feature) => feature.dtype === "int" || feature.dtype === "float").length,
  );
  const targets = features.map((feature, index) =>
    featureColumn(feature, columns.indexOf(feature.name), capacity, index + 1),
  );
  const issues: ValueIssue[] = [];
  const issueCounts = new Map<string, number>();
  let rowCount = 0;

  return {
    addRow({ cells, line }) {
      rowCount++;
      for (const target of targets) {
        const cell = cells[target.csvIndex] ?? "";
        const problem = target.take(cell);
        if (problem === null) continue;
        const name = target.feature.name;
        issueCounts.set(name, (issueCounts.get(name) ?? 0) + 1);
        if (issues.length < MAX_ISSUES_IN_MESSAGE)
          issues.push({ row: rowCount, line, column: name, value: cell, problem });
      }
    },
    finish() {
      if (issues.length > 0) throw invalidValuesError(issues, issueCounts);
      const featureNames = new Set(features.map((feature) => feature.name));
      return {
        rowCount,
        ignoredColumns: columns.filter((name) => !featureNames.has(name)),
        baseline: { rowCount, features: targets.map((target) => target.build()) },
      };
    },
  };
}

function featureColumn(feature: Feature, csvIndex: number, capacity: number, seed: number): FeatureColumn {
  if (feature.dtype === "int" || feature.dtype === "float") {
    const builder = new NumericBaselineBuilder(feature.name, capacity, seed);
    return {
      feature,
      csvIndex,
      take(cell) {
        if (isMissingCell(cell)) {
          builder.add(Number.NaN);
          return null;
        }
        const value = parseNumberCell(cell);
        if (value === null) return `'${cell}' is not a number (leave the cell empty for a missing value)`;
        const problem = numericProblem(feature, cell, value);
        if (problem === null) builder.add(value);
        return problem;
      },
      build: () => builder.build(),
    };
  }
  const categories = feature.dtype === "category" ? feature.categories : ["true", "false"];
  const builder = new CategoricalBaselineBuilder(feature.name, categories);
  // A set, so checking a cell stays O(1) for a feature with thousands of categories.
  const declared = new Set(categories);
  return {
    feature,
    csvIndex,
    take(cell) {
      if (isMissingCell(cell)) {
        builder.add(null);
        return null;
      }
      if (feature.dtype === "bool") {
        const value = parseBoolCell(cell);
        if (value === null) return `'${cell}' is not a boolean (expected true, false, 1 or 0)`;
        builder.add(String(value));
        return null;
      }
      if (!declared.has(cell))
        return `'${cell}' is not a declared category (${quoteList(categories, MAX_CATEGORIES_IN_MESSAGE)})`;
      builder.add(cell);
      return null;
    },
    build: () => builder.build(),
  };
}

function checkColumnsPresent(features: Feature[], header: string[]): void {
  const missing = features.map((feature) => feature.name).filter((name) => !header.includes(name));
  if (missing.length === 0) return;

  // Case is the usual culprit ("Age" vs "age"); say so instead of leaving the user to spot it.
  const hints = missing.flatMap((name) => {
    const lookalike = header.find((column) => column.toLowerCase() === name.toLowerCase());
    return lookalike === undefined ? [] : [`'${lookalike}' differs from '${name}' only in case`];
  });
  const noun = missing.length === 1 ? "column" : "columns";
  throw new AppError(
    "BAD_REQUEST",
    `the sample is missing ${missing.length} feature ${noun}: ${quoteList(missing)}` +
      (hints.length > 0 ? ` (${hints.join("; ")})` : ""),
  );
}

function numericProblem(feature: NumericFeature, cell: string, value: number): string | null {
  if (feature.dtype === "int" && !Number.isInteger(value)) return `'${cell}' is not an integer`;
  if (feature.min !== null && value < feature.min) return `${cell} is below the minimum ${feature.min}`;
  if (feature.max !== null && value > feature.max) return `${cell} is above the maximum ${feature.max}`;
  return null;
}

function invalidValuesError(issues: ValueIssue[], issueCounts: Map<string, number>): AppError {
  const total = [...issueCounts.values()].reduce((sum, count) => sum + count, 0);
  const perColumn = [...issueCounts].map(([column, count]) => `'${column}': ${count}`).join(", ");
  const quoted = issues
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => `row ${issue.row} (line ${issue.line}), column '${issue.column}': ${issue.problem}`)
    .join("; ");
  const lead = total === 1 ? "the sample has 1 invalid value" : `the sample has ${total} invalid values`;
  const shown = total > MAX_ISSUES_IN_MESSAGE ? `; the first ${MAX_ISSUES_IN_MESSAGE}` : "";
  return new AppError("BAD_REQUEST", `${lead} (${perColumn})${shown}: ${quoted}`);
}

function quoteList(names: string[], limit = Infinity): string {
  const quoted = names.slice(0, limit).map((name) => `'${name}'`);
  if (names.length > limit) quoted.push(`and ${names.length - limit} more`);
  return quoted.join(", ");
}
