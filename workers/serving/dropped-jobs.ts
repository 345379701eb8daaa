import type { Logger } from "@/server/logger";

/**
 * Counts the serving jobs dropped because their deadline had passed, and logs them as one info line
 * per interval: a worker back from an outage may drop thousands in a second, and a line each would
 * bury the log. No live counter: a dropped request already counts in its version's errorCount, from
 * the gateway that timed it out, and MetricRollup has no column for drops (that would take a migration).
 */
export class DroppedJobs {
  private sinceLog = { jobs: 0, requests: 0, maxLateMs: 0 };
  readonly total = { jobs: 0, requests: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly queue: string,
    logIntervalMs = 1_000,
  ) {
    this.timer = setInterval(() => this.flush(), logIntervalMs);
    this.timer.unref();
  }

  record(requests: number, lateMs: number): void {
    this.sinceLog.jobs += 1;
    this.sinceLog.requests += requests;
    this.sinceLog.maxLateMs = Math.max(this.sinceLog.maxLateMs, lateMs);
    this.total.jobs += 1;
    this.total.requests += requests;
  }

  /** Logs what was dropped since the last line, if anything; also called on close. */
  flush(): void {
    if (this.sinceLog.jobs === 0) return;
    this.log.info(
      {
        queue: this.queue,
        droppedJobs: this.sinceLog.jobs,
        droppedRequests: this.sinceLog.requests,
        maxLateMs: Math.round(this.sinceLog.maxLateMs),
        totalDroppedJobs: this.total.jobs,
        totalDroppedRequests: this.total.requests,
      },
      "dropped serving jobs whose deadline had passed before they ran",
    );
    this.sinceLog = { jobs: 0, requests: 0, maxLateMs: 0 };
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
