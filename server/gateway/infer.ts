import { randomUUID } from "node:crypto";
import { AppError } from "@/server/domain/app-error";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { parseInferRequest } from "@/server/domain/inference/v2-infer-request";
import { inferResponse } from "@/server/domain/inference/v2-responses";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import type { JobDispatcher } from "@/server/gateway/job-dispatcher";
import type { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import type { TrafficCounters } from "@/server/gateway/traffic-counters";
import { VersionBatcher, type BatchedAnswer } from "@/server/gateway/version-batcher";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";
import type { ServingRequest } from "@/server/contracts/serving";
import { getLogger } from "@/server/logger";

/** A single request may carry many rows; the body limit bounds it first. */
const MAX_ROWS_PER_REQUEST = 65_536;

export interface InferenceCall {
  deployment: CachedDeployment;
  /** Set when the path names a version (…/versions/{v}/infer): no routing, no shadows. */
  pinnedVersion: ServingVersion | null;
  body: unknown;
  stickyKey: string | null;
  timeoutMs: number;
}

export interface InferenceAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * The inference path: route, validate against the chosen version's signature, batch into a
 * job, await it with a deadline, answer, then copy the request to shadow versions.
 */
export class InferenceService {
  private readonly batchers = new Map<
    string,
    { batcher: VersionBatcher; settings: { maxBatchSize: number; maxQueueDelayMs: number } }
  >();
  private readonly pendingByDeployment = new Map<string, number>();

  constructor(
    private readonly dispatcher: JobDispatcher,
    private readonly counters: TrafficCounters,
    private readonly shadows: ShadowRecorder,
    private readonly limits: { maxPendingPerDeployment: number; jobTimeoutMs: number },
  ) {}

  async infer(call: InferenceCall): Promise<InferenceAnswer> {
    const { deployment } = call;
    const version = this.chooseVersion(call);
    const parsed = parseInferRequest(call.body, version.signature, { maxBatchRows: MAX_ROWS_PER_REQUEST });
    const pending = this.pendingByDeployment.get(deployment.id) ?? 0;
    if (pending >= this.limits.maxPendingPerDeployment) {
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `deployment '${deployment.name}' has ${pending} requests waiting, its limit; retry later`,
        { retryAfterSeconds: 1 },
      );
    }
    const request: ServingRequest = {
      requestId: randomUUID(),
      inputs: parsed.inputs,
      outputNames: parsed.outputNames,
    };
    const startedNs = process.hrtime.bigint();
    this.pendingByDeployment.set(deployment.id, pending + 1);
    const submitted = this.batcherFor(deployment, version).submit(request, parsed.batchRows);
    // A request past its deadline still occupies a worker until its job ends: it counts until then.
    submitted
      .catch(() => undefined)
      .finally(() =>
        this.pendingByDeployment.set(deployment.id, (this.pendingByDeployment.get(deployment.id) ?? 1) - 1),
      );
    let answer: BatchedAnswer;
    try {
      answer = await withDeadline(submitted, call.timeoutMs);
    } catch (error) {
      // Deadlines and queue failures are errors of this version too, for the counters.
      const latencyUs = Number(process.hrtime.bigint() - startedNs) / 1_000;
      this.counters.record({
        deploymentId: deployment.id,
        versionId: version.versionId,
        ok: false,
        latencyUs,
        queueWaitUs: 0,
        computeUs: 0,
        batchRows: 0,
      });
      throw error;
    }
    const latencyUs = Number(process.hrtime.bigint() - startedNs) / 1_000;
    this.counters.record({
      deploymentId: deployment.id,
      versionId: version.versionId,
      ok: answer.result.ok,
      latencyUs,
      queueWaitUs: answer.job.queueWaitUs,
      computeUs: answer.job.computeUs,
      batchRows: answer.job.batchRows,
    });
    const headers = {
      "x-model-version": String(version.versionNumber),
      "x-revision": String(deployment.revisionNumber),
    };
    if (!answer.result.ok) {
      return {
        status: 400,
        body: {
          error: `model '${deployment.name}' v${version.versionNumber} could not run this input: ${answer.result.error}`,
        },
        headers,
      };
    }
    const outputs = answer.result.outputs;
    if (call.pinnedVersion === null)
      setImmediate(() =>
        this.shadow(deployment, request, parsed.batchRows, outputs, latencyUs, call.timeoutMs),
      );
    return {
      status: 200,
      body: inferResponse({
        modelName: deployment.name,
        modelVersion: String(version.versionNumber),
        id: parsed.id,
        outputs,
      }),
      headers,
    };
  }

  private chooseVersion({ deployment, pinnedVersion, stickyKey, body }: InferenceCall): ServingVersion {
    if (pinnedVersion) return pinnedVersion;
    const requestId =
      typeof body === "object" && body !== null && typeof (body as { id?: unknown }).id === "string"
        ? (body as { id: string }).id
        : null;
    const chosen = deployment.routing.choose(stickyKey ?? requestId);
    return deployment.versions.get(chosen.versionId)!;
  }

  private batcherFor(deployment: CachedDeployment, version: ServingVersion): VersionBatcher {
    const key = `${deployment.id}:${version.versionId}`;
    let entry = this.batchers.get(key);
    if (!entry) {
      const settings = { maxBatchSize: deployment.maxBatchSize, maxQueueDelayMs: deployment.maxQueueDelayMs };
      const batcher = new VersionBatcher(
        (requests) =>
          this.dispatcher.dispatch(
            {
              deploymentId: deployment.id,
              versionId: version.versionId,
              artifactSha256: version.artifactSha256,
              device: deployment.device,
              requests,
              enqueuedAtMs: Date.now(),
            },
            this.limits.jobTimeoutMs,
          ),
        () => settings,
      );
      entry = { batcher, settings };
      this.batchers.set(key, entry);
    }
    // Settings follow the deployment as it is reloaded after a change.
    entry.settings.maxBatchSize = deployment.maxBatchSize;
    entry.settings.maxQueueDelayMs = deployment.maxQueueDelayMs;
    return entry.batcher;
  }

  /** Shadows never delay or fail the primary: they run after it answered and only while there is room. */
  private shadow(
    deployment: CachedDeployment,
    request: ServingRequest,
    rows: number,
    primaryOutputs: WireTensor[],
    primaryLatencyUs: number,
    timeoutMs: number,
  ): void {
    if ((this.pendingByDeployment.get(deployment.id) ?? 0) > this.limits.maxPendingPerDeployment / 2) return;
    for (const shadowRef of deployment.target.shadows) {
      const version = deployment.versions.get(shadowRef.versionId);
      if (!version) continue;
      const startedNs = process.hrtime.bigint();
      withDeadline(
        this.batcherFor(deployment, version).submit({ ...request, requestId: randomUUID() }, rows),
        timeoutMs,
      )
        .then((answer) => {
          const latencyUs = Number(process.hrtime.bigint() - startedNs) / 1_000;
          this.counters.record({
            deploymentId: deployment.id,
            versionId: version.versionId,
            ok: answer.result.ok,
            latencyUs,
            queueWaitUs: answer.job.queueWaitUs,
            computeUs: answer.job.computeUs,
            batchRows: answer.job.batchRows,
          });
          if (answer.result.ok)
            this.shadows.record(
              deployment.id,
              version.versionId,
              { outputs: primaryOutputs, latencyUs: primaryLatencyUs },
              { outputs: answer.result.outputs, latencyUs },
            );
        })
        .catch((error: Error) =>
          getLogger().warn(
            {
              component: "gateway",
              deployment: deployment.name,
              versionNumber: version.versionNumber,
              err: error,
            },
            "shadow request failed",
          ),
        );
    }
  }
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError("DEADLINE_EXCEEDED", `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
