"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime } from "@/app/_components/time";
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

export function ModelsPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const query = useDeferredValue(search);
  const models = useQuery(trpc.model.list.queryOptions({ query }));
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeader
        title="Models"
        subtitle="Every model your team registered, with its versions."
        actions={!creating && <Button onClick={() => setCreating(true)}>New model</Button>}
      />
      {creating && <NewModelForm onClose={() => setCreating(false)} />}
      <Card>
        <div className="mb-4 max-w-sm">
          <TextField
            id="model-search"
            label="Search"
            type="search"
            placeholder="Name, description or task"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <QueryState query={models}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title={query ? `No model matches “${query}”` : "No models yet"}>
                {query ? "Try another search." : "Create a model, then upload its ONNX versions."}
              </EmptyState>
            ) : (
              <DataTable caption="Models" columns={["Name", "Task", "Versions", "Latest", "Updated"]}>
                {rows.map((model) => (
                  <tr key={model.name} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link
                        href={`/models/${model.name}`}
                        className="font-medium text-indigo-700 hover:underline"
                      >
                        {model.name}
                      </Link>
                      {model.description && (
                        <p className="max-w-md truncate text-xs text-slate-500">{model.description}</p>
                      )}
                    </td>
                    <td className="px-3 py-2">
                      <Badge>{model.task}</Badge>
                    </td>
                    <td className="px-3 py-2 tabular-nums">{model.versionCount}</td>
                    <td className="px-3 py-2">
                      {model.latestVersion ? `v${model.latestVersion.number}` : "—"}
                    </td>
                    <td className="px-3 py-2 text-slate-500">
                      <RelativeTime date={model.updatedAt} />
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

function NewModelForm({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState("");
  const [task, setTask] = useState("binary-classification");
  const [description, setDescription] = useState("");
  const create = useMutation(
    trpc.model.create.mutationOptions({
      onSuccess: async (model) => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.list.queryKey() });
        router.push(`/models/${model.name}`);
      },
    }),
  );
  return (
    <Card title="New model">
      <form
        className="grid max-w-2xl gap-4 sm:grid-cols-2"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, task, description });
        }}
      >
        <TextField
          id="model-name"
          label="Name"
          required
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint="Lowercase letters, digits and hyphens, e.g. card-fraud"
        />
        <TextField
          id="model-task"
          label="Task"
          value={task}
          onChange={(e) => setTask(e.target.value)}
          hint="e.g. binary-classification, regression"
        />
        <div className="sm:col-span-2">
          <TextField
            id="model-description"
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        {create.error && (
          <div className="sm:col-span-2">
            <ErrorState title="Could not create the model" message={create.error.message} />
          </div>
        )}
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create model"}
          </Button>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
