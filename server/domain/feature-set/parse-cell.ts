/**
 * How one CSV cell reads as a feature value. Shared by inference and validation so a sample
 * that infers as numeric always validates as numeric.
 */

/** Only an empty cell is a missing value; "NA", "null" or "NaN" are values and must be declared. */
export function isMissingCell(cell: string): boolean {
  return cell.trim() === "";
}

// Plain decimal or scientific notation. Number() alone would also accept "0x1f", "Infinity"
// and turn "" into 0, none of which a feature sample should mean.
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The cell's number, or null when it is not a finite decimal number. */
export function parseNumberCell(cell: string): number | null {
  const text = cell.trim();
  if (!DECIMAL_NUMBER.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** true/false (any case) or 1/0; null for anything else. */
export function parseBoolCell(cell: string): boolean | null {
  const text = cell.trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return null;
}

/** Only the words true/false (any case): a column of 0 and 1 stays an integer column. */
export function isBoolWord(cell: string): boolean {
  const text = cell.trim().toLowerCase();
  return text === "true" || text === "false";
}
