"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { useTRPC } from "@/app/_trpc/client";
import { SELECT_CLASS } from "@/app/_components/select";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";
import {
  ALERT_COMPARATORS,
  ALERT_METRIC_NAMES,
  ALERT_METRICS,
  ZAlertComparator,
  ZAlertMetric,
  ZForMinutes,
  ZThreshold,
  ZWindowMinutes,
  type AlertComparator,
  type AlertMetric,
} from "@/server/domain/alerts/alert-rule";
import type { AlertRuleOutput } from "@/server/services/alert/alert-rule-output";

interface Draft {
  name: string;
  deploymentName: string;
  metric: AlertMetric;
  comparator: AlertComparator;
  threshold: string;
  windowMinutes: string;
  forMinutes: string;
  receivers: string;
}

const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const asNumber = (raw: string) => (raw.trim() === "" ? Number.NaN : Number(raw));

function problemOf(schema: z.ZodType, value: unknown): string | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? null : `${upperFirst(parsed.error.issues[0]!.message)}.`;
}

/** One sentence per bad field, checked by the same schemas the server applies. */
function problemsOf(draft: Draft): Partial<Record<keyof Draft, string>> {
  const problems: Partial<Record<keyof Draft, string | null>> = {
    name: draft.name.trim() === "" ? "The rule needs a name." : null,
    deploymentName: draft.deploymentName === "" ? "Choose the deployment the rule watches." : null,
    metric: problemOf(ZAlertMetric, draft.metric),
    comparator: problemOf(ZAlertComparator, draft.comparator),
    threshold: problemOf(ZThreshold, asNumber(draft.threshold)),
    windowMinutes: problemOf(ZWindowMinutes, asNumber(draft.windowMinutes)),
    forMinutes: problemOf(ZForMinutes, asNumber(draft.forMinutes)),
    receivers: receiversOf(draft.receivers).some((number) => !Number.isInteger(number) || number < 1)
      ? "Receivers are webhook numbers separated by commas, such as 1, 3."
      : null,
  };
  return Object.fromEntries(Object.entries(problems).filter(([, problem]) => problem)) as Partial<
    Record<keyof Draft, string>
  >;
}

