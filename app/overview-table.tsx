"use client";

import Link from "next/link";
import { RelativeTime } from "@/app/_components/time";
import { Badge, DataTable, EmptyState } from "@/app/_components/ui";
import type { MonitoringOverviewOutput } from "@/server/contracts/monitoring-api";
import { ActorName } from "@/app/_components/actor-name";

type Overview = MonitoringOverviewOutput[number];

const HEALTH_TONES: Record<Overview["health"], "green" | "amber" | "red" | "slate"> = {
  healthy: "green",
  degraded: "amber",
  failing: "red",
  idle: "slate",
  unserved: "slate",
};
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 2 });

const rate = (value: number | null) => (value === null ? "—" : PERCENT.format(value));
const perSecond = (value: number) => `${value.toFixed(value >= 10 ? 0 : 1)} req/s`;
const milliseconds = (us: number | null) =>
  us === null ? "—" : `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)} ms`;
/** Micro-dollars per 1,000 calls as dollars, with the digits small amounts need. */
const dollars = (micros: number | null) =>
  micros === null ? "—" : `$${(micros / 1_000_000).toFixed(micros >= 1_000_000 ? 2 : 4)}`;

/** Every deployment at a glance: health, traffic, errors, tail latency, cost and the last change. */
export function OverviewTable({ deployments }: { deployments: MonitoringOverviewOutput }) {
  if (deployments.length === 0)
    return (
      <EmptyState title="No deployments yet">
        Register a model, then{" "}
        <Link href="/deployments" className="font-medium text-indigo-700 hover:underline">
          deploy one of its versions
        </Link>
        .
      </EmptyState>
    );
  return (
    <DataTable
      caption="Deployments at a glance, over the last hour"
      columns={[
        "Deployment",
        "Health",
        "Traffic",
        "Error rate",
        "p99 latency",
        "Cost per 1,000 calls",
        "Last change",
      ]}
    >
      {deployments.map((deployment) => (
        <tr key={deployment.name}>
          <td className="px-3 py-2">
            <Link
              href={`/deployments/${deployment.name}`}
              className="font-medium text-indigo-700 hover:underline"
            >
              {deployment.name}
            </Link>
            <div className="text-xs text-slate-500">
              {deployment.modelName} · {deployment.environment}
            </div>
          </td>
          <td className="px-3 py-2">
            <Badge tone={HEALTH_TONES[deployment.health]}>{deployment.health}</Badge>
          </td>
          <td className="px-3 py-2 tabular-nums">{perSecond(deployment.requestsPerSecond)}</td>
          <td
            className="px-3 py-2 tabular-nums"
            title={`service errors ${rate(deployment.serviceErrorRate)}`}
          >
            {rate(deployment.errorRate)}
          </td>
          <td className="px-3 py-2 tabular-nums">{milliseconds(deployment.latencyP99Us)}</td>
          <td
            className="px-3 py-2 tabular-nums"
            title={`busy ${dollars(deployment.busyCostMicrosPer1kCalls)}`}
          >
            {dollars(deployment.allocatedCostMicrosPer1kCalls)}
          </td>
          <td className="px-3 py-2 text-sm text-slate-600">
            {deployment.lastChange ? (
              <>
                {deployment.lastChange.action} by <ActorName actor={deployment.lastChange.actor} />,{" "}
                <RelativeTime date={new Date(deployment.lastChange.atMs)} />
              </>
            ) : (
              "—"
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
