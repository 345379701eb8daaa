import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { answerAppErrors } from "@/server/answer-app-errors";
import { authorize, authorizeDeployment } from "@/server/domain/access/caller";
import { csvField } from "@/server/domain/audit/public-audit-data";
import { formatZodIssues } from "@/server/domain/zod-message";
import { resolveCaller } from "@/server/services/auth/resolve-caller";
import {
  EXPORT_COLUMNS,
  exportPredictions,
  ZExportPredictionsQuery,
  type ExportedPrediction,
} from "@/server/services/prediction-log/export-predictions";

type WriterSchema = ConstructorParameters<typeof ParquetWriter>[0]["schema"];

const CONTENT_TYPES = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
} as const;

/** The Parquet columns: numbers as numbers, everything else as UTF-8 text (tensors as JSON). */
const PARQUET_SCHEMA = [
  { name: "root", num_children: EXPORT_COLUMNS.length },
  ...EXPORT_COLUMNS.map((name) => ({
    name,
    repetition_type: "OPTIONAL" as const,
    ...(name === "versionNumber"
      ? { type: "INT32" as const }
      : name === "latencyMs"
        ? { type: "DOUBLE" as const }
        : { type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const }),
  })),
] as WriterSchema;

/**
 * A deployment's prediction log as a file: `?format=csv|jsonl|parquet` (jsonl by default) and
 * optional `from` and `to`. Streamed a page at a time (a Parquet row group per page), so an
 * export of any size holds one page in memory.
 */
export async function GET(request: Request, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const query = ZExportPredictionsQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return Response.json({ error: formatZodIssues(query.error, "query") }, { status: 400 });
  return answerAppErrors(async () => {
    const caller = await resolveCaller(request.headers);
    authorize(caller, "read");
    authorizeDeployment(caller, name);
    const pages = exportPredictions({ teamId: caller.teamId, name, ...query.data });
    // The first page is read before answering, so an unknown deployment is a 404, not a broken file.
    const first = await pages.next();
    const { format } = query.data;
    const body = format === "parquet" ? parquetStream(first, pages) : textStream(format, first, pages);
    return new Response(body, {
      headers: {
        "content-type": CONTENT_TYPES[format],
        "content-disposition": `attachment; filename="${name}-predictions.${format}"`,
      },
    });
  });
}

type Pages = AsyncGenerator<ExportedPrediction[]>;

function textStream(format: "csv" | "jsonl", first: IteratorResult<ExportedPrediction[]>, pages: Pages) {
  const encoder = new TextEncoder();
  const line =
    format === "csv"
      ? (row: ExportedPrediction) =>
          `${EXPORT_COLUMNS.map((column) => csvField(String(row[column] ?? ""))).join(",")}\n`
      : (row: ExportedPrediction) => `${JSON.stringify(row)}\n`;
  let next: IteratorResult<ExportedPrediction[]> | null = first;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (format === "csv") controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(",")}\n`));
    },
    async pull(controller) {
      const page = next ?? (await pages.next());
      next = null;
      if (page.done) return controller.close();
      controller.enqueue(encoder.encode(page.value.map(line).join("")));
    },
  });
}

/** hyparquet-writer's byte writer, handing each row group's bytes to the response as written. */
class StreamingWriter extends ByteWriter {
  constructor(private readonly controller: ReadableStreamDefaultController<Uint8Array>) {
    super(1 << 20);
  }
  flush(): void {
    this.controller.enqueue(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }
  finish(): void {
    this.flush();
  }
}

function parquetStream(first: IteratorResult<ExportedPrediction[]>, pages: Pages) {
  let writer: ParquetWriter;
  let next: IteratorResult<ExportedPrediction[]> | null = first;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      writer = new ParquetWriter({ writer: new StreamingWriter(controller), schema: PARQUET_SCHEMA });
    },
    async pull(controller) {
      const page = next ?? (await pages.next());
      next = null;
      if (page.done) {
        await writer.finish();
        return controller.close();
      }
      const columnData = EXPORT_COLUMNS.map((name) => ({ name, data: page.value.map((row) => row[name]) }));
      await writer.write({ columnData, rowGroupSize: page.value.length });
    },
  });
}
