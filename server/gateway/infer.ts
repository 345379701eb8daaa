import type { HeldTensor } from "@/server/domain/inference/datatypes";
import type { BinaryOutputChoice } from "@/server/domain/inference/v2-binary-tensors";
import type { ErrorKind } from "@/server/contracts/live-counters";
import {
  chooseTarget,
  PendingRequests,
  type InferenceCall,
  type PendingLimits,
} from "@/server/gateway/choose-target";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import { TargetExecutor } from "@/server/gateway/execute-target";
import type { JobDispatcher } from "@/server/gateway/job-dispatcher";
import { errorKindOf, InferenceObserver } from "@/server/gateway/observe-inference";
import type { PredictionSampler } from "@/server/gateway/prediction-sampler";
import type { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import type { TrafficCounters } from "@/server/gateway/traffic-counters";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";

/** Where an answered request's time went, for the `server-timing` header (all in µs). */
export interface InferenceTiming {
  /** Routing, parsing the tensors against the signature and admission. */
  targetUs: number;
  /** From the target to the answer: batching, the queue, the worker and the reply. */
  executionUs: number;
  queueWaitUs: number;
  computeUs: number;
}

/** What the model answered, for the front end to encode (the V2 REST response over HTTP). */
export type InferenceResult = {
  deploymentName: string;
  versionNumber: number;
  revisionNumber: number;
  /** The caller's own request id, echoed back. */
  callerId: string | undefined;
  timing: InferenceTiming;
} & ({ ok: true; outputs: HeldTensor[]; binaryOutputs: BinaryOutputChoice } | { ok: false; message: string });

/**
 * The inference path, free of any transport: choose a target (route, validate, admit), execute
 * it (batch into a job, await it with a deadline), observe it (counters, then shadow copies).
 * Refusals and failures are thrown: AppError for the input, admission, deadline or an unavailable
 * queue; anything else is unexpected.
 */
export class InferenceService {
  private readonly pending: PendingRequests;
  private readonly executor: TargetExecutor;
  private readonly observer: InferenceObserver;

  constructor(
    dispatcher: JobDispatcher,
    counters: TrafficCounters,
    sampler: PredictionSampler,
    shadows: ShadowRecorder,
    limits: PendingLimits,
  ) {
    this.pending = new PendingRequests(limits);
    this.executor = new TargetExecutor(dispatcher, (deployment, version, reason) =>
      counters.recordJobRelease(deployment, version, reason),
    );
    this.observer = new InferenceObserver({
      counters,
      sampler,
      shadows,
      executor: this.executor,
      pending: this.pending,
    });
  }

  /** Why a request to a loaded deployment is refused before its body is read (429, counted), or null. */
  refusalOnArrival(deployment: CachedDeployment): string | null {
    const refusal = this.pending.refusalOnArrival(deployment);
    if (refusal !== null) this.observer.refused(deployment, null, "overload");
    return refusal;
  }

  /** Rows in flight per deployment name (its queue in this gateway), for the gateway's gauge. */
  pendingRows(): Iterable<[name: string, rows: number]> {
    return this.pending.rowsByDeployment();
  }

  /** Counts a request to a loaded deployment that failed before it reached `infer` (its body, its headers). */
  refused(deployment: CachedDeployment, pinnedVersion: ServingVersion | null, kind: ErrorKind): void {
    this.observer.refused(deployment, pinnedVersion, kind);
  }

  async infer(call: InferenceCall): Promise<InferenceResult> {
    const startedNs = process.hrtime.bigint();
    let target;
    try {
      target = chooseTarget(call, this.pending);
    } catch (error) {
      this.observer.refused(call.deployment, call.pinnedVersion, errorKindOf(error));
      throw error;
    }
    const targetUs = Number(process.hrtime.bigint() - startedNs) / 1_000;
    const { execution, jobDone } = this.executor.execute(
      target,
      { atMs: call.receivedAtMs + call.timeoutMs, timeoutMs: call.timeoutMs },
      call.callerGone,
    );
    void jobDone.then(target.release);
    const outcome = await execution;
    // A caller that went away is nobody's error: its request is not counted.
    // Counted end to end, from the first bytes: parsing and validation are part of what callers wait for.
    const endToEndUs = (performance.now() - call.receivedAtPerfMs) * 1_000;
    if (!call.callerGone?.aborted) this.observer.served(target, outcome, endToEndUs);
    if (!outcome.ok) throw outcome.error;

    const { deployment, version } = target;
    const answered = {
      deploymentName: deployment.name,
      versionNumber: version.versionNumber,
      revisionNumber: deployment.revisionNumber,
      callerId: target.callerId,
    };
    const { result, job } = outcome.answer;
    const timing: InferenceTiming = {
      targetUs,
      executionUs: outcome.latencyUs,
      queueWaitUs: job.queueWaitUs,
      computeUs: job.computeUs,
    };
    if (!result.ok) {
      return {
        ...answered,
        timing,
        ok: false,
        message: `model '${deployment.name}' v${version.versionNumber} could not run this input: ${result.error}`,
      };
    }
    if (target.shadowed)
      this.observer.shadowAfterAnswer(
        target,
        { outputs: result.outputs, latencyUs: outcome.latencyUs },
        call.timeoutMs,
      );
    return { ...answered, timing, ok: true, outputs: result.outputs, binaryOutputs: target.binaryOutputs };
  }
}
