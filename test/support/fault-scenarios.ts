import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultStack } from "@/test/support/fault-stack";
import { memoryAfterGc, type ProcessMemory } from "@/test/support/process-memory";
import { lookUpRandomNames } from "@/test/support/unknown-names";
import type { ownRedis } from "@/test/support/own-redis";
import {
  closedLoop,
  countByStatus,
  openLoop,
  percentileMs,
  type SentRequest,
} from "@/test/support/request-traffic";

// The fault scenarios of issue 7 that both the chaos tests (a couple of runs) and the soak
// (bench/chaos-soak.ts, the full counts) run: each drives the fault and the traffic and
// returns what the clients saw, for the caller to assert or print.

/** Done-when 1: serving is back within this of Redis returning. */
export const REDIS_BACK_WITHIN_MS = 2_000;

export type RedisKillLoad = { kind: "closed"; clients: number } | { kind: "open"; ratePerSecond: number };

export interface RedisKillRun {
  load: RedisKillLoad;
  requests: SentRequest[];
  /** When Redis was SIGKILLed and when the restarted one accepted connections (performance.now()). */
  killedAtMs: number;
  backAtMs: number;
  /** The last answer other than 200 came this long after Redis was back (0: none after it). */
  servingBackAfterMs: number;
  /** Requests answered with neither 200 nor 503, or 503 before the kill, or past deadline + slack. */
  unexpected: SentRequest[];
  gatewayAlive: boolean;
}

/**
 * Done-when 1: traffic with a `deadlineMs` deadline on every request; after `beforeMs` Redis is
 * SIGKILLed (no client is told), restarted empty `outageMs` later, and traffic goes on `afterMs`.
 */
export async function redisKillUnderLoad(options: {
  stack: FaultStack;
  redis: Awaited<ReturnType<typeof ownRedis>>;
  load: RedisKillLoad;
  deadlineMs: number;
  beforeMs?: number;
  outageMs?: number;
  afterMs?: number;
}): Promise<RedisKillRun> {
  const { stack, redis, load, deadlineMs, beforeMs = 2_000, outageMs = 5_000, afterMs = 4_000 } = options;
  const target = stack.inferTarget(deadlineMs);
  let backAtMs = Infinity;
  const traffic =
    load.kind === "closed"
      ? closedLoop(target, {
          clients: load.clients,
          // A bound in case Redis never starts again; the fault below ends it first.
          durationMs: beforeMs + outageMs + afterMs + 30_000,
          shouldStop: () => performance.now() > backAtMs + afterMs,
        })
      : // Redis starts in ~100 ms; the slack keeps traffic running `afterMs` past its return.
        openLoop(target, {
          ratePerSecond: load.ratePerSecond,
          durationMs: beforeMs + outageMs + afterMs + 500,
        });
  await sleep(beforeMs);
  const killedAtMs = performance.now();
  await redis.stop("SIGKILL");
  await sleep(outageMs);
  await redis.start();
  backAtMs = performance.now();
  const requests = await traffic;

  const answeredAtMs = (request: SentRequest) => request.sentAtMs + request.latencyMs;
  const lastFailureMs = Math.max(
    0,
    ...requests
      .filter((request) => request.status !== 200 && answeredAtMs(request) >= backAtMs)
      .map((request) => answeredAtMs(request) - backAtMs),
  );
  // The gateway answers at its deadline, from when the bytes arrived: the slack is this machine's.
  const slackMs = 500;
  const unexpected = requests.filter(
    (request) =>
      !(request.status === 200 || (request.status === 503 && answeredAtMs(request) >= killedAtMs)) ||
      request.latencyMs > deadlineMs + slackMs,
  );
  return {
    load,
    requests,
    killedAtMs,
    backAtMs,
    servingBackAfterMs: lastFailureMs,
    unexpected,
    gatewayAlive: stack.gatewayAlive(),
  };
}

/** The unexpected answers of a run, by status and when they were sent, for an assertion's message. */
export function unexpectedAnswers(run: RedisKillRun): string[] {
  return run.unexpected.map(
    (request) =>
      `${request.status || request.error} after ${request.latencyMs.toFixed(0)} ms, sent ` +
      `${(request.sentAtMs - run.killedAtMs).toFixed(0)} ms after the kill`,
  );
}

