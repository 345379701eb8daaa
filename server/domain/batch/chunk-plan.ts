/**
 * Where each chunk of a text input starts and ends, found in one streaming pass over the bytes,
 * so a worker reads its chunk with a ranged read and never the whole file. A record ends at a
 * newline outside double quotes (CSV values may hold quoted newlines; JSON lines cannot, and
 * their escaped quotes would fool the count, so JSONL is scanned unquoted). Empty lines are no
 * rows, as the parsers skip them.
 */
export interface ChunkBounds {
  index: number;
  /** 0-based index of the chunk's first data row in the whole input. */
  rowStart: number;
  rowCount: number;
  /** Byte range [byteStart, byteEnd) of the chunk's records; null for Parquet (rows by index). */
  byteStart: number | null;
  byteEnd: number | null;
  /** The 1-based file line where the chunk's range starts ("row" for Parquet): for error messages. */
  firstLine: number;
}

export interface RecordScanOptions {
  chunkRows: number;
  /** CSV: the first record is the header, and quotes hide newlines. */
  csv: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export class RecordScanner {
  private offset = 0;
  private line = 1;
  private inQuotes = false;
  private recordHasContent = false;
  private headerDone: boolean;
  private rows = 0;
  private chunkStart = { byte: 0, line: 1, row: 0 };
  private readonly chunks: ChunkBounds[] = [];
  /** Byte offset just past the header record (CSV). */
  headerEnd = 0;

  constructor(private readonly options: RecordScanOptions) {
    this.headerDone = !options.csv;
  }

  push(bytes: Uint8Array): void {
    const quoted = this.options.csv;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === LF) {
        this.line++;
        if (this.inQuotes) continue;
        this.endRecord(this.offset + i + 1);
      } else if (byte === QUOTE && quoted) {
        this.inQuotes = !this.inQuotes;
        this.recordHasContent = true;
      } else if (byte !== CR) this.recordHasContent = true;
    }
    this.offset += bytes.length;
  }

  /** The chunks and the data rows, after the last push. */
  finish(): { chunks: ChunkBounds[]; totalRows: number; headerEnd: number; sawHeader: boolean } {
    if (this.recordHasContent) this.endRecord(this.offset);
    if (this.rows > this.chunkStart.row) this.closeChunk(this.offset);
    return {
      chunks: this.chunks,
      totalRows: this.rows,
      headerEnd: this.headerEnd,
      sawHeader: this.headerDone,
    };
  }

  private endRecord(end: number): void {
    const content = this.recordHasContent;
    this.recordHasContent = false;
    if (!content) return;
    if (!this.headerDone) {
      this.headerDone = true;
      this.headerEnd = end;
      this.chunkStart = { byte: end, line: this.line, row: 0 };
      return;
    }
    this.rows++;
    if (this.rows - this.chunkStart.row === this.options.chunkRows) this.closeChunk(end);
  }

  private closeChunk(end: number): void {
    this.chunks.push({
      index: this.chunks.length,
      rowStart: this.chunkStart.row,
      rowCount: this.rows - this.chunkStart.row,
      byteStart: this.chunkStart.byte,
      byteEnd: end,
      firstLine: this.chunkStart.line,
    });
    this.chunkStart = { byte: end, line: this.line, row: this.rows };
  }
}

/** Parquet chunks: row ranges, read by index (hyparquet reads only the row groups they touch). */
export function planRowRanges(totalRows: number, chunkRows: number): ChunkBounds[] {
  const chunks: ChunkBounds[] = [];
  for (let rowStart = 0; rowStart < totalRows; rowStart += chunkRows) {
    chunks.push({
      index: chunks.length,
      rowStart,
      rowCount: Math.min(chunkRows, totalRows - rowStart),
      byteStart: null,
      byteEnd: null,
      firstLine: rowStart + 1,
    });
  }
  return chunks;
}

/** A chunk's bounds from its stored row (Postgres keeps the byte offsets as BIGINT). */
export function storedChunkBounds(stored: {
  index: number;
  rowStart: number;
  rowCount: number;
  byteStart: bigint | null;
  byteEnd: bigint | null;
  firstLine: number;
}): ChunkBounds {
  return {
    index: stored.index,
    rowStart: stored.rowStart,
    rowCount: stored.rowCount,
    byteStart: stored.byteStart === null ? null : Number(stored.byteStart),
    byteEnd: stored.byteEnd === null ? null : Number(stored.byteEnd),
    firstLine: stored.firstLine,
  };
}
