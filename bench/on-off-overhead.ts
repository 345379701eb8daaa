import { runClosedLoop } from "./load-generator";
import { processCpuSeconds } from "./processes";

/** One gateway of the comparison: its infer URL and its process, whose CPU is metered. */
export interface ComparedGateway {
  url: string;
  pid: number;
}

export interface OnOffOverhead {
  /** Requests per second with the feature on, over off: 1 is free, 0.97 the issues' floor. */
  throughputRatio: number;
  /** The gateway's CPU per request with the feature on, over off: what it adds to each request. */
  cpuPerRequestRatio: number;
  on: { throughput: number; cpuMsPerRequest: number; errors: number };
  off: { throughput: number; cpuMsPerRequest: number; errors: number };
}

/**
 * A gateway feature on against off in one run, loaded in turn in ABBA order (on, off, off, on, …)
 * so that a neighbour's drifting load falls on both alike: counting (two gateway processes on the
 * same worker, one with GATEWAY_COUNTERS=off) or the prediction log (one gateway, two deployments
 * of the same version sampling 10% and 0%). Throughput and the gateway's CPU per request are
 * summed over each side's windows.
 */
export async function measureOnOffOverhead(options: {
  on: ComparedGateway;
  off: ComparedGateway;
  body: Buffer;
  concurrency: number;
  /** Windows per side (even: ABBA pairs). */
  rounds: number;
  warmupMs: number;
  durationMs: number;
}): Promise<OnOffOverhead> {
  const totals = {
    on: { ok: 0, errors: 0, seconds: 0, cpuSeconds: 0 },
    off: { ok: 0, errors: 0, seconds: 0, cpuSeconds: 0 },
  };
  const order = Array.from({ length: options.rounds }, (_, round) =>
    round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const),
  ).flat();
  for (const side of order) {
    const gateway = options[side];
    let cpuAtStart = NaN;
    const startTimer = setTimeout(() => (cpuAtStart = processCpuSeconds(gateway.pid)), options.warmupMs);
    let cpuAtEnd = NaN;
    const stopTimer = setTimeout(
      () => (cpuAtEnd = processCpuSeconds(gateway.pid)),
      options.warmupMs + options.durationMs,
    );
    const result = await runClosedLoop({
      url: gateway.url,
      body: options.body,
      concurrency: options.concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
    });
    clearTimeout(startTimer);
    clearTimeout(stopTimer);
    if (Number.isNaN(cpuAtEnd)) cpuAtEnd = processCpuSeconds(gateway.pid);
    const total = totals[side];
    total.ok += result.ok;
    total.errors += result.errors;
    total.seconds += options.durationMs / 1000;
    total.cpuSeconds += cpuAtEnd - cpuAtStart;
  }
  const summary = (side: "on" | "off") => ({
    throughput: totals[side].ok / totals[side].seconds,
    cpuMsPerRequest: (totals[side].cpuSeconds * 1000) / totals[side].ok,
    errors: totals[side].errors,
  });
  const [on, off] = [summary("on"), summary("off")];
  return {
    throughputRatio: on.throughput / off.throughput,
    cpuPerRequestRatio: on.cpuMsPerRequest / off.cpuMsPerRequest,
    on,
    off,
  };
}
