"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { useFileUpload } from "@/app/_trpc/use-file-upload";
import { FileDrop, ProgressBar } from "@/app/_components/file-drop";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";

interface UploadForm {
  description: string;
  gitCommit: string;
  dataRef: string;
  metricsJson: string;
  tagsJson: string;
}

const EMPTY_FORM: UploadForm = { description: "", gitCommit: "", dataRef: "", metricsJson: "", tagsJson: "" };

export function UploadVersion({ modelName }: { modelName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<UploadForm>(EMPTY_FORM);
  const { file, progress, upload, choose, submit } = useFileUpload({
    send: (client, chosen) => {
      const body = new FormData();
      body.set("modelName", modelName);
      body.set("file", chosen);
      body.set("metadata", JSON.stringify(toMetadata(form)));
      return client.modelVersion.upload.mutate(body);
    },
    onUploaded: async () => {
      setForm(EMPTY_FORM);
      await queryClient.invalidateQueries({ queryKey: trpc.model.pathKey() });
    },
  });
  const field = (key: keyof UploadForm) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value }),
  });

  return (
    <Card title="Upload a version" description="An ONNX file; its inputs and outputs are read from the file.">
      <form className="space-y-4" onSubmit={submit}>
        <FileDrop
          accept=".onnx,application/octet-stream"
          label="Choose an ONNX file"
          hint="The file is stored by its sha256 and inspected with onnxruntime."
          file={file}
          disabled={upload.isPending}
          onFile={choose}
        />
        <details className="rounded-md border border-slate-200 px-4 py-2 text-sm">
          <summary className="cursor-pointer font-medium text-slate-700">
            Metrics and lineage (optional)
          </summary>
          <div className="mt-3 grid gap-4 sm:grid-cols-2">
            <div className="sm:col-span-2">
              <TextField id="version-description" label="Description" {...field("description")} />
            </div>
            <TextField
              id="version-git-commit"
              label="Git commit"
              placeholder="e.g. 3f2c9a1"
              {...field("gitCommit")}
            />
            <TextField
              id="version-data-ref"
              label="Training data"
              placeholder="e.g. s3://bucket/train.parquet"
              {...field("dataRef")}
            />
            <TextField
              id="version-metrics"
              label="Metrics (JSON)"
              placeholder='{"auc": 0.91}'
              {...field("metricsJson")}
            />
            <TextField
              id="version-tags"
              label="Tags (JSON)"
              placeholder='{"owner": "risk-team"}'
              {...field("tagsJson")}
            />
          </div>
        </details>
        {upload.isPending && (
          <ProgressBar fraction={progress} label={progress < 1 ? "Uploading" : "Inspecting the model"} />
        )}
        {upload.error && <ErrorState title="Upload rejected" message={upload.error.message} />}
        {upload.data && (
          <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Registered{" "}
            <Link
              className="font-medium underline"
              href={`/models/${modelName}/versions/${upload.data.number}`}
            >
              version {upload.data.number}
            </Link>
            .
          </p>
        )}
        <Button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload version"}
        </Button>
      </form>
    </Card>
  );
}

/** Parse errors of the JSON fields surface as the upload's error, naming the field. */
function toMetadata(form: UploadForm) {
  return {
    description: form.description,
    gitCommit: form.gitCommit || null,
    dataRef: form.dataRef || null,
    metrics: parseJsonField("Metrics", form.metricsJson),
    tags: parseJsonField("Tags", form.tagsJson),
  };
}

function parseJsonField(label: string, text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(
      `${label} must be a JSON object, e.g. ${label === "Metrics" ? '{"auc": 0.91}' : '{"owner": "risk-team"}'}`,
    );
  }
}
