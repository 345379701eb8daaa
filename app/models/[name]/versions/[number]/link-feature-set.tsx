"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { SELECT_CLASS } from "@/app/_components/select";
import { Button, ErrorState } from "@/app/_components/ui";

/** Links the version to a feature set version; the server refuses one whose width does not fit. */
export function LinkFeatureSet({
  modelName,
  number,
  current,
}: {
  modelName: string;
  number: number;
  current: { name: string; version: number } | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const featureSets = useQuery(trpc.featureSet.list.queryOptions());
  const [featureSetName, setFeatureSetName] = useState(current?.name ?? "");
  const selected = featureSets.data?.find((featureSet) => featureSet.name === featureSetName);
  const [versionNumber, setVersionNumber] = useState<number | null>(current?.version ?? null);
  const chosenVersion = versionNumber ?? selected?.latestVersion?.number ?? null;
  const link = useMutation(
    trpc.modelVersion.linkFeatureSet.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({
          queryKey: trpc.modelVersion.byNumber.queryKey({ modelName, number }),
        }),
    }),
  );

  if (featureSets.data?.length === 0)
    return (
      <p className="text-sm text-slate-500">
        No feature sets yet: create one under Feature sets to link it here.
      </p>
    );
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        if (featureSetName && chosenVersion)
          link.mutate({ modelName, number, featureSet: { name: featureSetName, version: chosenVersion } });
      }}
    >
      <div className="min-w-48">
        <label htmlFor="link-feature-set" className="block text-sm font-medium text-slate-700">
          Feature set
        </label>
        <select
          id="link-feature-set"
          className={SELECT_CLASS}
          value={featureSetName}
          onChange={(event) => {
            setFeatureSetName(event.target.value);
            setVersionNumber(null);
          }}
        >
          <option value="">Choose…</option>
          {featureSets.data?.map((featureSet) => (
            <option key={featureSet.name} value={featureSet.name} disabled={!featureSet.latestVersion}>
              {featureSet.name}
            </option>
          ))}
        </select>
      </div>
      <div className="w-28">
        <label htmlFor="link-feature-set-version" className="block text-sm font-medium text-slate-700">
          Version
        </label>
        <select
          id="link-feature-set-version"
          className={SELECT_CLASS}
          value={chosenVersion ?? ""}
          disabled={!selected?.latestVersion}
          onChange={(event) => setVersionNumber(Number(event.target.value))}
        >
          {Array.from({ length: selected?.latestVersion?.number ?? 0 }, (_, index) => index + 1)
            .reverse()
            .map((option) => (
              <option key={option} value={option}>
                v{option}
              </option>
            ))}
        </select>
      </div>
      <Button type="submit" disabled={!featureSetName || !chosenVersion || link.isPending}>
        Link
      </Button>
      {current && (
        <Button
          variant="secondary"
          disabled={link.isPending}
          onClick={() => link.mutate({ modelName, number, featureSet: null })}
        >
          Unlink
        </Button>
      )}
      {link.error && (
        <div className="w-full">
          <ErrorState title="Link refused" message={link.error.message} />
        </div>
      )}
    </form>
  );
}
