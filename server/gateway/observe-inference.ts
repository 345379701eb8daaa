import { randomUUID } from "node:crypto";
import { AppError } from "@/server/domain/app-error";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import type { PendingRequests, InferenceTarget } from "@/server/gateway/choose-target";
import type { Execution, TargetExecutor } from "@/server/gateway/execute-target";
import type { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import type { InferenceObservation, TrafficCounters } from "@/server/gateway/traffic-counters";
import { getLogger } from "@/server/logger";

export interface InferenceObserverDeps {
  counters: TrafficCounters;
  shadows: ShadowRecorder;
  /** Shadow copies run through the same batchers as callers' requests. */
  executor: TargetExecutor;
  pending: PendingRequests;
}

/** What the gateway learns from requests it served: traffic counters and shadow comparisons. */
export class InferenceObserver {
  constructor(private readonly deps: InferenceObserverDeps) {}

  /**
   * Every caller's request counts, failed ones too: deadlines and queue failures are this version's
   * errors. The deployment's admission limit follows the latency of the answered and the timed out.
   */
  served(target: InferenceTarget, execution: Execution): void {
    this.deps.counters.record(trafficObservation(target.deployment.id, target.version.versionId, execution));
    if (execution.ok || (execution.error instanceof AppError && execution.error.code === "DEADLINE_EXCEEDED"))
      this.deps.pending.recordLatency(
        target.deployment,
        execution.latencyUs / 1_000,
        target.batchRows,
        performance.now(),
      );
  }

  /** Shadows never delay or fail the primary: they run after it answered and only while there is room. */
  shadowAfterAnswer(
    target: InferenceTarget,
    primary: { outputs: WireTensor[]; latencyUs: number },
    timeoutMs: number,
  ): void {
    setImmediate(() => this.shadow(target, primary, timeoutMs));
  }

  private shadow(
    { deployment, request, batchRows }: InferenceTarget,
    primary: { outputs: WireTensor[]; latencyUs: number },
    timeoutMs: number,
  ): void {
    if (!this.deps.pending.hasRoomForShadows(deployment)) return;
    for (const shadowRef of deployment.target.shadows) {
      const version = deployment.versions.get(shadowRef.versionId);
      if (!version) continue;
      const { execution } = this.deps.executor.execute(
        { deployment, version, request: { ...request, requestId: randomUUID() }, batchRows },
        // A shadow copy starts its own clock: it runs after the caller was answered.
        { atMs: Date.now() + timeoutMs, timeoutMs },
      );
      execution
        .then((outcome) => {
          // A shadow that failed to run is only logged: its counters are for requests it answered.
          if (!outcome.ok) throw outcome.error;
          this.deps.counters.record(trafficObservation(deployment.id, version.versionId, outcome));
          if (outcome.answer.result.ok)
            this.deps.shadows.record(deployment.id, version.versionId, primary, {
              outputs: outcome.answer.result.outputs,
              latencyUs: outcome.latencyUs,
            });
        })
        .catch((error: Error) =>
          getLogger().warn(
            { deploymentId: deployment.id, versionId: version.versionId, err: error },
            `shadow v${version.versionNumber} of ${deployment.name}: ${error.message}`,
          ),
        );
    }
  }
}

/** The counters' view of one execution; one that never ran (deadline, queue down) has no batch. */
export function trafficObservation(
  deploymentId: string,
  versionId: string,
  execution: Execution,
): InferenceObservation {
  if (!execution.ok)
    return {
      deploymentId,
      versionId,
      ok: false,
      latencyUs: execution.latencyUs,
      queueWaitUs: 0,
      computeUs: 0,
      batchRows: 0,
    };
  const { result, job } = execution.answer;
  return {
    deploymentId,
    versionId,
    ok: result.ok,
    latencyUs: execution.latencyUs,
    queueWaitUs: job.queueWaitUs,
    computeUs: job.computeUs,
    batchRows: job.batchRows,
  };
}
