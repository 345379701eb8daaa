/**
 * CSV cells read from their bytes, for the numeric fast path of batch chunks: no string per line
 * or cell. Each reader accepts a subset of what the text path (parseNumberCell, parseBoolCell,
 * a category's exact text) accepts, with the same value, and says "not here" (NaN, -1) for
 * anything else: a quote, a byte outside ASCII, an empty cell, a value the text path would refuse
 * or read in a way this one does not. The caller then gives the line to the text path, which
 * gives the exact value or reason. `end` is where the last cell read stopped: at its comma or at
 * the line's end.
 */
export class CsvCellBytes {
  end = 0;

  /**
   * The cell from `at` as parseNumberCell reads it (ASCII whitespace around it, then
   * /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, finite), or NaN.
   */
  number(bytes: Uint8Array, at: number, lineEnd: number): number {
    let i = skipSpace(bytes, at, lineEnd);
    const tokenStart = i;
    let byte = i < lineEnd ? bytes[i]! : COMMA;
    const negative = byte === MINUS;
    if (negative || byte === PLUS) byte = ++i < lineEnd ? bytes[i]! : COMMA;
    let mantissa = 0;
    let significant = 0;
    let digits = 0;
    let fractionDigits = 0;
    while (byte >= ZERO && byte <= NINE) {
      if (mantissa !== 0 || byte !== ZERO) {
        mantissa = mantissa * 10 + (byte - ZERO);
        significant++;
      }
      digits++;
      byte = ++i < lineEnd ? bytes[i]! : COMMA;
    }
    if (byte === DOT) {
      byte = ++i < lineEnd ? bytes[i]! : COMMA;
      while (byte >= ZERO && byte <= NINE) {
        if (mantissa !== 0 || byte !== ZERO) {
          mantissa = mantissa * 10 + (byte - ZERO);
          significant++;
        }
        digits++;
        fractionDigits++;
        byte = ++i < lineEnd ? bytes[i]! : COMMA;
      }
    }
    if (digits === 0) return Number.NaN;
    let exponent = 0;
    let exponentDigits = 0;
    if (byte === LOWER_E || byte === UPPER_E) {
      byte = ++i < lineEnd ? bytes[i]! : COMMA;
      const exponentNegative = byte === MINUS;
      if (exponentNegative || byte === PLUS) byte = ++i < lineEnd ? bytes[i]! : COMMA;
      while (byte >= ZERO && byte <= NINE) {
        if (exponentDigits < 6) exponent = exponent * 10 + (byte - ZERO);
        exponentDigits++;
        byte = ++i < lineEnd ? bytes[i]! : COMMA;
      }
      if (exponentDigits === 0) return Number.NaN;
      if (exponentNegative) exponent = -exponent;
    }
    const tokenEnd = i;
    i = skipSpace(bytes, i, lineEnd);
    if (i < lineEnd && bytes[i] !== COMMA) return Number.NaN;
    this.end = i;
    const scale = exponent - fractionDigits;
    let value: number;
    // Exact operands, one correctly rounded operation: the double Number() gives (Clinger's fast
    // path: at most 15 significant digits, a power of ten below 2^53). Anything longer is read by
    // Number() itself.
    if (significant <= 15 && exponentDigits < 6 && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POWERS_OF_TEN[-scale]! : mantissa * POWERS_OF_TEN[scale]!;
      if (negative) value = -value;
    } else value = Number(asciiText(bytes, tokenStart, tokenEnd));
    return Number.isFinite(value) ? value : Number.NaN;
  }

  /** The index of the category whose text the cell is, exactly (the text path does not trim it either), or -1. */
  category(bytes: Uint8Array, at: number, lineEnd: number, categories: readonly Uint8Array[]): number {
    const end = this.skip(bytes, at, lineEnd);
    if (end < 0 || skipSpace(bytes, at, end) === end) return -1; // an empty cell is refused as empty
    const length = end - at;
    for (let index = 0; index < categories.length; index++) {
      const category = categories[index]!;
      if (category.length !== length) continue;
      let k = 0;
      while (k < length && bytes[at + k] === category[k]) k++;
      if (k === length) return index;
    }
    return -1;
  }

  /** 1 or 0 for a cell parseBoolCell reads as true or false (true/false in any case, 1, 0), else -1. */
  bool(bytes: Uint8Array, at: number, lineEnd: number): number {
    const end = this.skip(bytes, at, lineEnd);
    if (end < 0) return -1;
    const start = skipSpace(bytes, at, end);
    let stop = end;
    while (stop > start && isSpace(bytes[stop - 1]!)) stop--;
    const length = stop - start;
    if (length === 1) return bytes[start] === ONE ? 1 : bytes[start] === ZERO ? 0 : -1;
    if (length === 4) return matchesLower(bytes, start, TRUE) ? 1 : -1;
    if (length === 5) return matchesLower(bytes, start, FALSE) ? 0 : -1;
    return -1;
  }

  /** The end of a cell the model does not read (its comma or the line's end), or -1 for a quote or non-ASCII byte. */
  skip(bytes: Uint8Array, at: number, lineEnd: number): number {
    let i = at;
    while (i < lineEnd) {
      const byte = bytes[i]!;
      if (byte === COMMA) break;
      if (byte === QUOTE || byte >= 0x80) return -1;
      i++;
    }
    this.end = i;
    return i;
  }
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** The ASCII whitespace String.prototype.trim removes (a line holds no newline). */
const isSpace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  while (at < end && isSpace(bytes[at]!)) at++;
  return at;
}

function matchesLower(bytes: Uint8Array, at: number, word: readonly number[]): boolean {
  for (let k = 0; k < word.length; k++) if ((bytes[at + k]! | 0x20) !== word[k]) return false;
  return true;
}

function asciiText(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
