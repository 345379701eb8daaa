import type { WireTensor } from "@/server/domain/inference/datatypes";
import {
  chooseTarget,
  PendingRequests,
  type InferenceCall,
  type PendingLimits,
} from "@/server/gateway/choose-target";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import { TargetExecutor } from "@/server/gateway/execute-target";
import type { JobDispatcher } from "@/server/gateway/job-dispatcher";
import { InferenceObserver } from "@/server/gateway/observe-inference";
import type { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import type { TrafficCounters } from "@/server/gateway/traffic-counters";

/** What the model answered, for the front end to encode (the V2 REST response over HTTP). */
export type InferenceResult = {
  deploymentName: string;
  versionNumber: number;
  revisionNumber: number;
  /** The caller's own request id, echoed back. */
  callerId: string | undefined;
} & ({ ok: true; outputs: WireTensor[] } | { ok: false; message: string });

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
    shadows: ShadowRecorder,
    limits: PendingLimits,
  ) {
    this.pending = new PendingRequests(limits);
    this.executor = new TargetExecutor(dispatcher);
    this.observer = new InferenceObserver({
      counters,
      shadows,
      executor: this.executor,
      pending: this.pending,
    });
  }

  /** Why a request to a loaded deployment is refused before its body is read (429), or null. */
  refusalOnArrival(deployment: CachedDeployment): string | null {
    return this.pending.refusalOnArrival(deployment);
  }

  async infer(call: InferenceCall): Promise<InferenceResult> {
    const target = chooseTarget(call, this.pending);
    const { execution, jobDone } = this.executor.execute(
      target,
      { atMs: call.receivedAtMs + call.timeoutMs, timeoutMs: call.timeoutMs },
      call.callerGone,
    );
    void jobDone.then(target.release);
    const outcome = await execution;
    // A caller that went away is nobody's error: its request is not counted.
    if (!call.callerGone?.aborted) this.observer.served(target, outcome);
    if (!outcome.ok) throw outcome.error;

    const { deployment, version } = target;
    const answered = {
      deploymentName: deployment.name,
      versionNumber: version.versionNumber,
      revisionNumber: deployment.revisionNumber,
      callerId: target.callerId,
    };
    const { result } = outcome.answer;
    if (!result.ok) {
      return {
        ...answered,
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
    return { ...answered, ok: true, outputs: result.outputs };
  }
}
