import type { ChartRange } from "@/server/contracts/monitoring-api";

/** The range a deployment page opens with: the page's query and the server's prefetch of it. */
export const DEFAULT_CHART_RANGE: ChartRange = "1h";

export const RANGE_LABELS: Record<ChartRange, string> = {
  "1h": "1 hour",
  "24h": "24 hours",
  "7d": "7 days",
  "30d": "30 days",
};

/** How often open charts are read again: the monitor folds new minutes every few seconds. */
export const CHART_REFRESH_MS = 15_000;
