import { formatMetric } from "@/app/_components/metrics-chart";
import { compareMetrics } from "@/server/domain/version-comparison";

export interface ComparableVersion {
  number: number;
  metrics: Record<string, number>;
}

/**
 * How a chosen version compares with the one taking most of the traffic now, on the metrics both
 * registered: said beside the control that would move traffic to it.
 */
export function VersionComparison({
  id,
  chosen,
  production,
}: {
  id: string;
  chosen: ComparableVersion | undefined;
  production: ComparableVersion | undefined;
}) {
  if (!chosen || !production) return null;
  if (chosen.number === production.number)
    return (
      <p id={id} className="text-xs text-slate-500">
        v{chosen.number} is the version in production.
      </p>
    );
  const metrics = compareMetrics(chosen.metrics, production.metrics).slice(0, 3);
  if (metrics.length === 0)
    return (
      <p id={id} className="text-xs text-slate-500">
        v{chosen.number} and v{production.number} (in production) share no registered metric to compare.
      </p>
    );
  return (
    <p id={id} className="text-xs text-slate-600">
      v{chosen.number} against v{production.number} in production:{" "}
      {metrics.map((metric, index) => (
        <span key={metric.name}>
          {index > 0 && ", "}
          {metric.name} {formatMetric(metric.candidate)} vs {formatMetric(metric.production)}{" "}
          <span
            className={
              metric.better === null ? "text-slate-500" : metric.better ? "text-emerald-700" : "text-red-700"
            }
          >
            ({metric.delta > 0 ? "+" : ""}
            {formatMetric(metric.delta)}
            {metric.better === null ? "" : metric.better ? ", better" : ", worse"})
          </span>
        </span>
      ))}
    </p>
  );
}
