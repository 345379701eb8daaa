import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatBytes } from "@/server/domain/format";
import { DEFAULT_MEMORY_CEILING } from "@/server/domain/placement/plan-placement";
import { formatZodIssues } from "@/server/domain/zod-message";

/**
 * The capacity planner: what a peak of concurrent requests needs, with and without dynamic
 * batching, on each kind of host, and what that costs. Pure arithmetic over a version's profile.
 *
 * The model, stated so its answers can be checked:
 * - The peak is `peakConcurrentRequests` clients each waiting for its answer and sending the next
 *   one: at the unbatched median latency that is C / p50(1) calls per second (Little's law), the
 *   load both plans must carry (batching makes each call a little slower, so this is conservative).
 * - A replica runs one batch at a time, so it holds at most `batchSize` requests in flight; all C
 *   must be in a running batch, so C / batchSize replicas at least, and only batch sizes up to C
 *   count (larger batches never fill). A batch size counts if its p99 is within the target.
 * - A host's accelerator runs at most the profile's throughput at that batch size, however many
 *   replicas it holds (they share the compute; the profile was measured with one). Packing adds
 *   replicas where memory allows: for concurrency and for failover, not for compute.
 * - A host holds as many replicas as their peak session memory fits under the ceiling (90% of
 *   its memory by default, as the placement planner packs).
 * - Cost: hosts x price per hour x 730 hours a month; per call at the peak rate (a quieter hour
 *   costs the same and serves fewer calls).
 */

export const PROFILE_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;
export const HOURS_PER_MONTH = 730;

export const ZBatchProfile = z.object({
  batchSize: z
    .number()
    .int()
    .refine((size) => (PROFILE_BATCH_SIZES as readonly number[]).includes(size), {
      error: `batchSize must be a power of two from 1 to 256`,
    }),
  p50LatencyMs: z.number().positive("p50LatencyMs must be more than 0"),
  p99LatencyMs: z.number().positive("p99LatencyMs must be more than 0"),
  /** Requests (rows) per second a host completes running batches of this size back to back. */
  throughputPerSecond: z.number().positive("throughputPerSecond must be more than 0"),
  /** The session's peak memory while running batches of this size. */
  peakMemoryBytes: z.number().int().positive("peakMemoryBytes must be more than 0"),
});
export const ZVersionProfile = z.object({
  batches: z
    .array(ZBatchProfile)
    .min(1, "the profile has no batch sizes")
    .refine(
      (batches) => batches.some((batch) => batch.batchSize === 1),
      "the profile must include batch size 1",
    )
    .refine(
      (batches) => new Set(batches.map((batch) => batch.batchSize)).size === batches.length,
      "the profile lists a batch size twice",
    ),
});
export type VersionProfile = z.infer<typeof ZVersionProfile>;
export type BatchProfile = z.infer<typeof ZBatchProfile>;

export const ZHostKind = z.object({
  /** e.g. "g5.xlarge (A10G 24 GiB)". */
  name: z.string().min(1),
  /** The memory replicas pack into (GPU memory on a GPU host). */
  memoryBytes: z.number().int().positive("memoryBytes must be more than 0"),
  costMicrosPerHour: z.number().int().nonnegative("costMicrosPerHour must not be negative"),
});
export type HostKind = z.infer<typeof ZHostKind>;

export const ZCapacityPlanInput = z.object({
  peakConcurrentRequests: z.number().int().positive("peakConcurrentRequests must be at least 1"),
  latencyTargetMs: z.number().positive("latencyTargetMs must be more than 0"),
  profile: ZVersionProfile,
  hostKinds: z.array(ZHostKind).min(1, "name at least one host kind"),
  memoryCeiling: z.number().gt(0).lte(1).default(DEFAULT_MEMORY_CEILING),
});
export type CapacityPlanInput = z.input<typeof ZCapacityPlanInput>;

export interface ServingOption {
  batchSize: number;
  replicas: number;
  hosts: number;
  replicasPerHost: number;
  /** What set the host count: the accelerators' throughput, or the memory replicas need. */
  hostsBoundBy: "compute" | "memory";
  p99LatencyMs: number;
  costMicrosPerMonth: number;
  /** Fractional micro-dollars per call at the peak rate. */
  costMicrosPerCall: number;
}

export type PlanOutcome = { ok: true; option: ServingOption } | { ok: false; reason: string };

export interface HostKindCapacity {
  hostKind: string;
  /** Replicas whose peak memory fits one host of the kind, unbatched (batch 1) and at each batch size. */
  replicasPerHost: Record<number, number>;
  /** One replica per request, each host holding one replica: what teams do without batching or packing. */
  unbatched: PlanOutcome;
  /** One replica per request, packed onto hosts by memory. */
  unbatchedPacked: PlanOutcome;
  /** Dynamic batching at the cheapest batch size within the target, packed by memory. */
  batched: PlanOutcome;
}

export interface CapacityPlan {
  peakCallsPerSecond: number;
  hostKinds: HostKindCapacity[];
  /** The sentence the console shows, for the cheapest host kind. */
  summary: string;
}

