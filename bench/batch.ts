import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { ZColumnMapping } from "@/server/domain/batch/batch-spec";
import { storedChunkBounds } from "@/server/domain/batch/chunk-plan";
import { planInputs } from "@/server/domain/batch/input-plan";
import { predictionColumnNames } from "@/server/domain/batch/prediction-columns";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { closeBatchFlows } from "@/server/services/batch-job/batch-flow";
import { createBatchJob } from "@/server/services/batch-job/create-batch-job";
import { stageStream, usingStagedFile } from "@/server/storage/upload-staging";
import { ACCOUNT_HEADER, accountJob, accountLine } from "./batch-accounting";
import { measureCsvFloors, type CsvFloors } from "./batch-floors";
import { setUpConsole, type BenchModel } from "./bench-stack";
import { formatSummary, summarizeProfile } from "./cpu-profile-summary";
import { REPO, startNodeProcess, stopNodeProcess } from "./processes";

/**
 * `npm run bench:batch`: a batch job of the demo fraud model (1,000,000 rows by default) and one
 * of the heavy MLP (100,000), each a CSV scored by a real batch worker process, against raw
 * onnxruntime-node session.run in this process at the same batch size on rows of the same width,
 * measured in the same run, just before and just after the job (the ratio is against their mean:
 * on a shared machine the load drifts over a job of minutes). Prints rows/s, the ratio (target
 * >= 0.7), the worker's peak RSS (VmHWM; target < 500 MB) and the load average around the job.
 * Then, per job row, the floors any CSV job here pays (batch-floors.ts: parse, format + write,
 * raw session.run, on the job's own file and chunks, in this process once the worker is gone)
 * and where the rest of the job's time went (batch-accounting.ts: the first chunk, the gaps
 * between chunks, the later chunks beyond their floor, the hand-over to the parent job).
 * Options: --fraud-rows, --heavy-rows, --batch-rows=256, --chunk-rows=10000, --raw-seconds=5,
 * --fraud-floor-rows=200000 and --heavy-floor-rows=20000 (rows the floor passes take, from the
 * first chunks: each heavy row costs a real run), --profile=<dir> (`node --cpu-prof` on the worker;
 * summary printed).
 */
const { values: args } = parseArgs({
  options: {
    "fraud-rows": { type: "string", default: "1000000" },
    "heavy-rows": { type: "string", default: "100000" },
    "batch-rows": { type: "string", default: "256" },
    "chunk-rows": { type: "string", default: "10000" },
    "raw-seconds": { type: "string", default: "5" },
    "fraud-floor-rows": { type: "string", default: "200000" },
    "heavy-floor-rows": { type: "string", default: "20000" },
    profile: { type: "string" },
  },
});
const batchRows = Number(args["batch-rows"]);
const chunkRows = Number(args["chunk-rows"]);
const MODELS: (BenchModel & { rows: number; floorRows: number })[] = [
  {
    label: "fraud-v1",
    file: "fraud-v1.onnx",
    inputName: "features",
    width: 14,
    rows: Number(args["fraud-rows"]),
    floorRows: Number(args["fraud-floor-rows"]),
  },
  {
    label: "heavy-mlp",
    file: "heavy-mlp.onnx",
    inputName: "input",
    width: 512,
    rows: Number(args["heavy-rows"]),
    floorRows: Number(args["heavy-floor-rows"]),
  },
];

const value = (row: number, column: number) => Math.round(Math.sin(row * 31 + column) * 1000) / 1000;

/** A CSV of `rows` rows of `width` numbers, written streaming (the heavy one is hundreds of MB). */
async function writeCsv(filePath: string, rows: number, width: number): Promise<void> {
  const out = createWriteStream(filePath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(`${Array.from({ length: width }, (_, k) => `f${k}`).join(",")}\n`);
  let text = "";
  for (let row = 0; row < rows; row++) {
    text += `${Array.from({ length: width }, (_, k) => value(row, k)).join(",")}\n`;
    if (text.length > 1 << 20) {
      await write(text);
      text = "";
    }
  }
  await write(text);
  out.end();
  await once(out, "finish");
}

/** A session of the model in this process, with the session options the worker's threads use. */
async function rawSession(model: BenchModel): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(await readFile(path.join(REPO, "data/demo", model.file)), {
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
  });
}

