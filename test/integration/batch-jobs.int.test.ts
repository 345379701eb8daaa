import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { Queue } from "bullmq";
import { parquetWriteBuffer } from "hyparquet-writer";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCH_CHUNK_QUEUE_NAME, BATCH_FINALIZE_QUEUE_NAME } from "@/server/contracts/batch";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { closeBatchFlows } from "@/server/services/batch-job/batch-flow";
import { awaitBatchJob, batchFilePath, csvRecords, readBatchFile } from "@/test/support/batch-jobs";
import { readDemoFile } from "@/test/support/demo-files";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";
import { GET as downloadBatchFile } from "@/app/api/batch-jobs/[id]/[file]/route";

// Batch jobs end to end: the tRPC API in this process, a real batch worker in a child process.

const api = callerFor();
const MODEL = "card-fraud";
let worker: ChildProcess;
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let holdoutCsv: string;
let features: Feature[];
/** Each version run by onnxruntime in this process on the whole holdout. */
const direct = new Map<number, { probabilities: Float32Array; labels: number[] }>();

const encode = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  artifacts = await serveArtifacts();
  worker = await startWorkerProcess({
    hostName: "batch-1",
    artifactSourceUrl: artifacts.url,
    env: { WORKER_ROLES: "batch" },
  });
  const manifest = JSON.parse(new TextDecoder().decode(await readDemoFile("manifest.json"))) as {
    featureSet: { features: Feature[] };
  };
  features = manifest.featureSet.features;
  holdoutCsv = new TextDecoder().decode(await readDemoFile("fraud-holdout.csv"));
  await api.featureSet.create({ name: MODEL });
  await api.featureSet.createVersion(
    uploadForm({
      featureSetName: MODEL,
      file: await readDemoFile("fraud-sample.csv"),
      featureSource: JSON.stringify({ kind: "explicit", features }),
    }),
  );
  await api.model.create({ name: MODEL });
  const rows = csvRecords(holdoutCsv).map((record) =>
    features.map((feature) => {
      const cell = record[feature.name]!;
      if (feature.dtype === "category") return feature.categories.indexOf(cell);
      if (feature.dtype === "bool") return Number(cell === "true");
      return Number(cell);
    }),
  );
  const input = new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, features.length]);
  for (const version of [1, 2]) {
    const file = await readDemoFile(`fraud-v${version}.onnx`);
    await api.modelVersion.upload(
      uploadForm({
        modelName: MODEL,
        file,
        metadata: JSON.stringify({ featureSet: { name: MODEL, version: 1 } }),
      }),
    );
    const session = await ort.InferenceSession.create(file);
    const { probability, label } = await session.run({ features: input });
    direct.set(version, {
      probabilities: probability!.data as Float32Array,
      labels: Array.from(label!.data as BigInt64Array, Number),
    });
    await session.release();
  }
}, 120_000);

