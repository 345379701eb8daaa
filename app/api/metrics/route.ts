import { consoleMetricsRegistry } from "@/server/metrics/console-metrics";
import { listHosts } from "@/server/services/host/list-hosts";

export const dynamic = "force-dynamic";

/** One registry per process: prom-client's process metrics count from its creation. */
const registry = consoleMetricsRegistry({ hosts: () => listHosts() });

/** Prometheus's scrape of the console (the gateways and workers serve their own `/metrics`). */
export async function GET() {
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}