/** Raw session.run rows/s at one batch size. */
async function rawRowsPerSecond(model: BenchModel, seconds: number): Promise<number> {
  const session = await rawSession(model);
  const data = Float32Array.from({ length: batchRows * model.width }, (_, i) =>
    value(Math.floor(i / model.width), i % model.width),
  );
  const feeds = { [model.inputName]: new ort.Tensor("float32", data, [batchRows, model.width]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const started = performance.now();
  let runs = 0;
  while (runs < 5 || performance.now() - started < seconds * 1000) {
    await session.run(feeds);
    runs++;
  }
  const rowsPerSecond = (runs * batchRows * 1000) / (performance.now() - started);
  await session.release();
  return rowsPerSecond;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join("/");

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

/** The floors of the finished job: its file, its chunks, its plan, as the worker read them. */
async function jobFloors(
  batchJobId: string,
  csvPath: string,
  model: (typeof MODELS)[number],
  outputDir: string,
): Promise<CsvFloors> {
  const job = await getDb().batchJob.findUniqueOrThrow({
    where: { id: batchJobId },
    include: {
      modelVersion: { select: { signature: true, featureSetVersion: { select: { features: true } } } },
      chunks: { orderBy: { index: "asc" } },
    },
  });
  const signature = ZSignature.parse(job.modelVersion.signature);
  const features = job.modelVersion.featureSetVersion
    ? ZFeatureList.parse(job.modelVersion.featureSetVersion.features)
    : null;
  const columns = job.columns as string[];
  const session = await rawSession(model);
  try {
    return await measureCsvFloors({
      csvPath,
      chunks: job.chunks.map(storedChunkBounds),
      columns,
      plan: planInputs({ signature, columns, mapping: ZColumnMapping.parse(job.mapping), features }),
      batchRows: job.batchRows,
      session,
      outputNames: signature.outputs.map((output) => output.name),
      predictionColumnCount: predictionColumnNames(signature).length,
      outputDir,
      maxRows: model.floorRows,
    });
  } finally {
    await session.release();
  }
}

const profileDir = args.profile ? path.resolve(args.profile) : null;
const consoleStack = await setUpConsole(
  MODELS,
  { maxBatchSize: 64, maxQueueDelayMs: 2 },
  "mlops_bench_batch",
);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-batch-"));
const results: string[] = [];
const accountResults: string[] = [];
try {
  const team = await getDb().team.findUniqueOrThrow({ where: { slug: "default" } });
  for (const model of MODELS) {
    if (model.rows === 0) continue;
    const csvPath = path.join(dataDir, `${model.label}.csv`);
    await writeCsv(csvPath, model.rows, model.width);
    const rawBefore = await rawRowsPerSecond(model, Number(args["raw-seconds"]));
    const loadBefore = loadAverage();
    // A worker per model, so its peak RSS is this job's.
    const worker = await startNodeProcess(`batch-${model.label}`, "workers/main.ts", {
      env: {
        ...consoleStack.env,
        WORKER_ROLES: "batch",
        WORKER_HOST_NAME: `bench-batch-${model.label}`,
        WORKER_CACHE_DIR: path.join(dataDir, `cache-${model.label}`),
        ARTIFACT_SOURCE_URL: consoleStack.artifactSourceUrl,
        LOG_FILE: undefined,
      },
      ready: /"msg":"worker started"/,
      nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.join(profileDir, model.label)}`] : [],
    });
    try {
      const job = await usingStagedFile(stageStream(createReadStream(csvPath)), (file) =>
        createBatchJob({
          teamId: team.id,
          actor: "bench",
          modelName: model.label,
          versionNumber: 1,
          format: "csv",
          chunkRows,
          batchRows,
          maxErrorShare: 0,
          input: { file, fileName: `${model.label}.csv` },
        }),
      );
      let finished;
      // The peak once the first chunk is done: the model's load is in it, the rest of the input is not.
      let peakAfterFirstChunkMb = NaN;
      for (;;) {
        finished = await getDb().batchJob.findUniqueOrThrow({ where: { id: job.id } });
        if (Number.isNaN(peakAfterFirstChunkMb)) {
          const first = await getDb().batchJobChunk.findFirst({ where: { batchJobId: job.id, index: 0 } });
          if (first?.status === "succeeded") peakAfterFirstChunkMb = peakRssMb(worker.child.pid!);
        }
        if (finished.status !== "queued" && finished.status !== "running") break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (finished.status !== "succeeded")
        throw new Error(`${model.label}: job ${finished.status}: ${finished.error}`);
      const seconds = (finished.finishedAt!.getTime() - finished.startedAt!.getTime()) / 1000;
      const batchRate = finished.totalRows / seconds;
      // After the first chunk: the model is fetched and loaded, as a long job spends most of its time.
      const chunks = await getDb().batchJobChunk.findMany({
        where: { batchJobId: job.id },
        orderBy: { index: "asc" },
      });
      const steadyMs =
        Math.max(...chunks.map((chunk) => chunk.finishedAt!.getTime())) - chunks[0]!.finishedAt!.getTime();
      const steadyRate =
        chunks.length > 1 ? ((finished.totalRows - chunks[0]!.rowCount) * 1000) / steadyMs : NaN;
      const peakMb = peakRssMb(worker.child.pid!);
      const loadAfter = loadAverage();
      await stopNodeProcess(worker);
      const loadAtFloors = loadAverage();
      const floors = await jobFloors(job.id, csvPath, model, dataDir);
      const rawAfter = await rawRowsPerSecond(model, Number(args["raw-seconds"]));
      const rawRate = (rawBefore + rawAfter) / 2;
      const verdict = (ratio: number) => `${ratio.toFixed(2)} ${ratio >= 0.7 ? "PASS" : "MISS"}`;
      const format = (rate: number) => (Number.isNaN(rate) ? "n/a" : Math.round(rate).toLocaleString("en"));
      results.push(
        `| ${model.label} | ${model.rows.toLocaleString("en")} | ${batchRows} | ${format(batchRate)} | ${format(steadyRate)} | ` +
          `${format(rawBefore)} / ${format(rawAfter)} | ${verdict(batchRate / rawRate)} | ${verdict(steadyRate / rawRate)} | ` +
          `${Math.round(peakMb)} ${peakMb < 500 ? "PASS" : "MISS"} | ${Math.round(peakAfterFirstChunkMb)} | ${loadBefore} to ${loadAfter} |`,
      );
      const account = accountJob(
        {
          startedAt: finished.startedAt!,
          finishedAt: finished.finishedAt!,
          totalRows: finished.totalRows,
          chunks: chunks.map((chunk) => ({
            rowCount: chunk.rowCount,
            startedAt: chunk.startedAt!,
            finishedAt: chunk.finishedAt!,
          })),
        },
        floors,
        rawRate,
      );
      accountResults.push(accountLine(model.label, floors.rows, account, loadAtFloors));
    } finally {
      await stopNodeProcess(worker);
      await rm(csvPath, { force: true });
    }
  }
} finally {
  await closeBatchFlows();
  await consoleStack.tearDown();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(
  "| model | rows | batch rows | job rows/s | after chunk 0 rows/s | raw session.run rows/s before / after | job ratio to their mean (>= 0.7) | after chunk 0 ratio | worker peak RSS MB (< 500) | peak after chunk 0 MB | load avg 1/5/15 min, job start to end |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const line of results) console.log(line);
console.log(`\nPer job row, against the floors any CSV job here pays (us/row):\n${ACCOUNT_HEADER}`);
for (const line of accountResults) console.log(line);
if (profileDir) {
  for (const model of MODELS) {
    const dir = path.join(profileDir, model.label);
    for (const file of await readdir(dir).catch(() => []))
      console.log(formatSummary(`worker (${model.label})`, await summarizeProfile(path.join(dir, file))));
  }
}
