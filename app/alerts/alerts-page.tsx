"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import type { AlertRuleOutput } from "@/server/services/alert/alert-rule-output";
import { AlertHistory } from "./alert-history";
import { AlertRuleForm } from "./alert-rule-form";
import { AlertRulesTable } from "./alert-rules-table";

/** Refetched this often, so a rule's state follows the monitor's evaluations. */
const REFRESH_MS = 10_000;

/** The team's alert rules with their state, a form to add or edit one, and the history of episodes. */
export function AlertsPage() {
  const trpc = useTRPC();
  const rules = useQuery({ ...trpc.alert.rules.queryOptions({}), refetchInterval: REFRESH_MS });
  const [editing, setEditing] = useState<AlertRuleOutput | null>(null);

  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Rules on latency, errors, drift, data quality, model quality, cost and queue depth, evaluated by the monitor; notifications go to your webhooks (standard, Slack or PagerDuty)."
      />
      <AlertRuleForm key={editing?.number ?? "new"} editing={editing} onDone={() => setEditing(null)} />
      <QueryState query={rules}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No alert rules yet">
              Add a rule above, for example drift_share ≥ 0.5 on a production deployment.
            </EmptyState>
          ) : (
            <AlertRulesTable rules={rows} onEdit={setEditing} />
          )
        }
      </QueryState>
      <AlertHistory />
    </>
  );
}
