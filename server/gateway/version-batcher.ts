import { AppError } from "@/server/domain/app-error";
import type { BatchReleaseReason } from "@/server/contracts/live-counters";
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
  /** Set once the request left in a job: the job's callers still waiting, and how to cancel it. */
  job: { callers: number; cancel: AbortController } | null;
}

/**
 * Merges concurrent requests for one model version into jobs (Triton-style dynamic batching,
 * adapted to load): when no job of this version is in flight, whatever arrived in this turn of
 * the event loop leaves at once, so a lone request never waits; while jobs are in flight,
 * requests gather until the batch is full, the last job returns, or maxQueueDelayMs passes.
 * Each job's reason to leave goes to `onRelease`: full; timer (the queue delay passed); idle
 * (nothing of this version was in flight, at arrival or when the last job returned).
 */
export class VersionBatcher {
  private pending: Pending[] = [];
  private pendingRows = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    /**
     * deadlineAtMs: the latest of the requests' deadlines, past which nobody waits for the job;
     * `cancelled` aborts when every caller of the job went away.
     */
    private readonly dispatch: (
      requests: ServingRequest[],
      deadlineAtMs: number,
      cancelled: AbortSignal,
    ) => Promise<ServingJobResult>,
    private readonly settings: () => { maxBatchSize: number; maxQueueDelayMs: number },
    private readonly onRelease: (reason: BatchReleaseReason) => void = () => undefined,
  ) {}

  /**
   * A request whose `callerGone` aborts leaves the batch it waits in, or, once sent, cancels its
   * job when it was the job's last caller; it rejects with CLIENT_CLOSED_REQUEST either way.
   */
  submit(
    request: ServingRequest,
    rows: number,
    deadlineAtMs: number,
    callerGone?: AbortSignal,
  ): Promise<BatchedAnswer> {
    return new Promise((resolve, reject) => {
      if (callerGone?.aborted) return reject(callerWentAway());
      const entry: Pending = { request, rows, deadlineAtMs, resolve, reject, job: null };
      if (callerGone) {
        const onGone = () => this.leave(entry);
        callerGone.addEventListener("abort", onGone, { once: true });
        const settled = () => callerGone.removeEventListener("abort", onGone);
        entry.resolve = (answer) => (settled(), resolve(answer));
        entry.reject = (error) => (settled(), reject(error));
      }
      this.pending.push(entry);
      this.pendingRows += rows;
      this.schedule();
    });
  }

  private leave(entry: Pending): void {
    const index = this.pending.indexOf(entry);
    if (index >= 0) {
      this.pending.splice(index, 1);
      this.pendingRows -= entry.rows;
    } else if (entry.job && --entry.job.callers === 0) entry.job.cancel.abort();
    entry.reject(callerWentAway());
  }

  private schedule(): void {
    if (this.pending.length === 0) return;
    const { maxBatchSize, maxQueueDelayMs } = this.settings();
    if (this.pendingRows >= maxBatchSize) {
      this.flush("full");
    } else if (this.inFlight === 0) {
      this.immediate ??= setImmediate(() => this.flush("idle"));
    } else {
      this.timer ??= setTimeout(() => this.flush("timer"), maxQueueDelayMs);
    }
  }

  private flush(reason: BatchReleaseReason): void {
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
    this.onRelease(reason);
    this.inFlight += 1;
    const deadlineAtMs = Math.max(...batch.map((entry) => entry.deadlineAtMs));
    const job = { callers: batch.length, cancel: new AbortController() };
    for (const entry of batch) entry.job = job;
    this.dispatch(
      batch.map((entry) => entry.request),
      deadlineAtMs,
      job.cancel.signal,
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
        if (this.inFlight === 0 && this.pending.length > 0) this.flush("idle");
        else this.schedule();
      });
    this.schedule();
  }
}

function callerWentAway(): AppError {
  return new AppError("CLIENT_CLOSED_REQUEST", "the caller closed the connection before its answer");
}