/** One line of figures of a run, for a test's output and the soak's table. */
export function describeRedisKillRun(run: RedisKillRun): string {
  const load =
    run.load.kind === "closed" ? `${run.load.clients} closed-loop clients` : `${run.load.ratePerSecond}/s`;
  const ok = run.requests.filter((request) => request.status === 200);
  return (
    `Redis SIGKILL under ${load}: ${run.requests.length} requests ` +
    `${JSON.stringify(countByStatus(run.requests))}, serving back ${run.servingBackAfterMs.toFixed(0)} ms ` +
    `after Redis returned, slowest answer ${percentileMs(run.requests, 1).toFixed(0)} ms, p99 of the 200s ` +
    `${percentileMs(ok, 0.99).toFixed(1)} ms, ` +
    `${run.unexpected.length} unexpected, gateway ${run.gatewayAlive ? "alive" : "EXITED"}`
  );
}

export interface SlowSocketEnd {
  openMs: number;
  /** What the gateway wrote before closing the socket. */
  answer: string;
}

export interface SlowBodiesRun {
  ends: SlowSocketEnd[];
  /** Normal infer requests before the slow sockets opened, and beside them. */
  alone: SentRequest[];
  beside: SentRequest[];
}

/**
 * Done-when 5: `sockets` connections at once that send an infer request's headers and then one
 * body byte every 250 ms, for `durationMs` (each one the gateway cuts off is replaced at once),
 * beside `clients` closed-loop clients of normal infer requests.
 */
export async function slowBodiesBesideTraffic(options: {
  stack: FaultStack;
  sockets: number;
  durationMs: number;
  receiveTimeoutMs: number;
  clients?: number;
}): Promise<SlowBodiesRun> {
  const { stack, sockets, durationMs, receiveTimeoutMs, clients = 4 } = options;
  const target = stack.inferTarget(5_000);
  const { port, pathname } = new URL(target.url);
  await closedLoop(target, { clients, durationMs: 500 }); // warm-up, not measured
  const alone = await closedLoop(target, { clients, durationMs: 3_000 });

  const phaseEndMs = performance.now() + durationMs;
  const ends: SlowSocketEnd[] = [];
  const slots = Array.from({ length: sockets }, async (_, index) => {
    // Spread over one receive timeout, so the cut-offs and reconnects come evenly, not all at once.
    await sleep((index * receiveTimeoutMs) / sockets);
    while (performance.now() < phaseEndMs) ends.push(await slowBody(Number(port), pathname));
  });
  // Once every slow socket is open and trickling.
  await sleep(receiveTimeoutMs);
  const beside = await closedLoop(target, {
    clients,
    durationMs: Math.max(1_000, durationMs - receiveTimeoutMs - 500),
  });
  await Promise.all(slots);
  return { ends, alone, beside };
}

