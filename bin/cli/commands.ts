import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { MlopsClient } from "../client/create-mlops-client";
import { CliError } from "./exit-codes";

/** What a command gives back: the object `--json` prints, and the lines a person reads. */
export interface CommandResult {
  json: unknown;
  text: string;
  /** A finished command whose outcome is a failure (an evaluation that failed): exit code 7. */
  failed?: boolean;
}

const percent = (weight: number) => `${weight}%`;

export async function listModels(client: MlopsClient, query: string): Promise<CommandResult> {
  const models = await client.model.list.query({ query });
  const text = models.length
    ? models.map((model) => `${model.name}\t${model.versionCount} versions`).join("\n")
    : "no models";
  return { json: models, text };
}

export interface RegisterOptions {
  metrics: Record<string, number>;
  tags: Record<string, string>;
  gitCommit?: string;
  description?: string;
  dataRef?: string;
  featureSet?: { name: string; version: number };
}

/** Streams the file from disk (a Blob backed by it): a large model is never read into memory first. */
export async function registerVersion(
  client: MlopsClient,
  modelName: string,
  file: string,
  options: RegisterOptions,
): Promise<CommandResult> {
  const size = await stat(file).then(
    (info) => (info.isFile() ? info.size : null),
    () => null,
  );
  if (size === null) throw new CliError("usage", `${file} is not a readable file`);
  const form = new FormData();
  form.set("modelName", modelName);
  form.set("metadata", JSON.stringify(options));
  form.set("file", await openAsBlob(file), path.basename(file));
  const version = await client.modelVersion.upload.mutate(form);
  return {
    json: { modelName, ...version },
    text: `registered ${modelName} v${version.number} (sha256 ${version.artifactSha256.slice(0, 12)})`,
  };
}

export async function showVersion(
  client: MlopsClient,
  modelName: string,
  number: number,
): Promise<CommandResult> {
  const version = await client.modelVersion.byNumber.query({ modelName, number });
  const metrics = Object.entries(version.metrics).map(([name, value]) => `${name}=${value}`);
  return {
    json: version,
    text: [
      `${modelName} v${version.number}`,
      ...(metrics.length ? [`metrics: ${metrics.join(", ")}`] : []),
    ].join("\n"),
  };
}

const POLL_INTERVAL_MS = 250;

/** Starts an evaluation and, unless told not to, waits for its metrics; a failed run exits 7. */
export async function evaluate(
  client: MlopsClient,
  input: { modelName: string; versionNumber: number; goldenSetName: string },
  { wait, timeoutMs }: { wait: boolean; timeoutMs: number },
): Promise<CommandResult> {
  let evaluation = await client.evaluation.start.mutate(input);
  const deadline = Date.now() + timeoutMs;
  while (wait && (evaluation.status === "queued" || evaluation.status === "running")) {
    if (Date.now() > deadline)
      throw new CliError(
        "unavailable",
        `evaluation ${evaluation.number} is still ${evaluation.status} after ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    evaluation = await client.evaluation.get.query({ modelName: input.modelName, number: evaluation.number });
  }
  const metrics = Object.entries(evaluation.metrics)
    .map(([name, value]) => `${name}=${value ?? "n/a"}`)
    .join(", ");
  const head = `evaluation ${evaluation.number} of ${input.modelName} v${input.versionNumber} on '${input.goldenSetName}': ${evaluation.status}`;
  return {
    json: evaluation,
    text: [head, ...(metrics ? [metrics] : []), ...(evaluation.error ? [evaluation.error] : [])].join("\n"),
    failed: evaluation.status === "failed",
  };
}

type TrafficChange = Parameters<MlopsClient["deployment"]["changeTraffic"]["mutate"]>[0]["change"];

export async function changeTraffic(
  client: MlopsClient,
  deploymentName: string,
  change: TrafficChange,
): Promise<CommandResult> {
  const revision = await client.deployment.changeTraffic.mutate({ name: deploymentName, change });
  return {
    json: { deploymentName, revision },
    text: `${deploymentName}: revision ${revision.number} (${revision.strategy}) ${revision.reason}`,
  };
}

export async function deploymentStatus(client: MlopsClient, name: string): Promise<CommandResult> {
  const deployment = await client.deployment.byName.query({ name });
  const { target } = deployment.activeRevision;
  const weights = target.weights
    .map((entry) => `v${entry.versionNumber} ${percent(entry.weight)}`)
    .join(", ");
  const shadows = target.shadows.map((entry) => `v${entry.versionNumber}`).join(", ");
  const text = [
    `${deployment.name} (${deployment.modelName}, ${deployment.environment})`,
    `revision ${deployment.activeRevision.number} (${deployment.activeRevision.strategy}): ${weights}`,
    ...(shadows ? [`shadows: ${shadows}`] : []),
    `rollback to: ${deployment.rollbackTo === null ? "none" : `revision ${deployment.rollbackTo}`}`,
    `infer: ${deployment.inferUrl}`,
  ].join("\n");
  return { json: deployment, text };
}

export async function listJobs(
  client: MlopsClient,
  filters: Parameters<MlopsClient["batchJob"]["list"]["query"]>[0],
): Promise<CommandResult> {
  const { jobs } = await client.batchJob.list.query(filters);
  const text = jobs.length ? jobs.map((job) => jobLine(job)).join("\n") : "no jobs";
  return { json: jobs, text };
}

function jobLine(job: {
  id: string;
  status: string;
  doneRows: number;
  totalRows: number;
  modelName: string;
}) {
  return `${job.id}\t${job.status}\t${job.doneRows}/${job.totalRows} rows\t${job.modelName}`;
}

export async function showJob(client: MlopsClient, id: string): Promise<CommandResult> {
  const job = await client.batchJob.get.query({ id });
  return {
    json: job,
    text: jobLine(job),
    failed: job.status === "failed",
  };
}
