import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { batchStorePath } from "@/server/contracts/batch";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { callerFor } from "@/test/support/trpc-caller";

/** Short locks, so a killed batch worker's chunk is taken again within seconds, not the default 15 s. */
export const FAST_BATCH_RECOVERY_ENV = {
  WORKER_ROLES: "batch",
  WORKER_LOCK_DURATION_MS: "2000",
  WORKER_STALLED_INTERVAL_MS: "1000",
};

/** A cell of the synthetic wide inputs of the crash tests: deterministic, three decimals. */
export const syntheticCell = (row: number, column: number) =>
  Math.round(Math.sin(row * 7 + column) * 1000) / 1000;

/** The feature columns of syntheticCsv: `f0`, `f1`, ... */
export const syntheticColumns = (width: number) => Array.from({ length: width }, (_, k) => `f${k}`);

/** A CSV of `rows` rows: an `id` column, then `width` feature columns of syntheticCell. */
export function syntheticCsv(rows: number, width: number): string {
  const columns = syntheticColumns(width);
  let csv = `id,${columns.join(",")}\n`;
  for (let row = 0; row < rows; row++)
    csv += `${row},${Array.from({ length: width }, (_, k) => syntheticCell(row, k)).join(",")}\n`;
  return csv;
}

/** Bounds a hang; a job here takes seconds. */
const JOB_DEADLINE_MS = 90_000;

/** Polls batchJob.get until the job has finished (succeeded, failed or cancelled). */
export async function awaitBatchJob(id: string, api = callerFor()) {
  const deadlineMs = Date.now() + JOB_DEADLINE_MS;
  for (;;) {
    const job = await api.batchJob.get({ id });
    if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
    if (Date.now() > deadlineMs)
      throw new Error(`batch job ${id} still ${job.status} (${job.doneRows}/${job.totalRows})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A finished job's output or errors file, as the download route would send it. */
export async function readBatchFile(id: string, file: "output" | "errors"): Promise<string> {
  const job = await getDb().batchJob.findUniqueOrThrow({ where: { id } });
  const key = file === "output" ? job.outputKey : job.errorsKey;
  if (!key) throw new Error(`batch job ${id} has no ${file} file`);
  return readFile(batchFilePath(key), "utf8");
}

/** Where a batch store key is, for a test that reads a binary (Parquet) output itself. */
export function batchFilePath(key: string): string {
  return batchStorePath(readEnv().ARTIFACT_DIR, key);
}

export function csvRecords(text: string): Record<string, string>[] {
  return parse(text, { columns: true });
}
