"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ProgressBar } from "@/app/_components/file-drop";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime, formatDuration } from "@/app/_components/time";
import {
  Button,
  Card,
  DataTable,
  DefinitionList,
  ErrorState,
  PageHeader,
  TextField,
} from "@/app/_components/ui";
import { JobStatusBadge } from "../status-badge";

/** How often a running job's progress is read: the workers report about once a second. */
const REFRESH_MS = 1_000;

const percent = (share: number | null) => (share === null ? "—" : `${(share * 100).toFixed(2)}%`);

export function JobPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({
    ...trpc.batchJob.get.queryOptions({ id }),
    refetchInterval: (query) =>
      query.state.data?.status === "queued" || query.state.data?.status === "running" ? REFRESH_MS : false,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.batchJob.pathKey() });
  const cancel = useMutation(trpc.batchJob.cancel.mutationOptions({ onSuccess: refresh }));
  const retry = useMutation(trpc.batchJob.retry.mutationOptions({ onSuccess: refresh }));
  const compare = useMutation(trpc.batchJob.compare.mutationOptions({ onSuccess: refresh }));
  const rerun = useMutation(trpc.batchJob.rerun.mutationOptions({ onSuccess: refresh }));
  const [rerunVersion, setRerunVersion] = useState("");
  const failure = cancel.error ?? retry.error ?? compare.error ?? rerun.error;

  return (
    <QueryState query={job} notFoundTitle="Batch job not found">
      {(data) => (
        <>
          <PageHeader
            breadcrumbs={[{ href: "/jobs", label: "Batch jobs" }]}
            title={`${data.modelName} v${data.versionNumber} on ${data.inputFileName}`}
            subtitle={<JobStatusBadge status={data.status} />}
            actions={
              <>
                {(data.status === "queued" || data.status === "running") && (
                  <Button
                    variant="secondary"
                    disabled={cancel.isPending}
                    onClick={() => cancel.mutate({ id })}
                  >
                    Cancel
                  </Button>
                )}
                {data.status === "failed" && data.chunks?.some((chunk) => chunk.status !== "succeeded") && (
                  <Button disabled={retry.isPending} onClick={() => retry.mutate({ id })}>
                    Retry failed chunks
                  </Button>
                )}
                {data.hasOutput && (
                  <a
                    className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
                    href={`/api/batch-jobs/${id}/output`}
                  >
                    Download output
                  </a>
                )}
                {data.failedRows > 0 && (
                  <a
                    className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
                    href={`/api/batch-jobs/${id}/errors`}
                  >
                    Download errors
                  </a>
                )}
              </>
            }
          />
          {failure && <ErrorState title="Not done" message={failure.message} />}
          <Card title="Progress">
            <ProgressBar
              fraction={data.progress.share}
              label={`${data.doneRows.toLocaleString("en")} of ${data.totalRows.toLocaleString("en")} rows`}
            />
            <div className="mt-4">
              <DefinitionList
                items={[
                  {
                    term: "Rows per second",
                    value:
                      data.progress.rowsPerSecond === null
                        ? "—"
                        : Math.round(data.progress.rowsPerSecond).toLocaleString("en"),
                  },
                  {
                    term: "Time left",
                    value:
                      data.progress.etaSeconds === null || data.status !== "running"
                        ? "—"
                        : formatDuration(data.progress.etaSeconds * 1000),
                  },
                  {
                    term: "Rows refused",
                    value: `${data.failedRows.toLocaleString("en")} (limit ${percent(data.maxErrorShare)})`,
                  },
                  { term: "Created", value: <RelativeTime date={data.createdAt} /> },
                  {
                    term: "Chunks",
                    value: `${data.chunkCount} of ${data.chunkRows.toLocaleString("en")} rows`,
                  },
                  ...(data.error
                    ? [{ term: "Error", value: <span className="text-red-700">{data.error}</span> }]
                    : []),
                ]}
              />
            </div>
          </Card>
          {data.status === "succeeded" && (
            <Card
              title="Re-run with another version"
              description="The same input and mapping; then compare the two outputs."
            >
              <form
                className="flex items-end gap-2"
                onSubmit={(event) => {
                  event.preventDefault();
                  rerun.mutate({ id, versionNumber: Number(rerunVersion) });
                }}
              >
                <TextField
                  id="rerun-version"
                  label="Version"
                  type="number"
                  min={1}
                  value={rerunVersion}
                  onChange={(e) => setRerunVersion(e.target.value)}
                />
                <Button type="submit" disabled={!rerunVersion || rerun.isPending}>
                  Re-run
                </Button>
              </form>
              {rerun.data && (
                <p role="status" className="mt-2 text-sm text-emerald-800">
                  Started{" "}
                  <a className="font-medium underline" href={`/jobs/${rerun.data.id}`}>
                    the re-run
                  </a>
                  .
                </p>
              )}
            </Card>
          )}
          {data.sourceJobId && data.status === "succeeded" && (
            <Card title="Compared with the original job">
              {data.comparison ? (
                <DefinitionList
                  items={[
                    { term: "Rows compared", value: data.comparison.rows.toLocaleString("en") },
                    { term: "Labels changed", value: percent(data.comparison.changedLabelShare) },
                    {
                      term: "Mean |Δ| of scores",
                      value:
                        data.comparison.meanAbsScoreDelta === null
                          ? "—"
                          : data.comparison.meanAbsScoreDelta.toPrecision(4),
                    },
                  ]}
                />
              ) : (
                <Button disabled={compare.isPending} onClick={() => compare.mutate({ id })}>
                  Compare outputs
                </Button>
              )}
            </Card>
          )}
          <Card title="Chunks">
            <DataTable
              caption="Chunks"
              columns={["Chunk", "Rows", "Status", "Done", "Refused", "Attempts", "Host", "Error"]}
            >
              {(data.chunks ?? []).map((chunk) => (
                <tr key={chunk.index}>
                  <td className="px-3 py-2 tabular-nums">{chunk.index}</td>
                  <td className="px-3 py-2 tabular-nums">
                    {(chunk.rowStart + 1).toLocaleString("en")}–
                    {(chunk.rowStart + chunk.rowCount).toLocaleString("en")}
                  </td>
                  <td className="px-3 py-2">{chunk.status}</td>
                  <td className="px-3 py-2 tabular-nums">{chunk.processedRows.toLocaleString("en")}</td>
                  <td className="px-3 py-2 tabular-nums">{chunk.failedRows.toLocaleString("en")}</td>
                  <td className="px-3 py-2 tabular-nums">{chunk.attempts}</td>
                  <td className="px-3 py-2 text-slate-600">{chunk.hostName ?? "—"}</td>
                  <td className="max-w-md px-3 py-2 text-red-700">{chunk.error}</td>
                </tr>
              ))}
            </DataTable>
          </Card>
        </>
      )}
    </QueryState>
  );
}
