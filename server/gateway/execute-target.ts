import { AppError } from "@/server/domain/app-error";
import { withTimeout } from "@/server/with-timeout";
import type { BatchReleaseReason } from "@/server/contracts/live-counters";
import type { ServingRequest } from "@/server/contracts/serving";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import type { JobDispatcher } from "@/server/gateway/job-dispatcher";
import { VersionBatcher, type BatchedAnswer } from "@/server/gateway/version-batcher";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";

/** When a request's caller stops waiting: `timeoutMs` after its bytes started arriving (`atMs`, epoch ms). */
export interface Deadline {
  atMs: number;
  timeoutMs: number;
}

/** What one run of a target came to, with the time the caller waited for it either way. */
export type Execution =
  { ok: true; answer: BatchedAnswer; latencyUs: number } | { ok: false; error: Error; latencyUs: number };

export interface ExecutionTarget {
  deployment: CachedDeployment;
  version: ServingVersion;
  request: ServingRequest;
  batchRows: number;
}

/**
 * Runs requests on model versions: one batcher per version, each request bounded by its deadline,
 * which its job carries to the worker (past it the worker drops the job instead of running it).
 */
export class TargetExecutor {
  private readonly batchers = new Map<
    string,
    { batcher: VersionBatcher; settings: { maxBatchSize: number; maxQueueDelayMs: number } }
  >();

  constructor(
    private readonly dispatcher: JobDispatcher,
    /** Each job a batcher sends, and why it left (TrafficCounters.recordJobRelease). */
    private readonly onJobRelease: (
      deployment: CachedDeployment,
      version: ServingVersion,
      reason: BatchReleaseReason,
    ) => void = () => undefined,
  ) {}

  /**
   * `execution` settles when the answer comes or the deadline passes, whichever is
   * first; `jobDone` when the job itself ends, since a request past its deadline may still hold a
   * worker. A request whose deadline passed before it got here (a slow body) is not sent at all;
   * one whose `callerGone` aborts is withdrawn where it still can be (see VersionBatcher.submit).
   */
  execute(
    target: ExecutionTarget,
    deadline: Deadline,
    callerGone?: AbortSignal,
  ): { execution: Promise<Execution>; jobDone: Promise<void> } {
    const startedNs = process.hrtime.bigint();
    const remainingMs = deadline.atMs - Date.now();
    // Made only when the deadline passes: an Error captures a stack trace, which per request cost
    // the gateway about 6% of its CPU in the serving bench.
    const exceeded = () => new AppError("DEADLINE_EXCEEDED", `no answer within ${deadline.timeoutMs} ms`);
    const submitted =
      remainingMs > 0
        ? this.batcherFor(target.deployment, target.version).submit(
            target.request,
            target.batchRows,
            deadline.atMs,
            callerGone,
          )
        : Promise.reject(exceeded());
    const jobDone = submitted.then(
      () => undefined,
      () => undefined,
    );
    // Past its deadline already, `submitted` is the rejection: nothing to time.
    const bounded = remainingMs > 0 ? withTimeout(submitted, remainingMs, exceeded) : submitted;
    const execution = bounded.then(
      (answer): Execution => ({ ok: true, answer, latencyUs: elapsedUs(startedNs) }),
      (error: Error): Execution => ({ ok: false, error, latencyUs: elapsedUs(startedNs) }),
    );
    return { execution, jobDone };
  }

  private batcherFor(deployment: CachedDeployment, version: ServingVersion): VersionBatcher {
    const key = `${deployment.id}:${version.versionId}`;
    let entry = this.batchers.get(key);
    if (!entry) {
      const settings = { maxBatchSize: deployment.maxBatchSize, maxQueueDelayMs: deployment.maxQueueDelayMs };
      const batcher = new VersionBatcher(
        (requests, deadlineAtMs, cancelled) =>
          this.dispatcher.dispatch(
            {
              deploymentId: deployment.id,
              versionId: version.versionId,
              deploymentName: deployment.name,
              versionNumber: version.versionNumber,
              artifactSha256: version.artifactSha256,
              device: deployment.device,
              requests,
              enqueuedAtMs: Date.now(),
              deadlineAtMs,
            },
            cancelled,
          ),
        () => settings,
        (reason) => this.onJobRelease(deployment, version, reason),
      );
      entry = { batcher, settings };
      this.batchers.set(key, entry);
    }
    // Settings follow the deployment as it is reloaded after a change.
    entry.settings.maxBatchSize = deployment.maxBatchSize;
    entry.settings.maxQueueDelayMs = deployment.maxQueueDelayMs;
    return entry.batcher;
  }
}

function elapsedUs(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1_000;
}
