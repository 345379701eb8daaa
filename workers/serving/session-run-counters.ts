import type { Redis } from "ioredis";
import { encodeSessionRun } from "@/server/contracts/live-counters";
import type { ServingJob } from "@/server/contracts/serving";
import type { WorkerMetrics } from "@/server/metrics/worker-metrics";
import { TrafficMinutes } from "@/server/metrics/traffic-minutes";

/**
 * The one place the serving worker counts its session runs: into the minute hash of the job's
 * deployment in Redis (live-counters' encodeSessionRun, flushed once a second) and, from the same
 * runs, into Prometheus. Each run is counted once, by the job it was charged to (RunOutcome).
 */
export class SessionRunCounters {
  private readonly minutes: TrafficMinutes;

  constructor(
    redis: Redis,
    private readonly metrics: WorkerMetrics,
  ) {
    this.minutes = new TrafficMinutes(redis, "serving");
  }

  record(
    job: Pick<ServingJob, "deploymentId" | "versionId" | "deploymentName" | "versionNumber">,
    runs: { rows: number; computeUs: number }[],
    nowMs = Date.now(),
  ): void {
    for (const run of runs) {
      this.minutes.add(job.deploymentId, encodeSessionRun(job.versionId, run), nowMs);
      this.metrics.observeSessionRun(job.deploymentName, job.versionNumber, run);
    }
  }

  close(): Promise<void> {
    return this.minutes.close();
  }
}
