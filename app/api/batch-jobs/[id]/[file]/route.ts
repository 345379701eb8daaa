import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { batchStorePath } from "@/server/contracts/batch";
import { answerAppErrors } from "@/server/answer-app-errors";
import { authorize } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { resolveCaller } from "@/server/services/auth/resolve-caller";

const CONTENT_TYPES = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
} as const;

/**
 * A batch job's files: `output` (the input's rows with the predictions appended) and `errors`
 * (one JSON line per refused row: its line and why). Only the job's own team gets them; another
 * team's job reads as missing.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string; file: string }> }) {
  const { id, file } = await params;
  if (file !== "output" && file !== "errors")
    return Response.json({ error: `no file '${file}': ask for output or errors` }, { status: 404 });
  return answerAppErrors(async () => {
    const caller = await resolveCaller(request.headers);
    authorize(caller, "read");
    const job = await getDb().batchJob.findFirst({
      where: { id, teamId: caller.teamId },
      select: { status: true, outputKey: true, errorsKey: true, outputFormat: true },
    });
    if (!job) throw new AppError("NOT_FOUND", `batch job '${id}' does not exist`);
    const key = file === "output" ? job.outputKey : job.errorsKey;
    if (!key)
      throw new AppError("CONFLICT", `batch job '${id}' is ${job.status} and has no ${file} file yet`);
    const filePath = batchStorePath(readEnv().ARTIFACT_DIR, key);
    const { size } = await stat(filePath);
    const extension = file === "output" ? job.outputFormat : "jsonl";
    return new Response(Readable.toWeb(createReadStream(filePath)) as ReadableStream, {
      headers: {
        "content-type": CONTENT_TYPES[extension],
        "content-length": String(size),
        "content-disposition": `attachment; filename="batch-${id}-${file}.${extension}"`,
      },
    });
  });
}
