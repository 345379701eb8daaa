import { Worker } from "node:worker_threads";
import { AppError } from "@/server/domain/app-error";
import type { SampleFeatures, SampleProfile } from "@/server/domain/feature-set/profile-sample";
import { awaitReply, threadLimit } from "@/server/threads/one-shot-thread";
import { startBundledThread } from "@/server/threads/bundled-thread";

export interface ProfileSampleInput {
  /** The staged CSV file. */
  samplePath: string;
  features: SampleFeatures;
  maxRows: number;
}

/**
 * The profiling thread's heap ceiling. Its state is bounded by construction (per-column
 * counters, at most 1000 columns and 1000 inferred categories each; the numeric reservoirs,
 * 32 MiB at most, live outside the heap), so this is a backstop that turns a surprise into a
 * clear refusal instead of a console that runs out of memory.
 */
const THREAD_HEAP_LIMIT_MB = 256;
/** Two cores here: two samples profile at once, later ones wait, so memory stays bounded under load. */
const runProfile = threadLimit(2);

/**
 * Parses and profiles a CSV sample in a worker thread (profile-sample-thread.ts), so a sample
 * at the size and row limits leaves this process's event loop free to answer other requests.
 */
export function profileSampleInThread(input: ProfileSampleInput): Promise<SampleProfile> {
  return runProfile(async () => {
    const options = { workerData: input, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_LIMIT_MB } };
    const thread =
      process.env.NEXT_RUNTIME === "nodejs"
        ? // Next.js bundles this entry, with what it imports, into a thread chunk of its own.
          new Worker(new URL("./profile-sample-thread.ts", import.meta.url), options)
        : await startBundledThread(import.meta.url, "profile-sample-thread.ts", options);
    return awaitReply<SampleProfile>(thread, {
      task: "profiling the sample",
      outOfMemory: () =>
        new AppError(
          "UNPROCESSABLE",
          `profiling the sample needed more than ${THREAD_HEAP_LIMIT_MB} MiB of memory; upload fewer columns or rows`,
        ),
    });
  });
}
