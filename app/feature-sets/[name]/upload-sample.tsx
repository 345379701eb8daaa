"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { useFileUpload } from "@/app/_trpc/use-file-upload";
import { FileDrop, ProgressBar } from "@/app/_components/file-drop";
import { Button, Card, ErrorState } from "@/app/_components/ui";

type SourceKind = "infer" | "previous";

export function UploadSample({
  featureSetName,
  hasVersions,
}: {
  featureSetName: string;
  hasVersions: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [sourceKind, setSourceKind] = useState<SourceKind>(hasVersions ? "previous" : "infer");
  const { file, progress, upload, choose, submit } = useFileUpload({
    send: (client, chosen) => {
      const body = new FormData();
      body.set("featureSetName", featureSetName);
      body.set("file", chosen);
      body.set("featureSource", JSON.stringify({ kind: sourceKind }));
      return client.featureSet.createVersion.mutate(body);
    },
    onUploaded: () => queryClient.invalidateQueries({ queryKey: trpc.featureSet.pathKey() }),
  });

  return (
    <Card
      title="New version from a CSV sample"
      description="A header row with one column per feature; the sample becomes the drift baseline."
    >
      <form className="space-y-4" onSubmit={submit}>
        <FileDrop
          accept=".csv,text/csv"
          label="Choose a CSV file"
          hint="Rows are checked against the features; a bad value is reported with its row and column."
          file={file}
          disabled={upload.isPending}
          onFile={choose}
        />
        <fieldset className="text-sm">
          <legend className="font-medium text-slate-700">Features</legend>
          <div className="mt-1 flex flex-wrap gap-4">
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="feature-source"
                value="previous"
                checked={sourceKind === "previous"}
                disabled={!hasVersions}
                onChange={() => setSourceKind("previous")}
              />
              Same as the latest version (validate the sample against them)
            </label>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="feature-source"
                value="infer"
                checked={sourceKind === "infer"}
                onChange={() => setSourceKind("infer")}
              />
              Infer from the sample (types, categories, non-negative numbers)
            </label>
          </div>
        </fieldset>
        {upload.isPending && (
          <ProgressBar fraction={progress} label={progress < 1 ? "Uploading" : "Computing the baseline"} />
        )}
        {upload.error && <ErrorState title="Sample rejected" message={upload.error.message} />}
        {upload.data && (
          <div role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Created{" "}
            <Link
              className="font-medium underline"
              href={`/feature-sets/${featureSetName}/versions/${upload.data.number}`}
            >
              version {upload.data.number}
            </Link>{" "}
            with {upload.data.featureCount} features from {upload.data.sampleRowCount.toLocaleString("en")}{" "}
            rows.
            {upload.data.ignoredColumns.length > 0 && (
              <> Ignored columns: {upload.data.ignoredColumns.join(", ")}.</>
            )}
            {upload.data.warnings.map((warning) => (
              <p key={warning} className="text-amber-800">
                {warning}
              </p>
            ))}
          </div>
        )}
        <Button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Create version"}
        </Button>
      </form>
    </Card>
  );
}
