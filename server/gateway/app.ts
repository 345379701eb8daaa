import { randomBytes } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from "fastify";
import { AppError, internalErrorMessage } from "@/server/domain/app-error";
import type { GatewayAdmission } from "@/server/gateway/admission";
import { answerOversizedBody, MAX_DISCARDED_BODY_BYTES } from "@/server/gateway/answer-oversized-body";
import { answerRaw } from "@/server/gateway/answer-raw";
import { callerOf, teamIdOf, type ApiKeyAuth } from "@/server/gateway/api-key-auth";
import { INNER_CALL_HEADER, registerAsyncTasks } from "@/server/gateway/async-tasks";
import {
  errorBody,
  inferResponse,
  jsonInferResponse,
  modelMetadataResponse,
} from "@/server/domain/inference/v2-responses";
import {
  BINARY_CONTENT_TYPE,
  BINARY_TENSOR_EXTENSION,
  encodeBinaryResponse,
  INFERENCE_HEADER_LENGTH,
  splitBinaryBody,
} from "@/server/domain/inference/v2-binary-tensors";
import {
  formatServerTiming,
  formatTraceParent,
  parseTraceParent,
} from "@/server/domain/inference/trace-context";
import type { ErrorKind } from "@/server/contracts/live-counters";
import {
  primaryVersionOf,
  type CachedDeployment,
  type DeploymentCache,
} from "@/server/gateway/deployment-cache";
import type { InferenceService, InferenceTiming } from "@/server/gateway/infer";
import { errorKindOf } from "@/server/gateway/observe-inference";
import type { GatewayMetrics } from "@/server/metrics/gateway-metrics";
import { noWorkerMessage, type JobDispatcher } from "@/server/gateway/job-dispatcher";
import { answerFeedback } from "@/server/gateway/feedback-route";
import { answeredLogLevel, logUnexpectedError, type Logger } from "@/server/logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/server/request-id";

export interface GatewayDeps {
  /** Who calls a model or task route: the API key's team and scope, or the default team. */
  auth: ApiKeyAuth;
  cache: DeploymentCache;
  inference: InferenceService;
  dispatcher: JobDispatcher;
  /** Refuses requests on arrival while the gateway itself is full (health checks and metrics never are). */
  admission: GatewayAdmission;
  /** Served on GET /metrics in Prometheus's text format. */
  metrics: GatewayMetrics;
  /** What serving needs (Redis, live deployment updates) decides `ready`; Postgres is only reported. */
  readiness: () => Promise<GatewayReadiness>;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** Headers and body must arrive within this: a slow body gets 408 and its socket is closed. */
  receiveTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed (longer than any answer wait). */
  idleSocketTimeoutMs: number;
  keepAliveTimeoutMs: number;
  log: Logger;
}

export interface GatewayReadiness {
  ready: boolean;
  redis: "up" | "down";
  /** Serving does not read Postgres for cached deployments: down here does not make a gateway unready. */
  postgres: "up" | "down";
  /** Whether deployment changes reach this gateway (the pub/sub subscription is active). */
  deploymentChanges: "live" | "down";
  /** Whether API key revocations reach this gateway (its cached keys are dropped at once). */
  apiKeyRevocations: "live" | "down";
}

interface ModelParams {
  name: string;
  version?: string;
}

