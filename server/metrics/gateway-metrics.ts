import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BatchReleaseReason, RequestObservation } from "@/server/contracts/live-counters";
import { DURATION_BUCKETS_SECONDS, collectProcessMetrics } from "@/server/metrics/prometheus-common";

type VersionLabels = "deployment" | "version" | "role";

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

/** The children of one version and role, bound once: a request then costs no label hashing. */
interface VersionSeries {
  outcomes: Map<string, Counter.Internal>;
  duration: Histogram.Internal<VersionLabels>;
  queueWait: Histogram.Internal<VersionLabels>;
  compute: Histogram.Internal<VersionLabels>;
  labels: Record<VersionLabels, string>;
}

/**
 * A gateway's Prometheus metrics, in a registry of its own (several gateways may share a test
 * process). Only TrafficCounters records into it, from the same observations it counts into
 * Redis, so the two never disagree; gauges are read at scrape time. Labels are deployment names
 * and version numbers, as dashboards show them.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<VersionLabels | "outcome">;
  private readonly duration: Histogram<VersionLabels>;
  private readonly queueWait: Histogram<VersionLabels>;
  private readonly compute: Histogram<VersionLabels>;
  private readonly jobs: Counter<"deployment" | "version" | "reason">;
  private readonly refusals: Counter<"reason">;
  private readonly series = new Map<string, VersionSeries>();

  constructor() {
    const registers = [this.registry];
    collectProcessMetrics(this.registry);
    this.requests = new Counter({
      name: "mlops_inference_requests_total",
      help: "Inference requests to a known deployment, by the version and role that served them and their outcome (ok or an error kind)",
      labelNames: ["deployment", "version", "role", "outcome"],
      registers,
    });
    const histogram = (name: string, help: string) =>
      new Histogram({
        name,
        help,
        labelNames: ["deployment", "version", "role"],
        buckets: DURATION_BUCKETS_SECONDS,
        registers,
      });
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
    this.jobs = new Counter({
      name: "mlops_batch_jobs_total",
      help: "Jobs the gateway's batchers sent, by why they left: full, timer (the queue delay passed) or idle (nothing in flight)",
      labelNames: ["deployment", "version", "reason"],
      registers,
    });
    this.refusals = new Counter({
      name: "mlops_gateway_refusals_total",
      help: "Requests the gateway refused on arrival (503) because it was itself full, by reason",
      labelNames: ["reason"],
      registers,
    });
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

  observeRequest(deployment: string, versionNumber: number, observation: RequestObservation): void {
    const series = this.seriesOf(deployment, versionNumber, observation.role);
    const outcome = observation.error ?? "ok";
    let counter = series.outcomes.get(outcome);
    if (!counter)
      series.outcomes.set(outcome, (counter = this.requests.labels({ ...series.labels, outcome })));
    counter.inc();
    if (observation.error === null) series.duration.observe(observation.latencyUs / 1e6);
    if (observation.ran) {
      series.queueWait.observe(observation.ran.queueWaitUs / 1e6);
      series.compute.observe(observation.ran.computeUs / 1e6);
    }
  }

  observeJobRelease(deployment: string, versionNumber: number, reason: BatchReleaseReason): void {
    this.jobs.inc({ deployment, version: String(versionNumber), reason });
  }

  observeRefusal(reason: GatewayRefusalReason): void {
    this.refusals.inc({ reason });
  }

  private seriesOf(deployment: string, versionNumber: number, role: string): VersionSeries {
    const key = `${deployment}\n${versionNumber}\n${role}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { deployment, version: String(versionNumber), role };
      series = {
        outcomes: new Map(),
        duration: this.duration.labels(labels),
        queueWait: this.queueWait.labels(labels),
        compute: this.compute.labels(labels),
        labels,
      };
      this.series.set(key, series);
    }
    return series;
  }
}
