import type { FastifyReply, FastifyRequest } from "fastify";
import { EventLoopDelay } from "@/server/domain/admission/event-loop-delay";
import { gatewayRefusal } from "@/server/domain/admission/gateway-refusal";
import type { Logger } from "@/server/logger";
import type { GatewayRefusalReason } from "@/server/metrics/gateway-metrics";
import { answerRaw } from "@/server/gateway/answer-raw";

/** How often the event loop's lateness is measured. */
const LOOP_TICK_MS = 10;
/** Refused requests are logged as one count per this long, not one line each: that would add to the load. */
const REFUSED_LOG_INTERVAL_MS = 1_000;
const RETRY_AFTER_SECONDS = 1;
/**
 * A refused request's body up to this size is left to Node, which reads and drops it before the
 * connection's next request: under overload a closed connection costs more, since its client
 * opens another at once (at twice capacity, closing each one left the clients' sockets piling up
 * and most requests unanswered). A larger or chunked body is not read: its connection is closed.
 */
const MAX_DRAINED_BODY_BYTES = 64 * 1024;

/**
 * The gateway's own admission, counted from accept (Fastify's onRequest, before the body is
 * read): at most `maxInFlight` requests between arrival and the end of their response, and none
 * while the event loop runs more than `maxEventLoopDelayMs` behind. A refused request gets 503
 * with `retry-after` at once, without its body being parsed (or, past 64 KiB, read at all).
 */
export class GatewayAdmission {
  private inFlight = 0;
  private readonly loopDelay: EventLoopDelay;
  private readonly ticker: NodeJS.Timeout;
  /** Refused requests, so the gateway's per-request log line skips them. */
  private readonly refusedRequests = new WeakSet<FastifyRequest>();
  private refusedSinceLog = 0;
  private lastRefusedLogAtMs = -Infinity;

  constructor(
    private readonly options: {
      maxInFlight: number;
      maxEventLoopDelayMs: number;
      log: Logger;
      /** Each refusal, by reason (TrafficCounters.recordGatewayRefusal). */
      onRefusal?: (reason: GatewayRefusalReason) => void;
    },
  ) {
    this.loopDelay = new EventLoopDelay(LOOP_TICK_MS, performance.now());
    this.ticker = setInterval(() => this.loopDelay.tick(performance.now()), LOOP_TICK_MS);
    this.ticker.unref();
  }

  /** Counts the request until its response ends or its socket closes; or answers 503 and returns false. */
  admit(request: FastifyRequest, reply: FastifyReply): boolean {
    const nowMs = performance.now();
    const refusal = gatewayRefusal({
      inFlight: this.inFlight,
      maxInFlight: this.options.maxInFlight,
      eventLoopDelayMs: this.loopDelay.delayMs,
      maxEventLoopDelayMs: this.options.maxEventLoopDelayMs,
    });
    if (refusal === null) {
      this.inFlight += 1;
      reply.raw.once("close", () => (this.inFlight -= 1));
      return true;
    }
    this.refuse(request, reply, { status: 503, message: refusal });
    this.countRefusal(refusal, nowMs);
    this.options.onRefusal?.(this.inFlight >= this.options.maxInFlight ? "in_flight" : "event_loop");
    return false;
  }

  /** Requests between arrival and the end of their response now. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Whether this request was refused here (logged as a count, not a line of its own). */
  refused(request: FastifyRequest): boolean {
    return this.refusedRequests.has(request);
  }

  close(): void {
    clearInterval(this.ticker);
  }

  /**
   * Answers a refusal made before the body is read (this one's, or a full deployment's 429) with
   * `retry-after`, and marks the request as refused.
   */
  refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    refusal: { status: 429 | 503; message: string },
  ): void {
    const bodyBytes = Number(request.headers["content-length"]);
    const drained = Number.isInteger(bodyBytes) && bodyBytes <= MAX_DRAINED_BODY_BYTES;
    this.refusedRequests.add(request);
    answerRaw(request, reply, {
      ...refusal,
      headers: {
        "retry-after": String(RETRY_AFTER_SECONDS),
        ...(!drained && { connection: "close" }),
      },
    });
  }

  private countRefusal(message: string, nowMs: number): void {
    this.refusedSinceLog += 1;
    if (nowMs - this.lastRefusedLogAtMs >= REFUSED_LOG_INTERVAL_MS) {
      this.options.log.warn(
        { refused: this.refusedSinceLog, reason: message },
        "gateway refused requests: 503",
      );
      this.refusedSinceLog = 0;
      this.lastRefusedLogAtMs = nowMs;
    }
  }
}
