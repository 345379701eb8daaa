"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { SELECT_CLASS } from "@/app/_components/select";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Button, Card, DataTable, EmptyState, PageHeader, TextField } from "@/app/_components/ui";
import { AUDIT_PAGE_SIZE } from "./audit-page-size";
import { ActorName } from "@/app/_components/actor-name";

const TARGET_TYPES = [
  "model",
  "modelVersion",
  "featureSet",
  "featureSetVersion",
  "deployment",
  "webhook",
] as const;

interface Filters {
  action: string;
  targetType: string;
  actor: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { action: "", targetType: "", actor: "", from: "", to: "" };

/** Filters as audit.list and the export take them: empty fields left out, local times as instants. */
function queryOf(filters: Filters) {
  return {
    ...(filters.action && { action: filters.action.trim() }),
    ...(filters.targetType && { targetType: filters.targetType }),
    ...(filters.actor && { actor: filters.actor.trim() }),
    ...(filters.from && { from: new Date(filters.from) }),
    ...(filters.to && { to: new Date(filters.to) }),
  };
}

function exportHref(filters: Filters, format: "csv" | "jsonl"): string {
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(queryOf(filters)))
    params.set(key, value instanceof Date ? value.toISOString() : value);
  return `/api/audit-events?${params}`;
}

export function AuditLogPage() {
  const trpc = useTRPC();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const events = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { ...queryOf(applied), limit: AUDIT_PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const field = (key: keyof Filters) => ({
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
  });

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change in the team: who, when, which object, and its state before and after."
        actions={
          <>
            <a
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
              href={exportHref(applied, "csv")}
            >
              Export CSV
            </a>
            <a
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
              href={exportHref(applied, "jsonl")}
            >
              Export JSON lines
            </a>
          </>
        }
      />
      <Card>
        <form
          className="mb-4 grid gap-3 sm:grid-cols-3 xl:grid-cols-6"
          onSubmit={(event) => {
            event.preventDefault();
            setApplied(draft);
          }}
        >
          <TextField id="audit-action" label="Action" placeholder="deployment.promote" {...field("action")} />
          <div>
            <label htmlFor="audit-target-type" className="block text-sm font-medium text-slate-700">
              Object type
            </label>
            <select id="audit-target-type" className={SELECT_CLASS} {...field("targetType")}>
              <option value="">Any</option>
              {TARGET_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </div>
          <TextField id="audit-actor" label="Actor" placeholder="local" {...field("actor")} />
          <TextField id="audit-from" label="From (local time)" type="datetime-local" {...field("from")} />
          <TextField id="audit-to" label="To (local time)" type="datetime-local" {...field("to")} />
          <div className="flex items-end gap-2">
            <Button type="submit">Apply</Button>
            <Button
              variant="secondary"
              onClick={() => {
                setDraft(NO_FILTERS);
                setApplied(NO_FILTERS);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
        <QueryState query={events}>
          {(data) => {
            const rows = data.pages.flatMap((page) => page.events);
            if (rows.length === 0)
              return (
                <EmptyState title="No changes match">
                  Changes appear here as models, versions and deployments change.
                </EmptyState>
              );
            return (
              <>
                <DataTable
                  caption="Audit events"
                  columns={["When", "Actor", "Action", "Object", "Before → after"]}
                >
                  {rows.map((event, index) => (
                    <tr key={index} className="align-top">
                      <td className="whitespace-nowrap px-3 py-2 text-slate-500">
                        <RelativeTime date={event.at} />
                      </td>
                      <td className="px-3 py-2 text-slate-600">
                        <ActorName actor={event.actor} />
                      </td>
                      <td className="px-3 py-2">
                        <Badge>{event.action}</Badge>
                      </td>
                      <td className="px-3 py-2">
                        <span className="text-xs text-slate-500">{event.target.type}</span>
                        <span className="block font-medium">{event.target.name}</span>
                      </td>
                      <td className="max-w-xl px-3 py-2">
                        <details>
                          <summary className="cursor-pointer text-sm text-indigo-700">
                            Show the change
                          </summary>
                          <div className="mt-2 grid gap-2 md:grid-cols-2">
                            <ChangeState label="Before" value={event.before} />
                            <ChangeState label="After" value={event.after} />
                          </div>
                        </details>
                      </td>
                    </tr>
                  ))}
                </DataTable>
                <div className="mt-4 flex items-center gap-3 text-sm text-slate-500">
                  <span className="tabular-nums">{rows.length.toLocaleString("en")} shown</span>
                  {events.hasNextPage && (
                    <Button
                      variant="secondary"
                      disabled={events.isFetchingNextPage}
                      onClick={() => void events.fetchNextPage()}
                    >
                      {events.isFetchingNextPage ? "Loading…" : "Load older"}
                    </Button>
                  )}
                </div>
              </>
            );
          }}
        </QueryState>
      </Card>
    </>
  );
}

function ChangeState({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs">
        {value === null ? "—" : JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}
