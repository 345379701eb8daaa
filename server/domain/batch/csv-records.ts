/**
 * CSV records from text arriving in pieces, for batch chunks: a line without quotes (nearly every
 * line of a numeric table) is split on commas directly, several times faster than a general
 * parser; a record with quotes goes through an RFC 4180 field reader, newlines inside quotes
 * included. Each record comes with the 1-based line it starts on. Empty lines are no records.
 */
export interface CsvRecord {
  line: number;
  cells: string[];
  /** The line as it was, when it needed no quotes: the output can copy it instead of rebuilding it. */
  text?: string;
}

export class CsvRecordReader {
  private pending = "";
  private record: string[] | null = null;
  private recordLine = 0;
  private quotes = 0;
  private line: number;

  constructor(firstLine: number) {
    this.line = firstLine - 1;
  }

  /** True while a quoted value goes on past the last newline given. */
  get open(): boolean {
    return this.record !== null;
  }

  /** The records completed by this piece of text. */
  push(text: string, out: CsvRecord[]): void {
    this.pending += text;
    let start = 0;
    for (
      let newline = this.pending.indexOf("\n");
      newline >= 0;
      newline = this.pending.indexOf("\n", start)
    ) {
      this.takeLine(this.pending.slice(start, newline), out);
      start = newline + 1;
    }
    this.pending = this.pending.slice(start);
  }

  /** The last record, after the last piece; throws when a quote was never closed. */
  end(out: CsvRecord[]): void {
    if (this.pending !== "") this.takeLine(this.pending, out);
    this.pending = "";
    if (this.record !== null) throw new Error(`the quote opened on line ${this.recordLine} is never closed`);
  }

  private takeLine(raw: string, out: CsvRecord[]): void {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    this.line++;
    const quotes = countQuotes(text);
    if (this.record === null) {
      if (quotes === 0) {
        if (text !== "") out.push({ line: this.line, cells: text.split(","), text });
        return;
      }
      this.record = [text];
      this.recordLine = this.line;
      this.quotes = quotes;
    } else {
      this.record.push(text);
      this.quotes += quotes;
    }
    if (this.quotes % 2 === 1) return; // a quoted value goes on past this newline
    out.push({ line: this.recordLine, cells: readQuotedRecord(this.record.join("\n"), this.recordLine) });
    this.record = null;
  }
}

/** Why a record with `fields` cells is refused by a header of `columns` columns. */
export function fieldCountReason(fields: number, columns: number): string {
  return `has ${fields} ${fields === 1 ? "field" : "fields"} but the header has ${columns} columns`;
}

function countQuotes(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++;
  return count;
}

/** RFC 4180 fields: quoted ones may hold commas, newlines and doubled quotes. */
export function readQuotedRecord(text: string, line: number): string[] {
  const cells: string[] = [];
  let at = 0;
  for (;;) {
    if (text[at] === '"') {
      let value = "";
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error(`line ${line}: a quoted value is never closed`);
        value += text.slice(at, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          at = quote + 2;
          continue;
        }
        at = quote + 1;
        break;
      }
      if (at < text.length && text[at] !== ",")
        throw new Error(`line ${line}: a quoted value is followed by '${text[at]}' instead of a comma`);
      cells.push(value);
    } else {
      const comma = text.indexOf(",", at);
      const cell = text.slice(at, comma < 0 ? text.length : comma);
      if (cell.includes('"')) throw new Error(`line ${line}: a quote inside an unquoted value`);
      cells.push(cell);
      at = comma < 0 ? text.length : comma;
    }
    if (at >= text.length) return cells;
    at++; // the comma
    if (at === text.length) {
      cells.push("");
      return cells;
    }
  }
}
