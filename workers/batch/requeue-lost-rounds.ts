import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { BATCH_FINALIZE_QUEUE_NAME, batchFinalizeJobId } from "@/server/contracts/batch";
import { getDb } from "@/server/db";
import type { Logger } from "@/server/logger";
import { closeBatchFlows, queueBatchRound } from "@/server/services/batch-job/batch-flow";

/**
 * A Redis restarted without its data (no append-only file, or a lost one) forgets every queued
 * round, while Postgres still says the job is queued or running: without this, such a job would
 * wait forever. Every interval, a job that has been queued or running for longer than one
 * interval and whose round's finalize job Redis no longer holds is queued again, its unfinished
 * chunks only. Safe to run on every batch worker at once: the round's job ids are fixed, a chunk
 * already succeeded is skipped, and a chunk run twice rewrites the same file (run-chunk.ts).
 */
export function requeueLostRounds(options: {
  connection: Redis;
  prefix: string;
  intervalMs: number;
  log: Logger;
}): { stop: () => Promise<void> } {
  const finalize = new Queue(BATCH_FINALIZE_QUEUE_NAME, {
    connection: options.connection,
    prefix: options.prefix,
  });
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    const jobs = await getDb().batchJob.findMany({
      where: {
        status: { in: ["queued", "running"] },
        createdAt: { lt: new Date(Date.now() - options.intervalMs) },
      },
      select: {
        id: true,
        round: true,
        chunks: { where: { status: { in: ["queued", "running"] } }, select: { index: true } },
      },
    });
    for (const job of jobs) {
      if (await finalize.getJob(batchFinalizeJobId(job.id, job.round))) continue;
      const chunkIndices = job.chunks.map((chunk) => chunk.index);
      options.log.warn(
        { batchJobId: job.id, round: job.round, chunks: chunkIndices.length },
        "batch job's round is not in Redis (restarted without its data?); queueing it again",
      );
      await queueBatchRound(job.id, job.round, chunkIndices);
    }
  };
  let passing = false;
  const timer = setInterval(() => {
    // A pass still under way (Postgres slow) is not queued behind: the next tick looks again.
    if (passing) return;
    passing = true;
    running = pass()
      .catch((error: unknown) => options.log.warn({ err: error }, "could not look for lost batch rounds"))
      .finally(() => (passing = false));
  }, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await finalize.close();
      await closeBatchFlows();
    },
  };
}
