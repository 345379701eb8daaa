import { AppError } from "@/server/domain/app-error";
import type { ParsedCsv } from "@/server/domain/feature-set/csv";
import type {
  BoolFeature,
  CategoricalFeature,
  Feature,
  NumericFeature,
} from "@/server/domain/feature-set/feature-spec";
import { isMissingCell, parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";

/** Issues quoted in the message; the total is always given. */
const MAX_ISSUES_IN_MESSAGE = 5;
const MAX_CATEGORIES_IN_MESSAGE = 10;

/** Numeric values with NaN for a missing cell; categorical values with null for one. */
export type TypedColumn =
  | { kind: "numeric"; feature: NumericFeature; values: number[] }
  | {
      kind: "categorical";
      feature: CategoricalFeature | BoolFeature;
      categories: string[];
      values: (string | null)[];
    };

export type ValidatedSample = {
  rowCount: number;
  /** In feature order. */
  columns: TypedColumn[];
  /** Sample columns no feature asks for. */
  ignoredColumns: string[];
};

export type ValueIssue = { row: number; line: number; column: string; value: string; problem: string };

/** Checks a sample against the declared features and converts it for baseline statistics. */
export function validateSample(features: Feature[], csv: ParsedCsv): ValidatedSample {
  checkColumnsPresent(features, csv.columns);
  const targets = features.map((feature) => {
    const column = emptyColumn(feature);
    // A set, so checking a cell stays O(1) for a feature with thousands of categories.
    const declared = new Set(column.kind === "categorical" ? column.categories : []);
    return { column, declared, csvIndex: csv.columns.indexOf(feature.name) };
  });
  const issues: ValueIssue[] = [];
  const issueCounts = new Map<string, number>();

  csv.rows.forEach((row, rowIndex) => {
    for (const { column, declared, csvIndex } of targets) {
      const cell = row[csvIndex] ?? "";
      const problem = appendValue(column, declared, cell);
      if (problem === null) continue;
      const name = column.feature.name;
      issueCounts.set(name, (issueCounts.get(name) ?? 0) + 1);
      if (issues.length < MAX_ISSUES_IN_MESSAGE) {
        const line = csv.rowLines[rowIndex] ?? rowIndex + 2;
        issues.push({ row: rowIndex + 1, line, column: name, value: cell, problem });
      }
    }
  });

  if (issues.length > 0) throw invalidValuesError(issues, issueCounts);
  const featureNames = new Set(features.map((feature) => feature.name));
  return {
    rowCount: csv.rows.length,
    columns: targets.map(({ column }) => column),
    ignoredColumns: csv.columns.filter((name) => !featureNames.has(name)),
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

function emptyColumn(feature: Feature): TypedColumn {
  if (feature.dtype === "category")
    return { kind: "categorical", feature, categories: feature.categories, values: [] };
  if (feature.dtype === "bool")
    return { kind: "categorical", feature, categories: ["true", "false"], values: [] };
  return { kind: "numeric", feature, values: [] };
}

/** Appends the cell's typed value and returns what is wrong with it, if anything. */
function appendValue(column: TypedColumn, declared: Set<string>, cell: string): string | null {
  if (column.kind === "numeric") {
    if (isMissingCell(cell)) {
      column.values.push(Number.NaN);
      return null;
    }
    const value = parseNumberCell(cell);
    column.values.push(value ?? Number.NaN);
    if (value === null) return `'${cell}' is not a number (leave the cell empty for a missing value)`;
    return numericProblem(column.feature, cell, value);
  }
  if (isMissingCell(cell)) {
    column.values.push(null);
    return null;
  }
  if (column.feature.dtype === "bool") {
    const value = parseBoolCell(cell);
    column.values.push(value === null ? null : String(value));
    return value === null ? `'${cell}' is not a boolean (expected true, false, 1 or 0)` : null;
  }
  column.values.push(cell);
  return declared.has(cell)
    ? null
    : `'${cell}' is not a declared category (${quoteList(column.categories, MAX_CATEGORIES_IN_MESSAGE)})`;
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
