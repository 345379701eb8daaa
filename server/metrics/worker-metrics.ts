import { Gauge, Histogram, Registry } from "prom-client";
import {
  DURATION_BUCKETS_SECONDS,
  ROWS_BUCKETS,
  collectProcessMetrics,
} from "@/server/metrics/prometheus-common";

/** What the worker's gauges read when Prometheus scrapes. */
export interface WorkerGaugeSources {
  /** The session cache's estimate of what its loaded sessions hold. */
  sessionMemoryBytes: () => number;
  loadedSessions: () => number;
}

/**
 * A serving worker's Prometheus metrics, in a registry of its own: its session runs (each counted
 * once, however many jobs it merged) and its sessions' memory. Recorded only by
 * SessionRunCounters, from the runs it counts into Redis. Labels are deployment names and version
 * numbers, which the job carries; a job of an older gateway without them is labelled "unknown".
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly runRows: Histogram<"deployment" | "version">;
  private readonly runDuration: Histogram<"deployment" | "version">;

  constructor(sources: WorkerGaugeSources) {
    const registers = [this.registry];
    collectProcessMetrics(this.registry);
    this.runRows = new Histogram({
      name: "mlops_session_run_rows",
      help: "Rows of each session run (jobs that arrive together are merged into one run)",
      labelNames: ["deployment", "version"],
      buckets: ROWS_BUCKETS,
      registers,
    });
    this.runDuration = new Histogram({
      name: "mlops_session_run_duration_seconds",
      help: "Model time of each session run: its sum is the time the hardware was busy",
      labelNames: ["deployment", "version"],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    new Gauge({
      name: "mlops_worker_session_memory_bytes",
      help: "Memory the loaded sessions are estimated to hold (the session cache's footprints)",
      registers,
      collect() {
        this.set(sources.sessionMemoryBytes());
      },
    });
    new Gauge({
      name: "mlops_worker_loaded_sessions",
      help: "Sessions loaded in this worker",
      registers,
      collect() {
        this.set(sources.loadedSessions());
      },
    });
  }

  observeSessionRun(
    deployment: string | undefined,
    versionNumber: number | undefined,
    run: { rows: number; computeUs: number },
  ): void {
    const labels = { deployment: deployment ?? "unknown", version: String(versionNumber ?? "unknown") };
    this.runRows.observe(labels, run.rows);
    this.runDuration.observe(labels, run.computeUs / 1e6);
  }
}
