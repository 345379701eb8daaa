"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime } from "@/app/_components/time";
import { TrafficSplit } from "@/app/_components/traffic-split";
import {
  Badge,
  Button,
  Card,
  DataTable,
  EmptyState,
  ErrorState,
  PageHeader,
  TextField,
} from "@/app/_components/ui";
import { SELECT_CLASS } from "@/app/_components/select";

export function DeploymentsPage() {
  const trpc = useTRPC();
  const deployments = useQuery(trpc.deployment.list.queryOptions());
  const hosts = useQuery({ ...trpc.host.list.queryOptions(), refetchInterval: 15_000 });
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Deployments"
        subtitle="Stable inference endpoints; every traffic change is a revision you can roll back."
        actions={!creating && <Button onClick={() => setCreating(true)}>New deployment</Button>}
      />
      {creating && <NewDeploymentForm onClose={() => setCreating(false)} />}
      <Card>
        <QueryState query={deployments}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No deployments yet">
                Deploy a registered model version to get an inference endpoint.
              </EmptyState>
            ) : (
              <DataTable
                caption="Deployments"
                columns={["Name", "Model", "Environment", "Traffic", "Revision", "Batching"]}
              >
                {rows.map((deployment) => (
                  <tr key={deployment.name} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link
                        href={`/deployments/${deployment.name}`}
                        className="font-medium text-indigo-700 hover:underline"
                      >
                        {deployment.name}
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      <Link className="hover:underline" href={`/models/${deployment.modelName}`}>
                        {deployment.modelName}
                      </Link>
                    </td>
                    <td className="px-3 py-2">
                      <Badge tone={deployment.environment === "production" ? "green" : "slate"}>
                        {deployment.environment}
                      </Badge>
                    </td>
                    <td className="px-3 py-2">
                      {deployment.activeRevision ? (
                        <TrafficSplit target={deployment.activeRevision.target} compact />
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                      {deployment.activeRevision ? (
                        <>
                          #{deployment.activeRevision.number},{" "}
                          <RelativeTime date={deployment.activeRevision.createdAt} />
                        </>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-600 tabular-nums">
                      ≤ {deployment.maxBatchSize} rows, ≤ {deployment.maxQueueDelayMs} ms wait ·{" "}
                      {deployment.device}
                    </td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </QueryState>
      </Card>
      <Card
        title="Serving hosts"
        description="Worker hosts that announced themselves, with the execution provider each runs."
      >
        <QueryState query={hosts}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No worker host has announced itself">
                Start one with <code className="font-mono">npx tsx workers/main.ts</code>.
              </EmptyState>
            ) : (
              <DataTable
                caption="Serving hosts"
                columns={["Host", "Status", "Device", "Execution providers", "Cost", "Last heartbeat"]}
              >
                {rows.map((host) => (
                  <tr key={host.id}>
                    <td className="px-3 py-2 font-mono">{host.name}</td>
                    <td className="px-3 py-2">
                      <Badge tone={host.online ? "green" : "red"}>{host.online ? "online" : "offline"}</Badge>
                    </td>
                    <td className="px-3 py-2">
                      {host.device === "cuda"
                        ? `GPU${host.gpuMemoryMb ? ` (${host.gpuMemoryMb.toLocaleString("en")} MB)` : ""}`
                        : "CPU"}
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">{host.executionProviders.join(", ")}</td>
                    <td className="px-3 py-2 tabular-nums">
                      {host.costMicrosPerHour ? `$${(host.costMicrosPerHour / 1e6).toFixed(2)} / hour` : "—"}
                    </td>
                    <td className="px-3 py-2 text-slate-500">
                      <RelativeTime date={host.lastHeartbeatAt} />
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

function NewDeploymentForm({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const models = useQuery(trpc.model.list.queryOptions({ query: "" }));
  const [form, setForm] = useState({
    name: "",
    modelName: "",
    versionNumber: 0,
    environment: "staging" as "staging" | "production",
    maxBatchSize: 32,
    maxQueueDelayMs: 2,
    device: "cpu" as "cpu" | "cuda",
  });
  const model = models.data?.find((candidate) => candidate.name === form.modelName);
  const latest = model?.latestVersion?.number ?? 0;
  const create = useMutation(
    trpc.deployment.create.mutationOptions({
      onSuccess: async (deployment) => {
        await queryClient.invalidateQueries({ queryKey: trpc.deployment.list.queryKey() });
        router.push(`/deployments/${deployment.name}`);
      },
    }),
  );
  return (
    <Card title="New deployment">
      <form
        className="grid max-w-3xl gap-4 sm:grid-cols-3"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ ...form, versionNumber: form.versionNumber || latest });
        }}
      >
        <TextField
          id="deployment-name"
          label="Name"
          required
          autoFocus
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          hint="Part of the endpoint URL"
        />
        <div>
          <label htmlFor="deployment-model" className="block text-sm font-medium text-slate-700">
            Model
          </label>
          <select
            id="deployment-model"
            required
            className={SELECT_CLASS}
            value={form.modelName}
            onChange={(e) => setForm({ ...form, modelName: e.target.value, versionNumber: 0 })}
          >
            <option value="">Choose…</option>
            {models.data?.map((candidate) => (
              <option key={candidate.name} value={candidate.name} disabled={!candidate.latestVersion}>
                {candidate.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="deployment-version" className="block text-sm font-medium text-slate-700">
            Version
          </label>
          <select
            id="deployment-version"
            className={SELECT_CLASS}
            disabled={!latest}
            value={form.versionNumber || latest}
            onChange={(e) => setForm({ ...form, versionNumber: Number(e.target.value) })}
          >
            {Array.from({ length: latest }, (_, index) => latest - index).map((number) => (
              <option key={number} value={number}>
                v{number}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="deployment-environment" className="block text-sm font-medium text-slate-700">
            Environment
          </label>
          <select
            id="deployment-environment"
            className={SELECT_CLASS}
            value={form.environment}
            onChange={(e) => setForm({ ...form, environment: e.target.value as "staging" | "production" })}
          >
            <option value="staging">staging</option>
            <option value="production">production</option>
          </select>
        </div>
        <TextField
          id="deployment-max-batch"
          label="Max batch size (rows)"
          type="number"
          min={1}
          max={4096}
          value={form.maxBatchSize}
          onChange={(e) => setForm({ ...form, maxBatchSize: Number(e.target.value) })}
        />
        <TextField
          id="deployment-max-delay"
          label="Max queue delay (ms)"
          type="number"
          min={0}
          max={1000}
          value={form.maxQueueDelayMs}
          onChange={(e) => setForm({ ...form, maxQueueDelayMs: Number(e.target.value) })}
        />
        <div>
          <label htmlFor="deployment-device" className="block text-sm font-medium text-slate-700">
            Device
          </label>
          <select
            id="deployment-device"
            className={SELECT_CLASS}
            value={form.device}
            onChange={(e) => setForm({ ...form, device: e.target.value as "cpu" | "cuda" })}
          >
            <option value="cpu">CPU</option>
            <option value="cuda">GPU (CUDA, falls back to CPU)</option>
          </select>
        </div>
        {create.error && (
          <div className="sm:col-span-3">
            <ErrorState title="Could not create the deployment" message={create.error.message} />
          </div>
        )}
        <div className="flex gap-2 sm:col-span-3">
          <Button type="submit" disabled={create.isPending || !form.modelName}>
            {create.isPending ? "Creating…" : "Create deployment"}
          </Button>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
