"use client";

import { useState } from "react";
import { SELECT_CLASS } from "@/app/_components/select";
import {
  MAX_CANARY_PERCENT,
  MIN_CANARY_PERCENT,
  canaryShareProblem,
} from "@/server/domain/traffic/canary-share";
import { Button, TextField } from "@/app/_components/ui";
import { useCaller } from "@/app/_components/use-caller";
import type { TrafficTargetOutput } from "@/server/services/deployment/deployment-output";
import { useRequestPromotion } from "./promotion-requests";
import { useTrafficChange } from "./use-traffic-change";
import { VersionComparison, type ComparableVersion } from "./version-comparison";

interface Props {
  deploymentName: string;
  target: TrafficTargetOutput;
  revisionNumber: number;
  rollbackTo: number | null;
  versions: (ComparableVersion & { description: string })[];
  /** Promote asks for another person's approval instead of changing traffic. */
  approvalRequired: boolean;
}

/**
 * Promote, canary, shadow and rollback: each asks for confirmation, then makes a new revision. On
 * a deployment that requires approval, Promote files a request instead.
 */
export function TrafficActions({
  deploymentName,
  target,
  revisionNumber,
  rollbackTo,
  versions,
  approvalRequired,
}: Props) {
  const { ask, refusal, dialog } = useTrafficChange(deploymentName);
  const promotionRequest = useRequestPromotion(deploymentName);
  const { role, may } = useCaller();
  const serving = new Set(target.weights.map((entry) => entry.versionNumber));
  const shadows = new Set(target.shadows.map((entry) => entry.versionNumber));
  // Nothing is chosen for the user: each choice says how it compares with production first.
  const [promoteVersion, setPromoteVersion] = useState<number | null>(null);
  const [canaryVersion, setCanaryVersion] = useState<number | null>(null);
  const [canaryPercent, setCanaryPercent] = useState(10);
  const [canaryError, setCanaryError] = useState<string | null>(null);
  const [shadowVersion, setShadowVersion] = useState<number | null>(null);
  const byNumber = (number: number | null) => versions.find((version) => version.number === number);
  const production = byNumber(
    [...target.weights].sort((a, b) => b.weight - a.weight)[0]?.versionNumber ?? null,
  );

  const versionSelect = (
    id: string,
    label: string,
    value: number | null,
    onChange: (value: number) => void,
  ) => (
    <div className="w-28">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        id={id}
        className={SELECT_CLASS}
        value={value ?? ""}
        aria-describedby={value === null ? undefined : `${id}-comparison`}
        onChange={(event) => onChange(Number(event.target.value))}
      >
        <option value="" disabled>
          choose…
        </option>
        {versions.map((version) => (
          <option key={version.number} value={version.number}>
            v{version.number}
          </option>
        ))}
      </select>
    </div>
  );

  const comparison = (id: string, chosen: number | null) =>
    chosen === null ? null : (
      <VersionComparison id={`${id}-comparison`} chosen={byNumber(chosen)} production={production} />
    );

  if (role === undefined) return null;
  if (!may("deployment.canary"))
    return (
      <p className="text-sm text-slate-600">
        Your role is {role}: you can watch this deployment; changing its traffic needs the editor role,
        promoting it the admin role.
      </p>
    );
  const mayPromote = may(approvalRequired ? "promotion.request" : "deployment.promote");

  return (
    <div className="space-y-5">
      <div className="space-y-1">
        <div className="flex flex-wrap items-end gap-3">
          {mayPromote && versionSelect("promote-version", "Promote", promoteVersion, setPromoteVersion)}
          {mayPromote && (
            <Button
              disabled={promoteVersion === null}
              onClick={() => {
                if (promoteVersion === null) return;
                if (approvalRequired) return promotionRequest.ask(promoteVersion);
                ask(
                  { kind: "promote", versionNumber: promoteVersion },
                  `Promote v${promoteVersion}?`,
                  `v${promoteVersion} will take 100% of the traffic of ${deploymentName}. Gateways switch within a second.`,
                );
              }}
            >
              {approvalRequired ? "Request promotion" : "Promote"}
            </Button>
          )}
          {mayPromote && <span className="mx-2 h-8 w-px bg-slate-200" aria-hidden />}
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
        {mayPromote ? (
          comparison("promote-version", promoteVersion)
        ) : (
          <p className="text-sm text-slate-600">
            Promoting to production needs the admin role; yours is {role}.
          </p>
        )}
      </div>
      <div className="space-y-1">
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
            disabled={canaryVersion === null}
            onClick={() => {
              if (canaryVersion === null) return;
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
        </div>
        {comparison("canary-version", canaryVersion)}
        {canaryError && (
          <p id="canary-percent-error" role="alert" className="text-sm text-red-700">
            {canaryError}
          </p>
        )}
      </div>
      <div className="space-y-1">
        <div className="flex flex-wrap items-end gap-3">
          {versionSelect("shadow-version", "Shadow", shadowVersion, setShadowVersion)}
          {shadowVersion !== null && shadows.has(shadowVersion) ? (
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
              disabled={shadowVersion === null || serving.has(shadowVersion)}
              onClick={() =>
                shadowVersion !== null &&
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
        {comparison("shadow-version", shadowVersion)}
      </div>
      {refusal}
      {promotionRequest.refusal}
      {dialog}
      {promotionRequest.dialog}
    </div>
  );
}
