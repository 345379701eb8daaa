import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { ParquetPredictionColumn } from "@/server/domain/batch/parquet-columns";
import { AtomicFile } from "@/workers/batch/chunk-files";

/** The writer's schema type: it bundles a hyparquet of its own, whose types lag the reader's. */
type WriterSchema = ConstructorParameters<typeof ParquetWriter>[0]["schema"];

/** Rows per row group: one slice of input and predictions in memory at a time, never a chunk. */
const SLICE_ROWS = 8192;

/** hyparquet-writer's byte writer, emptied into the file after each row group, waiting for drain. */
class FlushingWriter extends ByteWriter {
  constructor(private readonly file: AtomicFile) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.file.write(bytes);
  }

  finish(): Promise<void> {
    return this.flush();
  }
}

export interface ParquetOutputPart {
  rowStart: number;
  rowCount: number;
  /** The chunk's prediction lines: a JSON array of its values per row, null for a refused row. */
  predictionsPath: string;
}

/**
 * A Parquet input's output, in input order: each input column as it was (its schema element
 * copied, so its type and annotations stay), then the prediction columns. Streams: a slice of
 * rows is read from the input and from its chunk's prediction lines, written as a row group and
 * flushed before the next is read.
 */
export async function writeParquetOutput(options: {
  inputPath: string;
  target: string;
  parts: ParquetOutputPart[];
  predictions: ParquetPredictionColumn[];
}): Promise<void> {
  const input = await asyncBufferFromFile(options.inputPath);
  const metadata = await parquetMetadataAsync(input);
  const [root, ...leaves] = metadata.schema;
  const names = leaves.map((leaf) => leaf.name);
  const schema = [
    { ...root!, num_children: leaves.length + options.predictions.length },
    ...leaves,
    ...options.predictions.map((column) => column.leaf),
  ] as WriterSchema;
  const file = await AtomicFile.open(options.target);
  try {
    const writer = new ParquetWriter({ writer: new FlushingWriter(file), schema });
    for (const part of options.parts) {
      const lines = predictionLines(part.predictionsPath);
      const end = part.rowStart + part.rowCount;
      for (let rowStart = part.rowStart; rowStart < end; rowStart += SLICE_ROWS) {
        const rowEnd = Math.min(end, rowStart + SLICE_ROWS);
        const records = await parquetReadObjects({ file: input, metadata, rowStart, rowEnd });
        const predicted = await take(lines, records.length, part);
        const columnData = [
          ...names.map((name) => ({ name, data: records.map((record) => record[name]) })),
          ...options.predictions.map((column, k) => ({
            name: column.leaf.name,
            data: predicted.map((values) => column.fromJson(values === null ? null : values[k]!)),
          })),
        ];
        await writer.write({ columnData, rowGroupSize: records.length });
      }
      await lines.return(undefined);
    }
    await writer.finish();
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}

type PredictionLine = (number | string | boolean)[] | null;

async function* predictionLines(filePath: string): AsyncGenerator<PredictionLine> {
  const lines = createInterface({ input: createReadStream(filePath), crlfDelay: Infinity });
  for await (const line of lines) if (line !== "") yield JSON.parse(line) as PredictionLine;
}

async function take(
  lines: AsyncGenerator<PredictionLine>,
  count: number,
  part: ParquetOutputPart,
): Promise<PredictionLine[]> {
  const taken: PredictionLine[] = [];
  while (taken.length < count) {
    const next = await lines.next();
    // A chunk file shorter than its rows is a bug, not a row to leave out silently.
    if (next.done)
      throw new Error(`the chunk from row ${part.rowStart + 1} has predictions for fewer rows than it holds`);
    taken.push(next.value);
  }
  return taken;
}
