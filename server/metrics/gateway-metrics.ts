import { Gauge, Registry } from "prom-client";
import {
  BATCH_RELEASE_REASONS,
  ERROR_KINDS,
  type BatchReleaseReason,
  type RoleCounts,
  type ServingRole,
} from "@/server/contracts/live-counters";
import { FoldedCounter, FoldedHistogram } from "@/server/metrics/folded-metrics";
import {
  DURATION_BUCKETS_SECONDS,
  collectProcessMetrics,
  durationBucketsOf,
} from "@/server/metrics/prometheus-common";

/** Why the gateway itself refused a request on arrival (503), before knowing its deployment. */
export type GatewayRefusalReason = "in_flight" | "event_loop";

/** What the gateway's gauges read when Prometheus scrapes. */
export interface GatewayGaugeSources {
  inFlight: () => number;
  /** Rows in flight per deployment name: each deployment's queue in this gateway. */
  pendingRows: () => Iterable<[deployment: string, rows: number]>;
  /** Jobs waiting on each device's serving queue (shared by every gateway and worker). */
  waitingJobs: () => Promise<[device: string, jobs: number][]>;
}

/**
 * A gateway's Prometheus metrics, in a registry of its own (several gateways may share a test
 * process). Only TrafficCounters records into it, folding in the same sums it writes to Redis once
 * a second, so the two never disagree; gauges are read at scrape time. Labels are deployment names
 * and version numbers, as dashboards show them.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: FoldedCounter;
  private readonly duration: FoldedHistogram;
  private readonly queueWait: FoldedHistogram;
  private readonly compute: FoldedHistogram;
  private readonly jobs: FoldedCounter;
  private readonly refusals: FoldedCounter;

  constructor() {
    collectProcessMetrics(this.registry);
    this.requests = new FoldedCounter(
      "mlops_inference_requests_total",
      "Inference requests to a known deployment, by the version and role that served them and their outcome (ok or an error kind)",
      this.registry,
    );
    const histogram = (name: string, help: string) =>
      new FoldedHistogram(name, help, DURATION_BUCKETS_SECONDS, this.registry);
    this.duration = histogram(
      "mlops_inference_request_duration_seconds",
      "End-to-end latency of answered requests, from their first byte to the answer",
    );
    this.queueWait = histogram(
      "mlops_inference_queue_wait_seconds",
      "Time the jobs of requests that reached a worker waited on the serving queue",
    );
    this.compute = histogram(
      "mlops_inference_compute_seconds",
      "Model time of the session runs requests that reached a worker took part in",
    );
    this.jobs = new FoldedCounter(
      "mlops_batch_jobs_total",
      "Jobs the gateway's batchers sent, by why they left: full, timer (the queue delay passed) or idle (nothing in flight)",
      this.registry,
    );
    this.refusals = new FoldedCounter(
      "mlops_gateway_refusals_total",
      "Requests the gateway refused on arrival (503) because it was itself full, by reason",
      this.registry,
    );
  }

  /** Registers the gauges, which read the gateway's state at each scrape. */
  watch(sources: GatewayGaugeSources): void {
    const registers = [this.registry];
    new Gauge({
      name: "mlops_gateway_in_flight_requests",
      help: "Requests between arrival and answer in this gateway",
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    });
    new Gauge({
      name: "mlops_gateway_pending_rows",
      help: "Rows of each deployment's requests waiting or in flight in this gateway",
      labelNames: ["deployment"],
      registers,
      collect() {
        this.reset();
        for (const [deployment, rows] of sources.pendingRows()) this.set({ deployment }, rows);
      },
    });
    new Gauge({
      name: "mlops_serving_queue_waiting_jobs",
      help: "Jobs waiting on each device's serving queue for a worker",
      labelNames: ["device"],
      registers,
      async collect() {
        // A Redis that does not answer leaves the gauge out rather than failing the scrape.
        const counts = await sources.waitingJobs().catch(() => []);
        this.reset();
        for (const [device, jobs] of counts) this.set({ device }, jobs);
      },
    });
  }

  /** Adds a version's requests in one role, summed since the last fold. */
  foldRequests(deployment: string, versionNumber: number, role: ServingRole, counts: RoleCounts): void {
    const labels = { deployment, version: String(versionNumber), role };
    this.requests.add({ ...labels, outcome: "ok" }, counts.okRequests);
    for (const kind of ERROR_KINDS) this.requests.add({ ...labels, outcome: kind }, counts.errors[kind]);
    if (counts.okRequests > 0)
      this.duration.add(labels, durationBucketsOf(counts.latency), counts.latencySumUs / 1e6);
    if (counts.ranRequests > 0) {
      this.queueWait.add(labels, durationBucketsOf(counts.queueWait), counts.queueWaitSumUs / 1e6);
      this.compute.add(labels, durationBucketsOf(counts.compute), counts.computeSumUs / 1e6);
    }
  }

  /** Adds a version's jobs by release reason, summed since the last fold. */
  foldJobReleases(deployment: string, versionNumber: number, jobs: Record<BatchReleaseReason, number>): void {
    for (const reason of BATCH_RELEASE_REASONS)
      this.jobs.add({ deployment, version: String(versionNumber), reason }, jobs[reason]);
  }

  observeRefusal(reason: GatewayRefusalReason): void {
    this.refusals.add({ reason }, 1);
  }
}
