import { getDb } from "@/server/db";

/** Rows deleted per statement, so a large backlog never holds one long lock. */
const DELETE_BATCH_ROWS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes prediction samples older than the retention period; returns how many went. */
export async function prunePredictionSamples({
  retentionDays,
  nowMs = Date.now(),
}: {
  retentionDays: number;
  nowMs?: number;
}): Promise<number> {
  const before = new Date(nowMs - retentionDays * DAY_MS);
  let deleted = 0;
  for (;;) {
    const count = await getDb().$executeRaw`
      DELETE FROM "PredictionSample" WHERE id IN (
        SELECT id FROM "PredictionSample" WHERE "createdAt" < ${before} LIMIT ${DELETE_BATCH_ROWS}
      )`;
    deleted += count;
    if (count < DELETE_BATCH_ROWS) return deleted;
  }
}
