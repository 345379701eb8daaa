"use client";

import { useState } from "react";
import { SELECT_CLASS } from "@/app/_components/select";
import {
  MAX_CANARY_PERCENT,
  MIN_CANARY_PERCENT,
  canaryShareProblem,
} from "@/server/domain/traffic/canary-share";
import { Button, TextField } from "@/app/_components/ui";
import type { TrafficTargetOutput } from "@/server/services/deployment/deployment-output";
import { useTrafficChange } from "./use-traffic-change";

interface Props {
  deploymentName: string;
  target: TrafficTargetOutput;
  revisionNumber: number;
  rollbackTo: number | null;
  versions: { number: number; description: string }[];
}

/** Promote, canary, shadow and rollback: each asks for confirmation, then makes a new revision. */
export function TrafficActions({ deploymentName, target, revisionNumber, rollbackTo, versions }: Props) {
  const { ask, refusal, dialog } = useTrafficChange(deploymentName);
  const serving = new Set(target.weights.map((entry) => entry.versionNumber));
  const shadows = new Set(target.shadows.map((entry) => entry.versionNumber));
  const newest = versions[0]?.number ?? 1;
  const [promoteVersion, setPromoteVersion] = useState(newest);
  const [canaryVersion, setCanaryVersion] = useState(newest);
  const [canaryPercent, setCanaryPercent] = useState(10);
  const [canaryError, setCanaryError] = useState<string | null>(null);
  const [shadowVersion, setShadowVersion] = useState(newest);

  const versionSelect = (id: string, label: string, value: number, onChange: (value: number) => void) => (
    <div className="w-28">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        id={id}
        className={SELECT_CLASS}
        value={value}
        onChange={(event) => onChange(Number(event.target.value))}
      >
        {versions.map((version) => (
          <option key={version.number} value={version.number}>
            v{version.number}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end gap-3">
        {versionSelect("promote-version", "Promote", promoteVersion, setPromoteVersion)}
        <Button
          onClick={() =>
            ask(
              { kind: "promote", versionNumber: promoteVersion },
              `Promote v${promoteVersion}?`,
              `v${promoteVersion} will take 100% of the traffic of ${deploymentName}. Gateways switch within a second.`,
            )
          }
        >
          Promote
        </Button>
        <span className="mx-2 h-8 w-px bg-slate-200" aria-hidden />
        <Button
          variant="secondary"
          disabled={rollbackTo === null}
          title={rollbackTo === null ? "No earlier revision" : undefined}
          onClick={() =>
            ask(
              { kind: "rollback" },
              "Roll back?",
              `Traffic returns to what revision ${rollbackTo} served. Revision ${revisionNumber} stays in the history.`,
            )
          }
        >
          Rollback{rollbackTo !== null && ` to #${rollbackTo}`}
        </Button>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        {versionSelect("canary-version", "Canary", canaryVersion, setCanaryVersion)}
        <div className="w-28">
          <TextField
            id="canary-percent"
            label="Share (%)"
            type="number"
            min={MIN_CANARY_PERCENT}
            max={MAX_CANARY_PERCENT}
            step={1}
            aria-invalid={canaryError ? true : undefined}
            aria-describedby={canaryError ? "canary-percent-error" : undefined}
            value={Number.isNaN(canaryPercent) ? "" : canaryPercent}
            onChange={(event) => {
              setCanaryPercent(event.target.value === "" ? Number.NaN : Number(event.target.value));
              setCanaryError(null);
            }}
          />
        </div>
        <Button
          variant="secondary"
          onClick={() => {
            // Refused here, before a dialog asks to confirm a change the server would refuse.
            const problem = canaryShareProblem(canaryPercent);
            setCanaryError(problem && `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`);
            if (problem) return;
            ask(
              { kind: "canary", versionNumber: canaryVersion, weightPercent: canaryPercent },
              `Send ${canaryPercent}% to v${canaryVersion}?`,
              `The other versions keep their proportions in the remaining ${100 - canaryPercent}%.`,
            );
          }}
        >
          Start canary
        </Button>
        <span className="mx-2 h-8 w-px bg-slate-200" aria-hidden />
        {versionSelect("shadow-version", "Shadow", shadowVersion, setShadowVersion)}
        {shadows.has(shadowVersion) ? (
          <Button
            variant="secondary"
            onClick={() =>
              ask(
                { kind: "removeShadow", versionNumber: shadowVersion },
                `Stop shadowing with v${shadowVersion}?`,
                "It stops receiving copies of requests.",
              )
            }
          >
            Stop shadow
          </Button>
        ) : (
          <Button
            variant="secondary"
            disabled={serving.has(shadowVersion)}
            onClick={() =>
              ask(
                { kind: "addShadow", versionNumber: shadowVersion },
                `Shadow with v${shadowVersion}?`,
                `v${shadowVersion} gets a copy of every request after the answer is sent; its outputs and latency are compared with the primary's. Clients never see its answers.`,
              )
            }
          >
            Start shadow
          </Button>
        )}
      </div>
      {canaryError && (
        <p id="canary-percent-error" role="alert" className="text-sm text-red-700">
          {canaryError}
        </p>
      )}
      {refusal}
      {dialog}
    </div>
  );
}