export function planCapacity(raw: CapacityPlanInput): CapacityPlan {
  const parsed = ZCapacityPlanInput.safeParse(raw);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", `capacity plan refused: ${formatZodIssues(parsed.error, "plan")}`);
  const input = parsed.data;
  const batches = [...input.profile.batches].sort((a, b) => a.batchSize - b.batchSize);
  const single = batches[0]!;
  const concurrency = input.peakConcurrentRequests;
  const callsPerSecond = (concurrency * 1000) / single.p50LatencyMs;

  const hostKinds = input.hostKinds.map((kind): HostKindCapacity => {
    const ceilingBytes = Math.floor(kind.memoryBytes * input.memoryCeiling);
    const fits = (batch: BatchProfile) => Math.floor(ceilingBytes / batch.peakMemoryBytes);
    const optionAt = (batch: BatchProfile, packed: boolean): PlanOutcome => {
      if (batch.p99LatencyMs > input.latencyTargetMs)
        return {
          ok: false,
          reason: `p99 at batch size ${batch.batchSize} is ${batch.p99LatencyMs} ms, over the ${input.latencyTargetMs} ms target`,
        };
      const perHost = packed ? fits(batch) : Math.min(1, fits(batch));
      if (perHost === 0)
        return {
          ok: false,
          reason: `one replica needs ${formatBytes(batch.peakMemoryBytes)} at batch size ${batch.batchSize}; ${kind.name} takes ${formatBytes(ceilingBytes)} under its ceiling`,
        };
      const replicas = Math.ceil(concurrency / batch.batchSize);
      const byCompute = Math.ceil(callsPerSecond / batch.throughputPerSecond - 1e-9);
      const byMemory = Math.ceil(replicas / perHost);
      const hosts = Math.max(byCompute, byMemory);
      const costMicrosPerHour = hosts * kind.costMicrosPerHour;
      return {
        ok: true,
        option: {
          batchSize: batch.batchSize,
          // Compute-bound hosts with room get replicas too: one per host at least, for failover.
          replicas: Math.max(replicas, hosts),
          hosts,
          replicasPerHost: perHost,
          hostsBoundBy: byCompute >= byMemory ? "compute" : "memory",
          p99LatencyMs: batch.p99LatencyMs,
          costMicrosPerMonth: costMicrosPerHour * HOURS_PER_MONTH,
          costMicrosPerCall: costMicrosPerHour / (callsPerSecond * 3600),
        },
      };
    };
    const candidates = batches
      .filter((batch) => batch.batchSize <= concurrency)
      .map((batch) => optionAt(batch, true));
    const feasible = candidates.flatMap((outcome) => (outcome.ok ? [outcome.option] : []));
    const cheapest = feasible.reduce<ServingOption | undefined>(
      (best, option) =>
        !best ||
        option.costMicrosPerMonth < best.costMicrosPerMonth ||
        (option.costMicrosPerMonth === best.costMicrosPerMonth && option.p99LatencyMs < best.p99LatencyMs)
          ? option
          : best,
      undefined,
    );
    return {
      hostKind: kind.name,
      replicasPerHost: Object.fromEntries(batches.map((batch) => [batch.batchSize, fits(batch)])),
      unbatched: optionAt(single, false),
      unbatchedPacked: optionAt(single, true),
      batched: cheapest
        ? { ok: true, option: cheapest }
        : { ok: false, reason: candidates.map((outcome) => (outcome.ok ? "" : outcome.reason)).join("; ") },
    };
  });

  return {
    peakCallsPerSecond: callsPerSecond,
    hostKinds,
    summary: summaryOf(input, callsPerSecond, hostKinds),
  };
}

function summaryOf(
  input: z.infer<typeof ZCapacityPlanInput>,
  callsPerSecond: number,
  kinds: readonly HostKindCapacity[],
): string {
  const peak = `${input.peakConcurrentRequests} concurrent requests (${formatCount(callsPerSecond)} calls/s) within ${input.latencyTargetMs} ms p99`;
  const costOf = (outcome: PlanOutcome) => (outcome.ok ? outcome.option.costMicrosPerMonth : Infinity);
  const best = [...kinds].sort((a, b) => costOf(a.batched) - costOf(b.batched))[0]!;
  if (!best.batched.ok && !best.unbatched.ok)
    return `${peak}: no plan on ${best.hostKind}: ${best.batched.reason}`;
  const plain = best.unbatched.ok
    ? `${hostsOf(best.unbatched.option, best.hostKind)} without batching (${costsOf(best.unbatched.option)})`
    : `no plan without batching (${best.unbatched.reason})`;
  const packed = best.batched.ok
    ? `${hostsOf(best.batched.option, best.hostKind)} with dynamic batching at batch size ${best.batched.option.batchSize}, ` +
      `${best.batched.option.replicas} ${best.batched.option.replicas === 1 ? "replica" : "replicas"}, ` +
      `${best.batched.option.replicasPerHost} fit per host (${costsOf(best.batched.option)})`
    : `no plan with batching (${best.batched.reason})`;
  return `${peak}: ${plain}, against ${packed}`;
}

const hostsOf = (option: ServingOption, kind: string) => `${option.hosts} x ${kind}`;
const costsOf = (option: ServingOption) =>
  `${formatDollars(option.costMicrosPerMonth)} a month, ${formatDollars(option.costMicrosPerCall * 1000)} per 1,000 calls`;

/** "$14,688", "$0.0408": whole dollars from $100 up, else three significant digits. */
export function formatDollars(micros: number): string {
  const dollars = micros / 1_000_000;
  if (dollars >= 100) return `$${Math.round(dollars).toLocaleString("en-US")}`;
  return `$${Number(dollars.toPrecision(3)).toString()}`;
}

const formatCount = (value: number) => Math.round(value).toLocaleString("en-US");
