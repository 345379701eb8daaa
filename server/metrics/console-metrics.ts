import { Gauge, Registry } from "prom-client";
import { collectProcessMetrics } from "@/server/metrics/prometheus-common";

/** What the console's gauges read when Prometheus scrapes. */
export interface ConsoleGaugeSources {
  hosts: () => Promise<{ device: string; online: boolean }[]>;
}

/**
 * The web process's Prometheus metrics (`/api/metrics`): its own process and Node.js figures, and
 * the serving hosts it knows of by device and state. Requests, latency and cost are the gateways'
 * and workers' own metrics (their `/metrics`); the console does not restate them.
 */
export function consoleMetricsRegistry(sources: ConsoleGaugeSources): Registry {
  const registry = new Registry();
  collectProcessMetrics(registry);
  new Gauge({
    name: "mlops_serving_hosts",
    help: "Serving hosts by device and whether their heartbeat is current",
    labelNames: ["device", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const host of await sources.hosts())
        this.inc({ device: host.device, state: host.online ? "online" : "offline" });
    },
  });
  return registry;
}
