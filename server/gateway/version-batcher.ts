import type { ServingJobResult, ServingRequest, ServingRequestResult } from "@/server/contracts/serving";

export interface BatchedAnswer {
  result: ServingRequestResult;
  job: Omit<ServingJobResult, "results">;
}

interface Pending {
  request: ServingRequest;
  rows: number;
  /** When this request's caller stops waiting (epoch ms). */
  deadlineAtMs: number;
  resolve: (answer: BatchedAnswer) => void;
  reject: (error: Error) => void;
}

/**
 * Merges concurrent requests for one model version into jobs (Triton-style dynamic batching,
 * adapted to load): when no job of this version is in flight, whatever arrived in this turn of
 * the event loop leaves at once, so a lone request never waits; while jobs are in flight,
 * requests gather until the batch is full, the last job returns, or maxQueueDelayMs passes.
 */
export class VersionBatcher {
  private pending: Pending[] = [];
  private pendingRows = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    /** deadlineAtMs: the latest of the requests' deadlines, past which nobody waits for the job. */
    private readonly dispatch: (
      requests: ServingRequest[],
      deadlineAtMs: number,
    ) => Promise<ServingJobResult>,
    private readonly settings: () => { maxBatchSize: number; maxQueueDelayMs: number },
  ) {}

  submit(request: ServingRequest, rows: number, deadlineAtMs: number): Promise<BatchedAnswer> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, rows, deadlineAtMs, resolve, reject });
      this.pendingRows += rows;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pending.length === 0) return;
    const { maxBatchSize, maxQueueDelayMs } = this.settings();
    if (this.pendingRows >= maxBatchSize) {
      this.flush();
    } else if (this.inFlight === 0) {
      this.immediate ??= setImmediate(() => this.flush());
    } else {
      this.timer ??= setTimeout(() => this.flush(), maxQueueDelayMs);
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.pending.length === 0) return;

    const { maxBatchSize } = this.settings();
    let rows = 0;
    let count = 0;
    // At least one request per job, even one larger than the batch size on its own.
    while (count < this.pending.length && (count === 0 || rows + this.pending[count]!.rows <= maxBatchSize)) {
      rows += this.pending[count]!.rows;
      count += 1;
    }
    const batch = this.pending.splice(0, count);
    this.pendingRows -= rows;
    this.inFlight += 1;
    const deadlineAtMs = Math.max(...batch.map((entry) => entry.deadlineAtMs));
    this.dispatch(
      batch.map((entry) => entry.request),
      deadlineAtMs,
    )
      .then(({ results, ...job }) => {
        const byId = new Map(results.map((result) => [result.requestId, result]));
        for (const entry of batch) {
          const result = byId.get(entry.request.requestId);
          if (result) entry.resolve({ result, job });
          else
            entry.reject(new Error(`the worker returned no result for request ${entry.request.requestId}`));
        }
      })
      .catch((error: Error) => batch.forEach((entry) => entry.reject(error)))
      .finally(() => {
        this.inFlight -= 1;
        // With nothing else in flight, what gathered leaves at once; while other jobs are still
        // out, it keeps gathering until full or the queue delay passes, so concurrent clients
        // share jobs instead of settling into cohorts that each pay a job's fixed cost.
        if (this.inFlight === 0 && this.pending.length > 0) this.flush();
        else this.schedule();
      });
    this.schedule();
  }
}
