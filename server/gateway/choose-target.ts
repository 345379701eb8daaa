import { randomUUID } from "node:crypto";
import { AppError } from "@/server/domain/app-error";
import { parseInferRequest } from "@/server/domain/inference/v2-infer-request";
import type { ServingRequest } from "@/server/contracts/serving";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";

/** A single request may carry many rows; the body limit bounds it first. */
const MAX_ROWS_PER_REQUEST = 65_536;

/** One inference request as any front end (HTTP today, streams later) hands it to the gateway. */
export interface InferenceCall {
  deployment: CachedDeployment;
  /** Set when the caller names a version (…/versions/{v}/infer): no routing, no shadows. */
  pinnedVersion: ServingVersion | null;
  body: unknown;
  stickyKey: string | null;
  /** When the request's bytes started arriving (epoch ms): its deadline counts from here, not from parsing. */
  receivedAtMs: number;
  timeoutMs: number;
  /** Aborts when the caller closes its connection before the answer. */
  callerGone?: AbortSignal;
}

/** Where a request goes, validated and admitted: what the executor runs and the observers see. */
export interface InferenceTarget {
  deployment: CachedDeployment;
  version: ServingVersion;
  /** The job's request: inputs checked against this version's signature, a fresh request id. */
  request: ServingRequest;
  batchRows: number;
  /** The caller's own request id (V2 `id`), echoed in the answer. */
  callerId: string | undefined;
  /** Routed requests are copied to the revision's shadows; pinned ones are not. */
  shadowed: boolean;
  /** Frees the admission slot; call it when the job ends, which may be after the caller's deadline. */
  release: () => void;
}

/**
 * Route (unless pinned), validate against the chosen version's signature, then admit. Throws
 * AppError: BAD_REQUEST or PAYLOAD_TOO_LARGE for the input, TOO_MANY_REQUESTS when full.
 */
export function chooseTarget(call: InferenceCall, pending: PendingRequests): InferenceTarget {
  const { deployment } = call;
  const version = call.pinnedVersion ?? routedVersion(deployment, routingKeyOf(call.stickyKey, call.body));
  const parsed = parseInferRequest(call.body, version.signature, { maxBatchRows: MAX_ROWS_PER_REQUEST });
  const release = pending.admit(deployment);
  return {
    deployment,
    version,
    request: { requestId: randomUUID(), inputs: parsed.inputs, outputNames: parsed.outputNames },
    batchRows: parsed.batchRows,
    callerId: parsed.id,
    shadowed: call.pinnedVersion === null,
    release,
  };
}

/** The sticky key, else the caller's request id, so a retried request lands where it did; else random. */
export function routingKeyOf(stickyKey: string | null, body: unknown): string | null {
  if (stickyKey !== null) return stickyKey;
  const id = typeof body === "object" && body !== null ? (body as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : null;
}

function routedVersion(deployment: CachedDeployment, routingKey: string | null): ServingVersion {
  const chosen = deployment.routing.choose(routingKey);
  // The loader puts every weighted version of the revision in `versions`.
  return deployment.versions.get(chosen.versionId)!;
}

/**
 * Requests of each deployment that hold a worker or wait for one. Past the limit a deployment
 * refuses at once (429 over HTTP) rather than queueing without bound.
 */
export class PendingRequests {
  private readonly byDeployment = new Map<string, number>();

  constructor(private readonly maxPendingPerDeployment: number) {}

  /** Counts one more request until the returned release runs (once; later calls do nothing). */
  admit(deployment: { id: string; name: string }): () => void {
    const pending = this.count(deployment.id);
    if (pending >= this.maxPendingPerDeployment) {
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `deployment '${deployment.name}' has ${pending} requests waiting, its limit; retry later`,
        { retryAfterSeconds: 1 },
      );
    }
    this.byDeployment.set(deployment.id, pending + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(deployment.id) - 1;
      if (left > 0) this.byDeployment.set(deployment.id, left);
      else this.byDeployment.delete(deployment.id);
    };
  }

  count(deploymentId: string): number {
    return this.byDeployment.get(deploymentId) ?? 0;
  }

  /** Shadow copies run only while a deployment is at most half full, so they never crowd out callers. */
  hasRoomForShadows(deploymentId: string): boolean {
    return this.count(deploymentId) <= this.maxPendingPerDeployment / 2;
  }
}