function receiversOf(raw: string): number[] {
  return raw
    .split(",")
    .map((part) => part.trim().replace(/^#/, ""))
    .filter((part) => part !== "")
    .map(Number);
}

function draftOf(rule: AlertRuleOutput | null): Draft {
  return {
    name: rule?.name ?? "",
    deploymentName: rule?.deploymentName ?? "",
    metric: rule?.metric ?? "drift_share",
    comparator: rule?.comparator ?? ">=",
    threshold: String(rule?.threshold ?? 0.5),
    windowMinutes: String(rule?.windowMinutes ?? 60),
    forMinutes: String(rule?.forMinutes ?? 0),
    receivers: rule?.receiverNumbers.join(", ") ?? "",
  };
}

/** Adds a rule, or edits the one given. */
export function AlertRuleForm({ editing, onDone }: { editing: AlertRuleOutput | null; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deployments = useQuery(trpc.deployment.list.queryOptions());
  const [draft, setDraft] = useState<Draft>(() => draftOf(editing));
  const [submitted, setSubmitted] = useState(false);
  const onSuccess = async () => {
    setDraft(draftOf(null));
    setSubmitted(false);
    onDone();
    await queryClient.invalidateQueries({ queryKey: trpc.alert.pathKey() });
  };
  const create = useMutation(trpc.alert.createRule.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.alert.updateRule.mutationOptions({ onSuccess }));
  const saving = create.isPending || update.isPending;
  const failure = create.error ?? update.error;
  const problems = submitted ? problemsOf(draft) : {};
  const set = (field: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const describedBy = (field: keyof Draft) => (problems[field] ? `alert-${field}-problem` : undefined);
  const problemLine = (field: keyof Draft) =>
    problems[field] && (
      <p id={`alert-${field}-problem`} className="mt-1 text-xs text-red-700">
        {problems[field]}
      </p>
    );

  return (
    <Card
      title={editing ? `Edit rule #${editing.number}` : "Add an alert rule"}
      description="It fires once when the condition has held for the for-duration, and resolves once when it clears."
    >
      <form
        className="space-y-3"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(true);
          if (Object.keys(problemsOf(draft)).length > 0) return;
          const fields = {
            name: draft.name,
            deploymentName: draft.deploymentName,
            metric: draft.metric,
            comparator: draft.comparator,
            threshold: Number(draft.threshold),
            windowMinutes: Number(draft.windowMinutes),
            forMinutes: Number(draft.forMinutes),
            receiverNumbers: receiversOf(draft.receivers),
          };
          if (editing) update.mutate({ number: editing.number, ...fields });
          else create.mutate(fields);
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <div>
            <TextField
              id="alert-name"
              label="Name"
              value={draft.name}
              onChange={set("name")}
              aria-describedby={describedBy("name")}
            />
            {problemLine("name")}
          </div>
          <div>
            <label htmlFor="alert-deployment" className="block text-sm font-medium text-slate-700">
              Deployment
            </label>
            <select
              id="alert-deployment"
              className={SELECT_CLASS}
              value={draft.deploymentName}
              onChange={set("deploymentName")}
              aria-describedby={describedBy("deploymentName")}
            >
              <option value="">Choose…</option>
              {(deployments.data ?? []).map((deployment) => (
                <option key={deployment.name} value={deployment.name}>
                  {deployment.name}
                </option>
              ))}
            </select>
            {problemLine("deploymentName")}
          </div>
          <div>
            <label htmlFor="alert-metric" className="block text-sm font-medium text-slate-700">
              Metric
            </label>
            <select id="alert-metric" className={SELECT_CLASS} value={draft.metric} onChange={set("metric")}>
              {ALERT_METRIC_NAMES.map((metric) => (
                <option key={metric} value={metric}>
                  {metric}: {ALERT_METRICS[metric]}
                </option>
              ))}
            </select>
            {problemLine("metric")}
          </div>
          <div className="grid grid-cols-[5rem_1fr] gap-2">
            <div>
              <label htmlFor="alert-comparator" className="block text-sm font-medium text-slate-700">
                Is
              </label>
              <select
                id="alert-comparator"
                className={SELECT_CLASS}
                value={draft.comparator}
                onChange={set("comparator")}
              >
                {ALERT_COMPARATORS.map((comparator) => (
                  <option key={comparator} value={comparator}>
                    {comparator}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <TextField
                id="alert-threshold"
                label="Threshold"
                inputMode="decimal"
                value={draft.threshold}
                onChange={set("threshold")}
                aria-describedby={describedBy("threshold")}
              />
              {problemLine("threshold")}
            </div>
          </div>
          <div>
            <TextField
              id="alert-window"
              label="Window (minutes)"
              inputMode="numeric"
              value={draft.windowMinutes}
              onChange={set("windowMinutes")}
              aria-describedby={describedBy("windowMinutes")}
            />
            {problemLine("windowMinutes")}
          </div>
          <div>
            <TextField
              id="alert-for"
              label="For (minutes)"
              inputMode="numeric"
              hint="How long the condition must hold; 0 fires at once."
              value={draft.forMinutes}
              onChange={set("forMinutes")}
              aria-describedby={describedBy("forMinutes")}
            />
            {problemLine("forMinutes")}
          </div>
          <div className="sm:col-span-2">
            <TextField
              id="alert-receivers"
              label="Receivers (optional)"
              placeholder="1, 3"
              hint="Webhook numbers from Settings › Webhooks; empty: every webhook subscribed to alert events."
              value={draft.receivers}
              onChange={set("receivers")}
              aria-describedby={describedBy("receivers")}
            />
            {problemLine("receivers")}
          </div>
        </div>
        {failure && <ErrorState title="Rule not saved" message={failure.message} />}
        <div className="flex gap-2">
          <Button type="submit" disabled={saving}>
            {saving ? "Saving…" : editing ? "Save rule" : "Add rule"}
          </Button>
          {editing && (
            <Button variant="secondary" onClick={onDone}>
              Cancel
            </Button>
          )}
        </div>
      </form>
    </Card>
  );
}
