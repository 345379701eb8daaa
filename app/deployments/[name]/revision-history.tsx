"use client";

import { useState } from "react";
import { ClockTime, formatDuration } from "@/app/_components/time";
import { TrafficSplit } from "@/app/_components/traffic-split";
import { Badge, Button, DataTable } from "@/app/_components/ui";
import type { TrafficTargetOutput } from "@/server/services/deployment/deployment-output";
import { useTrafficChange } from "./use-traffic-change";
import { ActorName } from "@/app/_components/actor-name";
import { useCaller } from "@/app/_components/use-caller";

interface ServedRevision {
  number: number;
  strategy: string;
  reason: string;
  target: TrafficTargetOutput;
  createdBy: string | null;
  createdAt: Date;
  servedUntil: Date | null;
}

/** What served when, newest first; any earlier revision's traffic comes back in one step. */
export function RevisionHistory({
  deploymentName,
  activeNumber,
  revisions,
}: {
  deploymentName: string;
  activeNumber: number;
  revisions: ServedRevision[];
}) {
  const { ask, refusal, dialog } = useTrafficChange(deploymentName);
  const mayRestore = useCaller().may("deployment.restore");
  // Read once per mount, like RelativeTime: the active revision's period runs until now.
  const [nowMs] = useState(Date.now);
  return (
    <div className="space-y-4">
      <DataTable caption="Revision history" columns={["Revision", "Change", "Traffic", "Served", "By", ""]}>
        {revisions.map((revision) => {
          const active = revision.number === activeNumber;
          const untilMs = revision.servedUntil?.getTime() ?? nowMs;
          return (
            <tr key={revision.number} className={active ? "bg-indigo-50/50" : undefined}>
              <td className="whitespace-nowrap px-3 py-2 font-medium">
                #{revision.number} {active && <Badge tone="indigo">active</Badge>}
              </td>
              <td className="px-3 py-2">
                <Badge>{revision.strategy}</Badge> <span className="text-slate-700">{revision.reason}</span>
              </td>
              <td className="px-3 py-2">
                <TrafficSplit target={revision.target} compact />
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                <ClockTime date={revision.createdAt} />
                {" → "}
                {revision.servedUntil ? <ClockTime date={revision.servedUntil} /> : "now"}
                <span className="block text-xs tabular-nums text-slate-500">
                  {formatDuration(untilMs - revision.createdAt.getTime())}
                </span>
              </td>
              <td className="px-3 py-2 text-slate-600">
                {revision.createdBy ? <ActorName actor={revision.createdBy} /> : "—"}
              </td>
              <td className="px-3 py-2 text-right">
                {!active && mayRestore && (
                  <Button
                    variant="secondary"
                    aria-label={`Restore revision ${revision.number}`}
                    onClick={() =>
                      ask(
                        { kind: "restore", revisionNumber: revision.number },
                        `Restore revision #${revision.number}?`,
                        `Traffic returns to what revision ${revision.number} served. The change is a new revision; revision ${activeNumber} stays in the history.`,
                      )
                    }
                  >
                    Restore
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
      {refusal}
      {dialog}
    </div>
  );
}
