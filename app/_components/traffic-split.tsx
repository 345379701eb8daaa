import type { TrafficTargetOutput } from "@/server/services/deployment/deployment-output";

const VERSION_COLORS = ["#4f46e5", "#0891b2", "#d97706", "#16a34a", "#db2777", "#64748b"];

export function versionColor(versionNumber: number): string {
  return VERSION_COLORS[(versionNumber - 1) % VERSION_COLORS.length]!;
}

/** The active traffic split as one bar, each version's share labelled, shadows listed after it. */
export function TrafficSplit({
  target,
  compact = false,
}: {
  target: TrafficTargetOutput;
  compact?: boolean;
}) {
  const weights = [...target.weights].sort((a, b) => a.versionNumber - b.versionNumber);
  return (
    <div className={compact ? "min-w-48" : ""}>
      <div
        className={`flex overflow-hidden rounded ${compact ? "h-2.5" : "h-7"}`}
        role="img"
        aria-label={weights.map((entry) => `v${entry.versionNumber} ${entry.weight}%`).join(", ")}
      >
        {weights.map((entry) => (
          <div
            key={entry.versionNumber}
            style={{ width: `${entry.weight}%`, background: versionColor(entry.versionNumber) }}
            className="flex items-center justify-center text-xs font-medium text-white"
          >
            {!compact && entry.weight >= 8 && `v${entry.versionNumber} · ${entry.weight}%`}
          </div>
        ))}
      </div>
      <p className="mt-1 text-xs text-slate-600">
        {weights.map((entry) => `v${entry.versionNumber} ${entry.weight}%`).join(" · ")}
        {target.shadows.length > 0 && (
          <> · shadow {target.shadows.map((shadow) => `v${shadow.versionNumber}`).join(", ")}</>
        )}
      </p>
    </div>
  );
}