/** The Open Inference Protocol (KServe v2) REST API; {name} is the deployment. */
export function buildGateway(deps: GatewayDeps) {
  const app = Fastify({
    bodyLimit: deps.maxBodyBytes,
    requestTimeout: deps.receiveTimeoutMs,
    connectionTimeout: deps.idleSocketTimeoutMs,
    keepAliveTimeout: deps.keepAliveTimeoutMs,
    // Slow headers: Node looks for requests past these every 30 s unless told, so a slow client
    // would hold its socket up to 30 s past the timeout. Slow bodies: the onRequest hook below.
    http: {
      headersTimeout: deps.receiveTimeoutMs,
      requestTimeout: deps.receiveTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, deps.receiveTimeoutMs / 10)),
    },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, deps),
    // `/v2/models/foo/infer/` is `/v2/models/foo/infer`: a client that adds the slash is served.
    routerOptions: { ignoreTrailingSlash: true },
    loggerInstance: deps.log,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    // One line per request from the onResponse hook below, at a level that follows the status.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorateRequest("caller", null);
  // Fastify reads text/plain as a string, which no route takes: refused as a content type instead.
  app.removeContentTypeParser("text/plain");
  // Marks the calls the gateway makes to itself for async tasks: their caller was counted on arrival.
  const innerCallToken = randomBytes(16).toString("hex");

  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (!isAlwaysAdmitted(request.routeOptions.url) && !deps.admission.admit(request, reply)) return reply;
    if (needsCaller(request.routeOptions.url)) {
      request.caller = await deps.auth.callerOf(request.headers, {
        deploymentName: (request.params as Partial<ModelParams>).name,
        counted: request.headers[INNER_CALL_HEADER] === innerCallToken,
      });
    }
    const refusal = refusalOnArrival(request, deps);
    if (refusal !== null) {
      deps.admission.refuse(request, reply, { status: 429, message: refusal });
      return reply;
    }
    // Node's request timeout stops counting once the headers are in and the request is handed
    // over, so a body trickled a byte at a time would hold the socket forever: it gets its own.
    const timer = setTimeout(() => {
      if (request.raw.complete || reply.sent) return;
      request.log.info({ receiveTimeoutMs: deps.receiveTimeoutMs }, "request body too slow: 408");
      countRefused(request, deps, "badInput");
      answerRaw(request, reply, {
        status: 408,
        message: receiveTimeoutMessage(deps.receiveTimeoutMs),
        headers: { connection: "close" },
        onSent: () => request.raw.socket.destroy(),
      });
    }, deps.receiveTimeoutMs);
    reply.raw.once("close", () => clearTimeout(timer));
  });
  app.addHook("onResponse", async (request, reply) => {
    const level = answeredLogLevel(reply.statusCode);
    if (!deps.log.isLevelEnabled(level) || deps.admission.refused(request)) return;
    request.log[level](
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request answered",
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const fastifyError = error as { statusCode?: number; code?: string; message: string };
    // Fastify's own refusals (body too large, not JSON, wrong content type) come before the route's
    // handler, so the inference path never saw them: counted here, once.
    if (
      !(error instanceof AppError) &&
      fastifyError.code?.startsWith("FST_") &&
      (fastifyError.statusCode ?? 500) < 500
    )
      countRefused(request, deps, "badInput");
    if (error instanceof AppError) {
      if (error.httpStatus >= 500) request.log.warn({ err: error }, `answered ${error.httpStatus}`);
      return reply.code(error.httpStatus).headers(error.headers).send(errorBody(error.message));
    }
    if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return answerOversizedBody(request, reply, {
        message: `the body is over the ${deps.maxBodyBytes} byte limit`,
        maxDiscardedBytes: MAX_DISCARDED_BODY_BYTES,
      });
    }
    // Fastify 5's JSON parser drops the SyntaxError's detail and throws this code instead.
    if (fastifyError.code === "FST_ERR_CTP_INVALID_JSON_BODY")
      return reply.code(400).send(errorBody("the body is not valid JSON"));
    if (fastifyError.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      const type = request.headers["content-type"];
      const problem = type ? `content-type '${type}' is not supported` : "the body has no content-type";
      const accepted = isInferRoute(request) ? INFER_CONTENT_TYPES : ACCEPTED_CONTENT_TYPES;
      return reply.code(415).send(errorBody(`${problem}; send ${accepted}`));
    }
    // Fastify's own refusals of a request (bad header, empty JSON body) name what is wrong with it.
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500)
      return reply.code(fastifyError.statusCode).send(errorBody(fastifyError.message));
    // Anything else nobody planned for: the client gets a reference, the log gets the error.
    const referenceId = logUnexpectedError(error, {
      component: "gateway",
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
    });
    return reply.code(500).send(errorBody(internalErrorMessage(referenceId)));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(`no route ${request.method} ${request.url}`)),
  );

  registerAsyncTasks(app, { innerCallToken });
  app.get("/v2/health/live", async () => ({ live: true }));
  app.get("/v2/health/ready", async (_request, reply) => {
    const readiness = await deps.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get("/v2", async () => ({
    name: "mlops-console-gateway",
    version: "1",
    extensions: [BINARY_TENSOR_EXTENSION],
  }));
  app.get(METRICS_ROUTE, async (_request, reply) =>
    reply
      .header("content-type", deps.metrics.registry.contentType)
      .send(await deps.metrics.registry.metrics()),
  );

  const metadata = async (teamId: string, params: ModelParams) => {
    const deployment = await deploymentOrThrow(deps.cache, teamId, params.name);
    const version = params.version
      ? versionOrThrow(deployment, params.version)
      : primaryVersionOf(deployment);
    const versions = [...deployment.versionsByNumber.keys()].sort((a, b) => a - b).map(String);
    return modelMetadataResponse({
      name: deployment.name,
      versions,
      platform: "onnxruntime_onnx",
      signature: version.signature,
    });
  };
  app.get<{ Params: ModelParams }>("/v2/models/:name", (request) =>
    metadata(teamIdOf(request), request.params),
  );
  app.get<{ Params: ModelParams }>("/v2/models/:name/versions/:version", (request) =>
    metadata(teamIdOf(request), request.params),
  );

  const ready = async (teamId: string, params: ModelParams, reply: FastifyReply) => {
    const deployment = await deploymentOrThrow(deps.cache, teamId, params.name);
    if (params.version) versionOrThrow(deployment, params.version);
    const workers = await deps.dispatcher.workerCount(deployment.device);
    return reply.code(workers > 0 ? 200 : 503).send({
      name: deployment.name,
      ready: workers > 0,
      ...(workers === 0 && { error: noWorkerMessage(deployment.device) }),
    });
  };
  app.get<{ Params: ModelParams }>("/v2/models/:name/ready", (request, reply) =>
    ready(teamIdOf(request), request.params, reply),
  );
  app.get<{ Params: ModelParams }>("/v2/models/:name/versions/:version/ready", (request, reply) =>
    ready(teamIdOf(request), request.params, reply),
  );

  const infer = async (
    teamId: string,
    params: ModelParams,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
    reply: FastifyReply,
  ) => {
    // reply.elapsedTime counts from Fastify's onRequest, before the body was read and parsed:
    // a slow or large body spends the request's own deadline.
    const receivedAtMs = Date.now() - reply.elapsedTime;
    const receivedAtPerfMs = performance.now() - reply.elapsedTime;
    const callerGone = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) callerGone.abort();
    });
    const deployment = await deploymentOrThrow(deps.cache, teamId, params.name);
    let pinnedVersion, timeoutMs, json, binary;
    try {
      pinnedVersion = params.version ? versionOrThrow(deployment, params.version) : null;
      timeoutMs = requestTimeout(header(headers, "x-timeout-ms"), deps.requestTimeoutMs);
      // Only the binary form's parser hands over bytes; the JSON parser gives what JSON holds.
      ({ header: json, binary } =
        body instanceof Uint8Array
          ? splitBinaryBody(body, header(headers, INFERENCE_HEADER_LENGTH) ?? undefined)
          : { header: body, binary: undefined });
    } catch (error) {
      deps.inference.refused(deployment, null, errorKindOf(error));
      throw error;
    }
    // This request's span in the gateway: the caller's trace, a span id of our own. A header that
    // does not parse is ignored (W3C Trace Context): tracing never fails a request.
    const trace = parseTraceParent(header(headers, "traceparent"));
    const traceparent = trace && formatTraceParent(trace, randomBytes(8).toString("hex"));
    const beforeInferMs = reply.elapsedTime;
    const result = await deps.inference.infer({
      deployment,
      pinnedVersion,
      body: json,
      binary,
      stickyKey: header(headers, "x-sticky-key"),
      receivedAtMs,
      receivedAtPerfMs,
      timeoutMs,
      callerGone: callerGone.signal,
      traceparent,
    });
    const answerHeaders: Record<string, string> = {
      "x-model-version": String(result.versionNumber),
      "x-revision": String(result.revisionNumber),
    };
    if (traceparent) answerHeaders.traceparent = traceparent;
    if (header(headers, TIMING_HEADER) === "true")
      answerHeaders["server-timing"] = serverTiming(result.timing, beforeInferMs, reply.elapsedTime);
    if (!result.ok) return reply.code(400).headers(answerHeaders).send(errorBody(result.message));
    const response = inferResponse({
      modelName: result.deploymentName,
      modelVersion: String(result.versionNumber),
      id: result.callerId,
      outputs: result.outputs,
    });
    const binaryAnswer = encodeBinaryResponse(response, result.binaryOutputs);
    if (binaryAnswer === null)
      return reply.code(200).headers(answerHeaders).send(jsonInferResponse(response));
    const { body: bytes, headerLength } = binaryAnswer;
    return reply
      .code(200)
      .headers(answerHeaders)
      .header("content-type", BINARY_CONTENT_TYPE)
      .header(INFERENCE_HEADER_LENGTH, String(headerLength))
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  // The binary tensor data extension's bodies are read as bytes on the infer routes alone, within
  // the same body limit; any other route still refuses them (415).
  app.register(async (inferRoutes) => {
    inferRoutes.addContentTypeParser(BINARY_CONTENT_TYPE, { parseAs: "buffer" }, (_request, bytes, done) =>
      done(null, bytes),
    );
    inferRoutes.post<{ Params: ModelParams }>("/v2/models/:name/infer", (request, reply) =>
      infer(teamIdOf(request), request.params, request.body, request.headers, reply),
    );
    inferRoutes.post<{ Params: ModelParams }>("/v2/models/:name/versions/:version/infer", (request, reply) =>
      infer(teamIdOf(request), request.params, request.body, request.headers, reply),
    );
  });
  app.post<{ Params: ModelParams }>("/v2/models/:name/feedback", (request) =>
    answerFeedback(callerOf(request), request.params.name, request.body),
  );

  return app;
}