afterAll(async () => {
  await stopProcess(worker);
  await artifacts.close();
  await closeBatchFlows();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  for (const name of [BATCH_CHUNK_QUEUE_NAME, BATCH_FINALIZE_QUEUE_NAME]) {
    const queue = new Queue(name, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
});

function create(parts: Record<string, string | Uint8Array>) {
  return api.batchJob.create(uploadForm({ modelName: MODEL, versionNumber: "1", format: "csv", ...parts }));
}

describe("batch jobs", () => {
  it("scores a CSV in chunks, in input order, with the predictions a direct session.run gives", async () => {
    const created = await create({ file: encode(holdoutCsv), chunkRows: "700", batchRows: "256" });
    expect(created).toMatchObject({ status: "queued", totalRows: 5000, chunkCount: 8, versionNumber: 1 });
    const job = await awaitBatchJob(created.id);
    expect(job).toMatchObject({ status: "succeeded", doneRows: 5000, failedRows: 0, hasOutput: true });
    expect(job.progress.share).toBe(1);
    expect(job.chunks!.map((chunk) => chunk.status)).toEqual(new Array(8).fill("succeeded"));

    const output = csvRecords(await readBatchFile(job.id, "output"));
    const input = csvRecords(holdoutCsv);
    expect(output).toHaveLength(5000);
    const { probabilities, labels } = direct.get(1)!;
    output.forEach((row, index) => {
      // The input row as it was, then the predictions.
      expect(row.amount).toBe(input[index]!.amount);
      expect(Number(row.label)).toBe(labels[index]);
      expect(Number(row.probability)).toBe(probabilities[index]);
    });
    expect(await readBatchFile(job.id, "errors")).toBe("");
  });

  it("downloads a job's output only for its own team", async () => {
    const job = await awaitBatchJob(
      (await create({ file: encode(holdoutCsv.split("\n").slice(0, 6).join("\n")) })).id,
    );
    const download = (file: string, team?: string) =>
      downloadBatchFile(
        new Request(`http://console/api/batch-jobs/${job.id}/${file}`, {
          headers: team ? { "x-team": team } : {},
        }),
        { params: Promise.resolve({ id: job.id, file }) },
      );
    const answer = await download("output");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(await answer.text()).toBe(await readBatchFile(job.id, "output"));
    await createTeam("other-team");
    const foreign = await download("output", "other-team");
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({ error: `batch job '${job.id}' does not exist` });
    expect((await download("secrets")).status).toBe(404);
  });

  it("puts bad rows in the errors file with their line and reason, and keeps their place in the output", async () => {
    const lines = holdoutCsv.trimEnd().split("\n").slice(0, 101);
    lines[3] = lines[3]!.replace(/,(grocery|restaurant|fuel|online|travel|electronics),/, ",casino,");
    lines[10] = lines[10]!.split(",").slice(0, 5).join(",");
    lines[20] = lines[20]!.replace(/^[^,]+,/, "lots,");
    const created = await create({
      file: encode(`${lines.join("\n")}\n`),
      chunkRows: "30",
      maxErrorShare: "0.05",
    });
    const job = await awaitBatchJob(created.id);
    expect(job).toMatchObject({ status: "succeeded", totalRows: 100, failedRows: 3 });
    const errors = (await readBatchFile(job.id, "errors"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { line: number; reason: string });
    expect(errors).toEqual([
      {
        line: 4,
        reason: expect.stringContaining("column 'merchant_category': 'casino' is not one of its categories"),
      },
      { line: 11, reason: "has 5 fields but the header has 15 columns" },
      { line: 21, reason: "column 'amount': 'lots' is not a number" },
    ]);
    const output = csvRecords(await readBatchFile(job.id, "output").then((text) => text));
    expect(output).toHaveLength(100);
    expect(output[2]!.label).toBe("");
    expect(output[3]!.label).not.toBe("");
  });

  it("fails a job whose error share passes its limit, saying how many rows and where to look", async () => {
    const lines = holdoutCsv.trimEnd().split("\n").slice(0, 11);
    lines[1] = lines[1]!.replace(/^[^,]+,/, "x,");
    lines[2] = lines[2]!.replace(/^[^,]+,/, "y,");
    const job = await awaitBatchJob(
      (await create({ file: encode(lines.join("\n")), maxErrorShare: "0.1" })).id,
    );
    expect(job.status).toBe("failed");
    expect(job.error).toBe(
      "2 of 10 rows (20%) could not be scored, over the limit of 10%; the errors file names each row and why",
    );
  });

  it("reads JSONL and Parquet inputs through the feature set's columns, writing JSONL and (asked) CSV", async () => {
    const input = csvRecords(holdoutCsv).slice(0, 50);
    const jsonl = input.map((record) => JSON.stringify(record)).join("\n");
    const fromJson = await awaitBatchJob(
      (await create({ file: encode(jsonl), format: "jsonl", chunkRows: "20" })).id,
    );
    expect(fromJson.status).toBe("succeeded");
    const lines = (await readBatchFile(fromJson.id, "output"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { label: number; is_fraud: string });
    expect(lines.map((line) => line.label)).toEqual(direct.get(1)!.labels.slice(0, 50));
    expect(lines[0]!.is_fraud).toBe(input[0]!.is_fraud);

    const parquet = parquetFile(input);
    const fromParquet = await awaitBatchJob(
      (await create({ file: parquet, format: "parquet", chunkRows: "16", outputFormat: "csv" })).id,
    );
    expect(fromParquet).toMatchObject({ status: "succeeded", outputFormat: "csv", chunkCount: 4 });
    const rows = csvRecords(await readBatchFile(fromParquet.id, "output"));
    expect(rows.map((row) => Number(row.label))).toEqual(direct.get(1)!.labels.slice(0, 50));
  });

  it("writes a Parquet input's output as Parquet: its columns as they were, then typed predictions", async () => {
    const input = csvRecords(holdoutCsv);
    input[7] = { ...input[7]!, merchant_category: "casino" }; // refused: its predictions are null
    const created = await create({ file: parquetFile(input), format: "parquet", chunkRows: "700" });
    const job = await awaitBatchJob(created.id);
    expect(job).toMatchObject({ status: "succeeded", outputFormat: "parquet", chunkCount: 8, failedRows: 1 });
    const file = await asyncBufferFromFile(batchFilePath(await outputKeyOf(job.id)));
    const metadata = await parquetMetadataAsync(file);
    const leaves = metadata.schema.slice(1);
    // The signature's order (probability, then label), as in a CSV output.
    expect(leaves.map((leaf) => leaf.name)).toEqual([...Object.keys(input[0]!), "probability", "label"]);
    expect(leaves.slice(-2).map((leaf) => [leaf.type, leaf.repetition_type])).toEqual([
      ["FLOAT", "OPTIONAL"],
      ["INT64", "OPTIONAL"],
    ]);
    const rows = await parquetReadObjects({ file, metadata });
    expect(rows).toHaveLength(5000);
    const { probabilities, labels } = direct.get(1)!;
    const predicted = rows.map((row) => [row.amount, row.label, row.probability]);
    const expected = input.map((record, index) =>
      index === 7
        ? [Number(record.amount), null, null]
        : [Number(record.amount), BigInt(labels[index]!), probabilities[index]],
    );
    expect(predicted).toEqual(expected);
    expect(rows[7]!.merchant_category).toBe("casino");

    const answer = await downloadBatchFile(new Request(`http://console/api/batch-jobs/${job.id}/output`), {
      params: Promise.resolve({ id: job.id, file: "output" }),
    });
    expect(answer.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expect(answer.headers.get("content-disposition")).toMatch(/output\.parquet"$/);
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(
      new Uint8Array(await readFile(batchFilePath(await outputKeyOf(job.id)))),
    );

    // Compare reads Parquet outputs too: a re-run with version 2 against this one.
    const rerun = await api.batchJob.rerun({ id: job.id, versionNumber: 2 });
    expect((await awaitBatchJob(rerun.id)).status).toBe("succeeded");
    const comparison = await api.batchJob.compare({ id: rerun.id });
    const v2 = direct.get(2)!.labels;
    const changed = labels.filter((label, index) => index !== 7 && label !== v2[index]).length;
    expect(comparison).toMatchObject({ rows: 5000, changedLabelShare: changed / 5000 });
  });

  it("refuses bad input before storing anything, naming the cause", async () => {
    const cases: [Record<string, string | Uint8Array>, string][] = [
      [{ file: encode("") }, "the file is empty"],
      [
        { file: parquetFile(csvRecords(holdoutCsv).slice(0, 3)) },
        "the file is Parquet, not CSV: give format 'parquet'",
      ],
      [{ file: Uint8Array.of(0xff, 0xfe, 0x00, 0x41, 0x0a, 0xc3) }, "the file is not UTF-8 text"],
      [
        { file: encode("amount,hour\n1,2\n") },
        "the file has no column 'merchant_category', which the mapping names for input 'features'",
      ],
      [{ file: encode(holdoutCsv.split("\n")[0]!) }, "the CSV file has no data rows"],
      [{ file: encode(holdoutCsv), versionNumber: "9" }, "model 'card-fraud' has no version 9"],
      [
        { file: parquetFile(csvRecords(holdoutCsv).slice(0, 3), { amount: "STRING" }), format: "parquet" },
        "Parquet column 'amount' is of type string; input 'features' needs numbers or booleans there",
      ],
      [
        { file: encode(holdoutCsv), mapping: JSON.stringify({ features: ["amount"] }) },
        "takes 14 columns; the mapping gives 1",
      ],
      [{ file: encode(holdoutCsv), outputFormat: "parquet" }, "Parquet output needs a Parquet input"],
      [
        {
          file: parquetFile(csvRecords(holdoutCsv).map((record) => ({ ...record, label: "0" }))),
          format: "parquet",
        },
        "the input already has a column 'label', which the model's predictions would add",
      ],
    ];
    const before = (await api.batchJob.list({})).jobs.length;
    for (const [parts, message] of cases) {
      await expect(create(parts), message).rejects.toMatchObject({
        message: expect.stringContaining(message),
      });
    }
    expect((await api.batchJob.list({})).jobs).toHaveLength(before);
  });

  it("stops the remaining chunks of a cancelled job", async () => {
    const many = `${holdoutCsv.trimEnd()}\n${holdoutCsv.trimEnd().split("\n").slice(1).join("\n")}\n`;
    const created = await create({ file: encode(many), chunkRows: "25" });
    expect(created.chunkCount).toBe(400);
    const cancelled = await api.batchJob.cancel({ id: created.id });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelRequested: true });
    // Give the worker time to drain what is queued: every chunk must end skipped, not scored.
    const deadlineMs = Date.now() + 60_000;
    let job = await api.batchJob.get({ id: created.id });
    while (
      job.chunks!.some((chunk) => chunk.status === "queued" || chunk.status === "running") &&
      Date.now() < deadlineMs
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = await api.batchJob.get({ id: created.id });
    }
    const succeeded = job.chunks!.filter((chunk) => chunk.status === "succeeded").length;
    expect(job.chunks!.filter((chunk) => chunk.status === "cancelled").length).toBe(400 - succeeded);
    expect(succeeded).toBeLessThan(400);
    expect(job.status).toBe("cancelled");
    expect(job.hasOutput).toBe(false);
    await expect(api.batchJob.cancel({ id: created.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("retries only the failed chunks of a failed job, as a new round", async () => {
    const lines = holdoutCsv.trimEnd().split("\n").slice(0, 61);
    lines[60] = `"${lines[60]!}`; // a quote never closed: the last chunk is not valid CSV
    const failed = await awaitBatchJob(
      (await create({ file: encode(lines.join("\n")), chunkRows: "20" })).id,
    );
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(
      /^1 of 3 chunks failed; chunk 2 \(rows from line 42\): the CSV chunk from line 42 is not valid CSV/,
    );
    const retried = await api.batchJob.retry({ id: failed.id });
    expect(retried.status).toBe("running");
    const again = await awaitBatchJob(failed.id);
    expect(again.status).toBe("failed");
    expect(again.chunks!.map((chunk) => [chunk.status, chunk.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 1],
      ["failed", 2],
    ]);
    await expect(
      api.batchJob.retry({ id: (await create({ file: encode(lines.slice(0, 5).join("\n")) })).id }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("scores with a deployment's production version, from an earlier job's input", async () => {
    const earlier = await create({ file: encode(holdoutCsv.split("\n").slice(0, 21).join("\n")) });
    await api.deployment.create({ name: "fraud-prod", modelName: MODEL, versionNumber: 2 });
    const job = await api.batchJob.createFromJob({
      fromJobId: earlier.id,
      deploymentName: "fraud-prod",
      format: "csv",
    });
    expect(job).toMatchObject({
      versionNumber: 2,
      deploymentName: "fraud-prod",
      totalRows: 20,
      inputFileName: earlier.inputFileName,
    });
    const done = await awaitBatchJob(job.id);
    expect(done.status).toBe("succeeded");
    const labels = csvRecords(await readBatchFile(job.id, "output")).map((row) => Number(row.label));
    expect(labels).toEqual(direct.get(2)!.labels.slice(0, 20));
    await expect(
      api.batchJob.createFromJob({ fromJobId: "nope", deploymentName: "fraud-prod", format: "csv" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "batch job 'nope' does not exist",
    });
  });

  it("re-runs a finished job with another version and compares the two outputs", async () => {
    const first = await awaitBatchJob((await create({ file: encode(holdoutCsv), chunkRows: "2500" })).id);
    const rerun = await api.batchJob.rerun({ id: first.id, versionNumber: 2 });
    expect(rerun).toMatchObject({
      sourceJobId: first.id,
      versionNumber: 2,
      inputFileName: first.inputFileName,
    });
    expect((await awaitBatchJob(rerun.id)).status).toBe("succeeded");
    const comparison = await api.batchJob.compare({ id: rerun.id });
    const [v1, v2] = [direct.get(1)!, direct.get(2)!];
    const changed = v1.labels.filter((label, index) => label !== v2.labels[index]).length;
    let deltaSum = 0;
    for (let k = 0; k < v1.probabilities.length; k++)
      deltaSum += Math.abs(v1.probabilities[k]! - v2.probabilities[k]!);
    expect(comparison.rows).toBe(5000);
    expect(comparison.changedLabelShare).toBe(changed / 5000);
    expect(comparison.meanAbsScoreDelta).toBeCloseTo(deltaSum / v1.probabilities.length, 9);
    expect((await api.batchJob.get({ id: rerun.id })).comparison).toEqual(comparison);
    const listed = await api.batchJob.list({ status: "succeeded", modelName: MODEL });
    expect(listed.jobs.map((job) => job.id)).toContain(rerun.id);
  });
});

async function outputKeyOf(id: string): Promise<string> {
  return (await getDb().batchJob.findUniqueOrThrow({ where: { id } })).outputKey!;
}

function parquetFile(records: Record<string, string>[], types: Record<string, "STRING"> = {}): Uint8Array {
  const columns = Object.keys(records[0]!);
  const buffer = parquetWriteBuffer({
    columnData: columns.map((name) => {
      const feature = features.find((f) => f.name === name);
      const numeric =
        types[name] !== "STRING" && (!feature || feature.dtype === "float" || feature.dtype === "int");
      const isBool = feature?.dtype === "bool";
      return {
        name,
        data: records.map((record) =>
          isBool ? record[name] === "true" : numeric ? Number(record[name]) : record[name]!,
        ),
        type: isBool ? "BOOLEAN" : numeric ? "DOUBLE" : "STRING",
      };
    }),
  });
  return new Uint8Array(buffer);
}
