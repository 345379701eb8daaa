"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { SELECT_CLASS } from "@/app/_components/select";
import { RelativeTime } from "@/app/_components/time";
import { Card, DataTable, EmptyState, PageHeader } from "@/app/_components/ui";
import { BATCH_JOB_STATUSES, type BatchJobStatus } from "@/server/domain/batch/batch-spec";
import { NewJob } from "./new-job";
import { JobStatusBadge } from "./status-badge";

/** Running jobs move: the list refreshes while any is unfinished. */
const REFRESH_MS = 2_000;

export function JobsPage() {
  const trpc = useTRPC();
  const [status, setStatus] = useState<BatchJobStatus | "">("");
  const jobs = useQuery({
    ...trpc.batchJob.list.queryOptions(status ? { status } : {}),
    refetchInterval: (query) =>
      query.state.data?.jobs.some((job) => job.status === "queued" || job.status === "running")
        ? REFRESH_MS
        : false,
  });

  return (
    <>
      <PageHeader
        title="Batch jobs"
        subtitle="Files scored in chunks by the batch workers, with their progress and outputs."
      />
      <NewJob />
      <Card
        title="Jobs"
        actions={
          <select
            aria-label="Status"
            className={SELECT_CLASS}
            value={status}
            onChange={(e) => setStatus(e.target.value as BatchJobStatus | "")}
          >
            <option value="">Any status</option>
            {BATCH_JOB_STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        }
      >
        <QueryState query={jobs}>
          {(data) =>
            data.jobs.length === 0 ? (
              <EmptyState title="No batch jobs">
                Start one above from a CSV, JSONL or Parquet file.
              </EmptyState>
            ) : (
              <DataTable caption="Batch jobs" columns={["Created", "Model", "Input", "Status", "Rows"]}>
                {data.jobs.map((job) => (
                  <tr key={job.id}>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-500">
                      <Link className="text-indigo-700 hover:underline" href={`/jobs/${job.id}`}>
                        <RelativeTime date={job.createdAt} />
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      {job.modelName} v{job.versionNumber}
                    </td>
                    <td className="px-3 py-2 text-slate-600">{job.inputFileName}</td>
                    <td className="px-3 py-2">
                      <JobStatusBadge status={job.status} />
                    </td>
                    <td className="px-3 py-2 tabular-nums">
                      {job.doneRows.toLocaleString("en")} / {job.totalRows.toLocaleString("en")}
                    </td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </QueryState>
      </Card>
    </>
  );
}