const METRICS_ROUTE = "/metrics";
/** The bodies the gateway reads, as a 415 names them. */
const ACCEPTED_CONTENT_TYPES = "application/json";
const INFER_CONTENT_TYPES = `application/json, or ${BINARY_CONTENT_TYPE} with an Inference-Header-Content-Length header (binary tensor data)`;
/** `x-timing: true` on an infer request asks for its stage timings in a `server-timing` header. */
const TIMING_HEADER = "x-timing";

function isInferRoute(request: FastifyRequest): boolean {
  return request.method === "POST" && request.routeOptions.url?.endsWith("/infer") === true;
}

/** Routes that act for a caller (a team, maybe a key); health, metrics and /v2 itself do not. */
function needsCaller(route: string | undefined): boolean {
  return route?.startsWith("/v2/models/") === true || route?.startsWith("/v2/tasks/") === true;
}

/** Health checks and scrapes answer whatever the load: refusing them would hide the overload. */
function isAlwaysAdmitted(route: string | undefined): boolean {
  return route === METRICS_ROUTE || route?.startsWith("/v2/health/") === true;
}

/**
 * The stages of an answered request, in ms: parse (receiving and parsing the body, the lookup,
 * routing, validating the tensors and admission), batch (waiting in the gateway's batcher and the
 * trips to and from the worker), queue (on the serving queue), compute (the model), and total.
 */
