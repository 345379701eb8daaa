"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime } from "@/app/_components/time";
import { Button, Card, DataTable, EmptyState, ErrorState, PageHeader, TextField } from "@/app/_components/ui";

export function FeatureSetsPage() {
  const trpc = useTRPC();
  const featureSets = useQuery(trpc.featureSet.list.queryOptions());
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Feature sets"
        subtitle="The features models take, with allowed values and the baseline statistics drift is measured against."
        actions={!creating && <Button onClick={() => setCreating(true)}>New feature set</Button>}
      />
      {creating && <NewFeatureSetForm onClose={() => setCreating(false)} />}
      <Card>
        <QueryState query={featureSets}>
          {(rows) =>
            rows.length === 0 ? (
              <EmptyState title="No feature sets yet">
                Create one, then upload a CSV sample to compute its baseline.
              </EmptyState>
            ) : (
              <DataTable
                caption="Feature sets"
                columns={["Name", "Versions", "Features", "Sample rows", "Latest version"]}
              >
                {rows.map((featureSet) => (
                  <tr key={featureSet.name} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link
                        href={`/feature-sets/${featureSet.name}`}
                        className="font-medium text-indigo-700 hover:underline"
                      >
                        {featureSet.name}
                      </Link>
                      {featureSet.description && (
                        <p className="max-w-md truncate text-xs text-slate-500">{featureSet.description}</p>
                      )}
                    </td>
                    <td className="px-3 py-2 tabular-nums">{featureSet.versionCount}</td>
                    <td className="px-3 py-2 tabular-nums">
                      {featureSet.latestVersion?.featureCount ?? "—"}
                    </td>
                    <td className="px-3 py-2 tabular-nums">
                      {featureSet.latestVersion?.sampleRowCount.toLocaleString("en") ?? "—"}
                    </td>
                    <td className="px-3 py-2 text-slate-500">
                      {featureSet.latestVersion ? (
                        <>
                          v{featureSet.latestVersion.number},{" "}
                          <RelativeTime date={featureSet.latestVersion.createdAt} />
                        </>
                      ) : (
                        "—"
                      )}
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

function NewFeatureSetForm({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation(
    trpc.featureSet.create.mutationOptions({
      onSuccess: async (featureSet) => {
        await queryClient.invalidateQueries({ queryKey: trpc.featureSet.list.queryKey() });
        router.push(`/feature-sets/${featureSet.name}`);
      },
    }),
  );
  return (
    <Card title="New feature set">
      <form
        className="grid max-w-2xl gap-4 sm:grid-cols-2"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, description });
        }}
      >
        <TextField
          id="feature-set-name"
          label="Name"
          required
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint="Lowercase letters, digits and hyphens"
        />
        <TextField
          id="feature-set-description"
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        {create.error && (
          <div className="sm:col-span-2">
            <ErrorState title="Could not create the feature set" message={create.error.message} />
          </div>
        )}
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create feature set"}
          </Button>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
