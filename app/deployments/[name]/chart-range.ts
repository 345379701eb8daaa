import type { ChartRange } from "@/server/contracts/monitoring-api";

/** The range a deployment page opens with: the page's query and the server's prefetch of it. */
export const DEFAULT_CHART_RANGE: ChartRange = "1h";
