"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { useFileUpload } from "@/app/_trpc/use-file-upload";
import { FileDrop, ProgressBar } from "@/app/_components/file-drop";
import { SELECT_CLASS } from "@/app/_components/select";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";
import {
  BATCH_INPUT_FORMATS,
  DEFAULT_CHUNK_ROWS,
  type BatchInputFormat,
} from "@/server/domain/batch/batch-spec";

/** The format a file's name says, for the picker's default. */
function formatOf(name: string): BatchInputFormat {
  if (name.endsWith(".parquet")) return "parquet";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  return "csv";
}

export function NewJob() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [modelName, setModelName] = useState("");
  const [versionNumber, setVersionNumber] = useState("1");
  const [format, setFormat] = useState<BatchInputFormat>("csv");
  const [chunkRows, setChunkRows] = useState(String(DEFAULT_CHUNK_ROWS));
  const { file, progress, upload, choose, submit } = useFileUpload({
    send: (client, chosen) => {
      const body = new FormData();
      body.set("modelName", modelName.trim());
      body.set("versionNumber", versionNumber);
      body.set("format", format);
      body.set("chunkRows", chunkRows);
      body.set("file", chosen);
      return client.batchJob.create.mutate(body);
    },
    onUploaded: () => queryClient.invalidateQueries({ queryKey: trpc.batchJob.pathKey() }),
  });

  return (
    <Card
      title="New batch job"
      description="Score a file with a model version; the output is the file with predictions appended."
    >
      <form className="space-y-4" onSubmit={submit}>
        <FileDrop
          accept=".csv,.jsonl,.ndjson,.parquet"
          label="Choose a CSV, JSONL or Parquet file"
          hint="Columns are mapped to the model's input by the version's feature set, or taken in order."
          file={file}
          disabled={upload.isPending}
          onFile={(chosen) => {
            setFormat(formatOf(chosen.name));
            choose(chosen);
          }}
        />
        <div className="grid gap-3 sm:grid-cols-4">
          <TextField
            id="job-model"
            label="Model"
            value={modelName}
            onChange={(e) => setModelName(e.target.value)}
            required
          />
          <TextField
            id="job-version"
            label="Version"
            type="number"
            min={1}
            value={versionNumber}
            onChange={(e) => setVersionNumber(e.target.value)}
          />
          <div>
            <label htmlFor="job-format" className="block text-sm font-medium text-slate-700">
              Format
            </label>
            <select
              id="job-format"
              className={SELECT_CLASS}
              value={format}
              onChange={(e) => setFormat(e.target.value as BatchInputFormat)}
            >
              {BATCH_INPUT_FORMATS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <TextField
            id="job-chunk-rows"
            label="Rows per chunk"
            type="number"
            min={1}
            value={chunkRows}
            onChange={(e) => setChunkRows(e.target.value)}
          />
        </div>
        {upload.isPending && (
          <ProgressBar fraction={progress} label={progress < 1 ? "Uploading" : "Checking the file"} />
        )}
        {upload.error && <ErrorState title="Job not created" message={upload.error.message} />}
        {upload.data && (
          <div role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Queued{" "}
            <Link className="font-medium underline" href={`/jobs/${upload.data.id}`}>
              the job
            </Link>{" "}
            for {upload.data.totalRows.toLocaleString("en")} rows in {upload.data.chunkCount} chunks.
          </div>
        )}
        <Button type="submit" disabled={!file || !modelName.trim() || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Start job"}
        </Button>
      </form>
    </Card>
  );
}