function serverTiming(timing: InferenceTiming, beforeInferMs: number, totalMs: number): string {
  const [queueMs, computeMs] = [timing.queueWaitUs / 1_000, timing.computeUs / 1_000];
  return formatServerTiming([
    ["parse", beforeInferMs + timing.targetUs / 1_000],
    ["batch", timing.executionUs / 1_000 - queueMs - computeMs],
    ["queue", queueMs],
    ["compute", computeMs],
    ["total", totalMs],
  ]);
}

/**
 * Counts an infer request to a loaded deployment that failed before the inference path took it
 * (a slow or refused body): under the version it names, else the deployment's primary version.
 * A deployment this gateway has not loaded yet is not looked up for it.
 */
function countRefused(request: FastifyRequest, deps: GatewayDeps, kind: ErrorKind): void {
  if (request.method !== "POST" || !request.routeOptions.url?.endsWith("/infer")) return;
  const params = request.params as ModelParams;
  if (!request.caller) return;
  const deployment = deps.cache.peek({ teamId: request.caller.teamId, name: params.name });
  if (!deployment) return;
  const pinned = params.version ? deployment.versionsByNumber.get(Number(params.version)) : undefined;
  deps.inference.refused(deployment, pinned ?? null, kind);
}

/** A full deployment's refusal of an infer request, made before its body is read. */
function refusalOnArrival(request: FastifyRequest, deps: GatewayDeps): string | null {
  if (request.method !== "POST" || !request.routeOptions.url?.endsWith("/infer")) return null;
  const { name } = request.params as ModelParams;
  if (!request.caller) return null;
  const deployment = deps.cache.peek({ teamId: request.caller.teamId, name });
  return deployment ? deps.inference.refusalOnArrival(deployment) : null;
}

