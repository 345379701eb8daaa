import { randomUUID } from "node:crypto";
import { AppError } from "@/server/domain/app-error";
import type { HeldTensor } from "@/server/domain/inference/datatypes";
import type { PendingRequests, InferenceTarget } from "@/server/gateway/choose-target";
import { primaryVersionOf, type CachedDeployment } from "@/server/gateway/deployment-cache";
import type { Execution, TargetExecutor } from "@/server/gateway/execute-target";
import type { PredictionSampler } from "@/server/gateway/prediction-sampler";
import type { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import type { ErrorKind, RequestObservation, ServingRole } from "@/server/contracts/live-counters";
import type { TrafficCounters } from "@/server/gateway/traffic-counters";
import { getLogger } from "@/server/logger";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";

export interface InferenceObserverDeps {
  counters: TrafficCounters;
  sampler: PredictionSampler;
  shadows: ShadowRecorder;
  /** Shadow copies run through the same batchers as callers' requests. */
  executor: TargetExecutor;
  pending: PendingRequests;
}

/** What the gateway learns from requests it served: counters, the prediction log, shadow comparisons. */
export class InferenceObserver {
  constructor(private readonly deps: InferenceObserverDeps) {}

  /**
   * Every caller's request counts, failed ones too: deadlines and queue failures are this version's
   * errors, counted with their latency from the first bytes (`endToEndUs`). The deployment's
   * admission limit follows the execution's latency of the answered and the timed out.
   */
  served(target: InferenceTarget, execution: Execution, endToEndUs: number): void {
    this.deps.counters.record(
      target.deployment,
      target.version.versionNumber,
      trafficObservation(target.version.versionId, "primary", execution, endToEndUs),
    );
    if (execution.ok && execution.answer.result.ok)
      this.deps.sampler.offer(target, execution.answer.result.outputs, endToEndUs);
    if (execution.ok || (execution.error instanceof AppError && execution.error.code === "DEADLINE_EXCEEDED"))
      this.deps.pending.recordLatency(
        target.deployment,
        execution.latencyUs / 1_000,
        target.batchRows,
        performance.now(),
      );
  }

  /**
   * A request refused or failed before it had a target (its body, its headers, the deployment's
   * limit): counted under the version it named, else the deployment's primary version (the one
   * with the largest share), since no version was chosen for it.
   */
  refused(deployment: CachedDeployment, pinnedVersion: ServingVersion | null, kind: ErrorKind): void {
    const version = pinnedVersion ?? primaryVersionOf(deployment);
    this.deps.counters.record(deployment, version.versionNumber, {
      versionId: version.versionId,
      role: "primary",
      error: kind,
      latencyUs: 0,
      ran: null,
    });
  }

  /** Shadows never delay or fail the primary: they run after it answered and only while there is room. */
  shadowAfterAnswer(
    target: InferenceTarget,
    primary: { outputs: HeldTensor[]; latencyUs: number },
    timeoutMs: number,
  ): void {
    setImmediate(() => this.shadow(target, primary, timeoutMs));
  }

  private shadow(
    { deployment, request, batchRows }: InferenceTarget,
    primary: { outputs: HeldTensor[]; latencyUs: number },
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
          this.deps.counters.record(
            deployment,
            version.versionNumber,
            trafficObservation(version.versionId, "shadow", outcome),
          );
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

/**
 * The counters' view of one execution; one that never ran (deadline, queue down) has no batch.
 * Its latency is the execution's unless given (a caller's request counts from its first bytes).
 */
export function trafficObservation(
  versionId: string,
  role: ServingRole,
  execution: Execution,
  latencyUs = execution.latencyUs,
): RequestObservation {
  if (!execution.ok)
    return {
      versionId,
      role,
      error: errorKindOf(execution.error),
      latencyUs,
      ran: null,
    };
  const { result, job } = execution.answer;
  return {
    versionId,
    role,
    error: result.ok ? null : "modelError",
    latencyUs,
    ran: { rows: job.batchRows, queueWaitUs: job.queueWaitUs, computeUs: job.computeUs },
  };
}

/** How a failure is charted: the caller's input, overload, a passed deadline, or the service. */
export function errorKindOf(error: unknown): ErrorKind {
  if (!(error instanceof AppError)) return "unavailable";
  switch (error.code) {
    // A version the deployment does not serve (NOT_FOUND) is the caller's mistake, like a bad body.
    case "BAD_REQUEST":
    case "NOT_FOUND":
    case "PAYLOAD_TOO_LARGE":
    case "UNSUPPORTED_MEDIA_TYPE":
    case "UNPROCESSABLE":
      return "badInput";
    case "TOO_MANY_REQUESTS":
      return "overload";
    case "DEADLINE_EXCEEDED":
      return "deadline";
    default:
      return "unavailable";
  }
}
