/**
 * How one CSV cell reads as a feature value. Shared by inference and validation so a sample
 * that infers as numeric always validates as numeric.
 */

/** Only an empty cell is a missing value; "NA", "null" or "NaN" are values and must be declared. */
export function isMissingCell(cell: string): boolean {
  return cell.trim() === "";
}

/** The cell's number, or null when it is not a finite decimal number. */
export function parseNumberCell(cell: string): number | null {
  const text = cell.trim();
  if (!isDecimalNumber(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * Plain decimal or scientific notation, /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/ scanned by hand
 * (batch jobs check every cell: the regex was a tenth of a tiny model's job). Number() alone would
 * also accept "0x1f", "Infinity" and turn "" into 0, none of which a feature value should mean.
 */
export function isDecimalNumber(text: string): boolean {
  const length = text.length;
  let at = 0;
  let code = text.charCodeAt(0);
  if (code === 43 || code === 45) at++;
  const integerStart = at;
  while (at < length && isDigit(text.charCodeAt(at))) at++;
  let digits = at - integerStart;
  if (at < length && text.charCodeAt(at) === 46) {
    const fractionStart = ++at;
    while (at < length && isDigit(text.charCodeAt(at))) at++;
    digits += at - fractionStart;
  }
  if (digits === 0) return false;
  if (at === length) return true;
  code = text.charCodeAt(at);
  if (code !== 101 && code !== 69) return false;
  at++;
  code = text.charCodeAt(at);
  if (code === 43 || code === 45) at++;
  const exponentStart = at;
  while (at < length && isDigit(text.charCodeAt(at))) at++;
  return at > exponentStart && at === length;
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