/**
 * Errors Node meets before a request reaches a route: a request not received within the receive
 * timeout (a slow body) gets 408, with the protocol's `{"error"}` body when no answer has started.
 */
function answerClientError(
  error: Error & { code?: string },
  socket: Duplex & { _httpMessage?: ServerResponse | null },
  deps: GatewayDeps,
): void {
  // A reset connection is gone already: nothing to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, receiveTimeoutMessage(deps.receiveTimeoutMs)]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "the request headers are over the size limit"]
        : [400, "the request is not valid HTTP/1.1"];
  deps.log.info({ code: error.code, statusCode: status }, "request refused before routing");
  if (socket.writable && !socket._httpMessage?.headersSent) {
    const body = JSON.stringify(errorBody(message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const receiveTimeoutMessage = (receiveTimeoutMs: number) =>
  `the request was not received within ${receiveTimeoutMs} ms; the connection is closed`;

async function deploymentOrThrow(
  cache: DeploymentCache,
  teamId: string,
  name: string,
): Promise<CachedDeployment> {
  const deployment = await cache.get({ teamId, name });
  if (!deployment) throw new AppError("NOT_FOUND", `unknown model '${name}': no deployment has that name`);
  return deployment;
}

function versionOrThrow(deployment: CachedDeployment, raw: string) {
  const version = /^[1-9][0-9]*$/.test(raw) ? deployment.versionsByNumber.get(Number(raw)) : undefined;
  if (!version) {
    const served = [...deployment.versionsByNumber.keys()]
      .sort((a, b) => a - b)
      .map((n) => `v${n}`)
      .join(", ");
    throw new AppError(
      "NOT_FOUND",
      `deployment '${deployment.name}' does not serve version '${raw}' (revision ${deployment.revisionNumber} serves ${served})`,
    );
  }
  return version;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  return typeof value === "string" && value.length > 0 ? value : null;
}

function requestTimeout(raw: string | null, maxMs: number): number {
  const asked = raw === null ? NaN : Number(raw);
  if (raw !== null && !(Number.isInteger(asked) && asked > 0))
    throw new AppError(
      "BAD_REQUEST",
      `x-timeout-ms must be a positive integer of milliseconds, not '${raw}'`,
    );
  return Number.isNaN(asked) ? maxMs : Math.min(asked, maxMs);
}
