import { scanCsv, type CsvConsumer } from "@/server/domain/feature-set/csv";

/**
 * `text` as the byte chunks a file stream gives, cut small by default so chunk boundaries fall
 * inside lines, quoted values, CRLF pairs and multi-byte characters.
 */
export async function* chunksOf(text: string | Uint8Array, chunkBytes = 5): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  for (let start = 0; start < bytes.byteLength; start += chunkBytes)
    yield bytes.subarray(start, start + chunkBytes);
}

/** Scans `text` as the sample thread scans a file. */
export function scanText<Result>(
  text: string | Uint8Array,
  consumerFor: (columns: string[]) => CsvConsumer<Result>,
  { maxRows = 1_000_000, chunkBytes = 5 }: { maxRows?: number; chunkBytes?: number } = {},
): Promise<Result> {
  return scanCsv(chunksOf(text, chunkBytes), { maxRows }, consumerFor);
}