/** A POST whose body trickles a byte each 250 ms; resolves when the gateway closes the socket. */
export function slowBody(port: number, pathname: string): Promise<SlowSocketEnd> {
  return new Promise((resolve) => {
    const startedMs = performance.now();
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    let timer: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nHost: gateway\r\n` +
          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
      );
      timer = setInterval(() => socket.writable && socket.write(" "), 250);
    });
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ openMs: performance.now() - startedMs, answer });
    });
  });
}

/** Slow sockets the gateway did not cut off with 408 within the request timeout. */
export function slowSocketsNotCutOff(run: SlowBodiesRun, requestTimeoutMs: number): SlowSocketEnd[] {
  return run.ends.filter((end) => !(end.answer.startsWith("HTTP/1.1 408 ") && end.openMs < requestTimeoutMs));
}

/**
 * Whether normal requests kept their latency beside the slow sockets: generous (3x the median
 * alone, +5 ms), as what it shows is that the slow sockets do not take the event loop.
 */
export function normalLatencyKept(run: SlowBodiesRun): boolean {
  return percentileMs(run.beside, 0.5) < 3 * percentileMs(run.alone, 0.5) + 5;
}

/** The figures of a slow-bodies run in one line. */
export function describeSlowBodiesRun(run: SlowBodiesRun, sockets: number, receiveTimeoutMs: number): string {
  const openMs = run.ends.map((end) => end.openMs);
  const cutOff = run.ends.filter((end) => end.answer.startsWith("HTTP/1.1 408 ")).length;
  return (
    `${run.ends.length} slow-body sockets (${sockets} at once), receive timeout ${receiveTimeoutMs} ms: ` +
    `${cutOff} cut off with 408, open ${Math.min(...openMs).toFixed(0)}-` +
    `${Math.max(...openMs).toFixed(0)} ms; normal infer p50/p99 ${percentileMs(run.alone, 0.5).toFixed(1)}/` +
    `${percentileMs(run.alone, 0.99).toFixed(1)} ms ` +
    `alone (${run.alone.length}), ${percentileMs(run.beside, 0.5).toFixed(1)}/` +
    `${percentileMs(run.beside, 0.99).toFixed(1)} ms beside them (${run.beside.length}, ` +
    `${JSON.stringify(countByStatus(run.beside))})`
  );
}

/** Done-when 7: the gateway's RSS grows by less than this over 100k unknown names. */
export const UNKNOWN_NAMES_RSS_GROWTH_BAR_MB = 20;

export interface UnknownNamesRun {
  names: number;
  clients: number;
  statuses: Record<number, number>;
  tookMs: number;
  /**
   * The gateway's memory after a full collection: before any unknown name, after the warm-up
   * flood, and after the measured one.
   */
  start: ProcessMemory;
  before: ProcessMemory;
  after: ProcessMemory;
}

/** Unknown names looked up before the measured ones: more than the gateway remembers (10k). */
const WARM_UP_NAMES = 11_000;

/**
 * Done-when 7: `names` random names no deployment has, from `clients` clients, against a gateway
 * started with REPORT_MEMORY_NODE_ARGS. RSS is compared from after a warm-up flood of unknown
 * names: V8 sizes its heap to the allocation rate and keeps the pages after a collection (its
 * heap total grew by 20-25 MB over a flood whose live heap grew by 6), so RSS from a quiet start
 * moved by -43 to +116 MB with the load, not with what is kept. The live heap is compared from
 * before the warm-up, so the names the gateway remembers count too.
 */
export async function unknownNamesFlood(options: {
  stack: FaultStack;
  names: number;
  clients: number;
}): Promise<UnknownNamesRun> {
  const { stack, names, clients } = options;
  const gatewayUrl = stack.gateway.url;
  await closedLoop(stack.inferTarget(5_000), { clients, durationMs: 1_000 });
  const start = await memoryAfterGc(stack.gateway.child);
  await lookUpRandomNames({ gatewayUrl, count: WARM_UP_NAMES, tag: "warm", clients });
  const before = await memoryAfterGc(stack.gateway.child);
  const startedMs = performance.now();
  const statuses = await lookUpRandomNames({ gatewayUrl, count: names, tag: "flood", clients });
  const tookMs = performance.now() - startedMs;
  const after = await memoryAfterGc(stack.gateway.child);
  return { names, clients, statuses, tookMs, start, before, after };
}

export function rssGrowthMb(run: UnknownNamesRun): number {
  return (run.after.rssBytes - run.before.rssBytes) / 1024 / 1024;
}

/** Live heap growth from before the first unknown name to after the last. */
export function heapGrowthMb(run: UnknownNamesRun): number {
  return (run.after.heapUsedBytes - run.start.heapUsedBytes) / 1024 / 1024;
}

export function describeUnknownNamesRun(run: UnknownNamesRun): string {
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;
  return (
    `${run.names} unknown names (after ${WARM_UP_NAMES} to warm up) at ${run.clients} clients in ` +
    `${(run.tookMs / 1000).toFixed(1)} s (${Math.round(run.names / (run.tookMs / 1000))}/s) ` +
    `${JSON.stringify(run.statuses)}; gateway after a full GC: RSS ${mb(run.before.rssBytes)} -> ` +
    `${mb(run.after.rssBytes)} MB (${signed(rssGrowthMb(run))} MB), heap used ${mb(run.start.heapUsedBytes)} ` +
    `before any unknown name -> ${mb(run.after.heapUsedBytes)} MB (${signed(heapGrowthMb(run))} MB), heap total ` +
    `${mb(run.start.heapTotalBytes)} -> ${mb(run.before.heapTotalBytes)} -> ${mb(run.after.heapTotalBytes)} MB, external ` +
    `${mb(run.start.externalBytes)} -> ${mb(run.before.externalBytes)} -> ${mb(run.after.externalBytes)} MB`
  );
}
