import { parseArgs } from "node:util";
import type { Prisma } from "@/generated/prisma/client";
import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { featureDrift } from "@/server/domain/drift/feature-drift";
import { LiveWindow } from "@/server/domain/drift/live-window";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { createPrng } from "@/server/domain/prng";
import { applyMigrations } from "@/server/migrations/apply-migrations";
import { getDb } from "@/server/db";
import { computeDriftReport } from "@/server/services/drift/compute-drift-report";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { createDatabase, dropDatabase } from "@/test/support/databases";
import { scanText } from "@/test/unit/feature-set/csv-text";

// `npm run bench:drift`: 1,000,000 logged rows of 20 features (12 numeric, 8 categorical) against
// a baseline of 5,000 rows, every drift test of the issue on every feature (KS, normed
// Wasserstein and PSI on numeric features; chi-square, Jensen-Shannon and PSI on categorical
// ones), twice: in memory (the domain code alone) and end to end (the rows stored as 20,000
// PredictionSample rows of 50, read back page by page by computeDriftReport). Bar: at most 10 s
// end to end, with memory bounded (the peak RSS growth is printed). The baseline of the same run
// is reading those rows alone, without judging them.

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "rows-per-sample": { type: "string", default: "50" },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(args.rows);
const ROWS_PER_SAMPLE = Number(args["rows-per-sample"]);
const BAR_MS = 10_000;
const DATABASE = "mlops_bench_drift";
const CATEGORIES = ["a", "b", "c", "d", "e"];

const features: Feature[] = [
  ...Array.from({ length: 12 }, (_, i): Feature => ({ name: `x${i}`, dtype: "float", min: null, max: null })),
  ...Array.from({ length: 8 }, (_, i): Feature => ({
    name: `c${i}`,
    dtype: "category",
    categories: CATEGORIES,
  })),
];

/** One row: numeric features normal around their index, categories skewed; `shift` moves half of them. */
function drawRow(prng: ReturnType<typeof createPrng>, shift: number): number[] {
  return features.map((feature, index) => {
    if (feature.dtype === "category")
      return prng.weightedIndex(index % 2 === 0 ? [5, 3, 1, 1, 1] : [1, 1, 1, 3, 5]);
    return prng.normal(index + (index < 6 ? shift : 0), 1 + index / 10);
  });
}

const referencePrng = createPrng(1);
const header = features.map((feature) => feature.name).join(",");
const referenceLines = Array.from({ length: 5_000 }, () =>
  drawRow(referencePrng, 0)
    .map((value, index) => (features[index]!.dtype === "category" ? CATEGORIES[value] : value))
    .join(","),
);
const { baseline } = await scanText(`${header}\n${referenceLines.join("\n")}\n`, (columns) =>
  createSampleValidator(features, columns),
);

/** The live traffic's samples, drawn as they are used so the bench itself holds none of them. */
function* liveSamples(): Generator<WireTensor[]> {
  const prng = createPrng(2);
  for (let start = 0; start < ROWS; start += ROWS_PER_SAMPLE) {
    const data: number[] = [];
    for (let row = 0; row < ROWS_PER_SAMPLE; row++) data.push(...drawRow(prng, 0.3));
    yield [{ name: "x", datatype: "FP32", shape: [ROWS_PER_SAMPLE, features.length], data }];
  }
}

const METHODS = {
  numeric: ["ks", "wasserstein", "psi"],
  categorical: ["chisquare", "jensenshannon", "psi"],
} as const;

function judgeEveryWay(live: LiveWindow): number {
  const values = live.liveValues();
  let judged = 0;
  for (const [index, featureBaseline] of baseline.features.entries())
    for (let m = 0; m < 3; m++) {
      const settings = ZDriftSettings.parse({
        numericMethod: METHODS.numeric[m],
        categoricalMethod: METHODS.categorical[m],
      });
      if (featureDrift(featureBaseline, values[index]!, settings).status !== null) judged++;
    }
  return judged;
}

const memoryStarted = performance.now();
const memoryWindow = new LiveWindow(features, ["x"]);
for (const sample of liveSamples()) memoryWindow.addSample(sample);
const judgedInMemory = judgeEveryWay(memoryWindow);
const memoryMs = performance.now() - memoryStarted;

const databaseUrl = await createDatabase(DATABASE);
await applyMigrations(databaseUrl);
process.env.DATABASE_URL = databaseUrl;
const db = getDb();
const team = await ensureDefaultTeam();
const model = await db.model.create({ data: { teamId: team.id, name: "bench", task: "benchmark" } });
const featureSet = await db.featureSet.create({ data: { teamId: team.id, name: "bench-features" } });
const featureSetVersion = await db.featureSetVersion.create({
  data: {
    teamId: team.id,
    featureSetId: featureSet.id,
    number: 1,
    features: features as Prisma.InputJsonValue,
    baseline: baseline as unknown as Prisma.InputJsonValue,
    sampleRowCount: referenceLines.length,
    sampleSha256: "0".repeat(64),
  },
});
const version = await db.modelVersion.create({
  data: {
    teamId: team.id,
    modelId: model.id,
    number: 1,
    artifactSha256: "1".repeat(64),
    artifactSizeBytes: 1,
    storageKey: "bench/1",
    signature: { inputs: [{ name: "x", elementType: "float32", shape: ["batch", 20] }], outputs: [] },
    featureSetVersionId: featureSetVersion.id,
  },
});
const deployment = await db.deployment.create({
  data: { teamId: team.id, name: "bench-drift", modelId: model.id, predictionSampleRate: 1 },
});
const windowStartMs = Date.now() - 60 * 60 * 1000;
const fillStarted = performance.now();
let batch: Prisma.PredictionSampleCreateManyInput[] = [];
let stored = 0;
for (const inputs of liveSamples()) {
  batch.push({
    teamId: team.id,
    deploymentId: deployment.id,
    modelVersionId: version.id,
    inputs: inputs as unknown as Prisma.InputJsonValue,
    outputs: [],
    latencyUs: 1_000,
    createdAt: new Date(windowStartMs + stored++),
  });
  if (batch.length < 1_000) continue;
  await db.predictionSample.createMany({ data: batch });
  batch = [];
}
if (batch.length > 0) await db.predictionSample.createMany({ data: batch });
const fillMs = performance.now() - fillStarted;

const readStarted = performance.now();
let readRows = 0;
for (let cursor: string | undefined; ;) {
  const page = await db.predictionSample.findMany({
    where: { deploymentId: deployment.id },
    select: { id: true, inputs: true },
    orderBy: { id: "asc" },
    take: 2_000,
    ...(cursor && { cursor: { id: cursor }, skip: 1 }),
  });
  readRows += page.length;
  if (page.length < 2_000) break;
  cursor = page.at(-1)!.id;
}
const readMs = performance.now() - readStarted;

const rssStartMb = process.memoryUsage().rss / 2 ** 20;
let peakRssMb = rssStartMb;
const watch = setInterval(() => (peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20)), 20);
const endToEndStarted = performance.now();
const [report] = await computeDriftReport({
  deploymentId: deployment.id,
  windowStartMs,
  windowEndMs: Date.now() + 1,
});
const endToEndMs = performance.now() - endToEndStarted;
clearInterval(watch);

console.log(
  `baseline: ${referenceLines.length} rows; live: ${ROWS.toLocaleString("en")} rows of ${features.length} features in ${readRows.toLocaleString("en")} samples (stored in ${(fillMs / 1000).toFixed(1)} s)`,
);
console.log(
  `in memory, every test on every feature (${judgedInMemory} judgements): ${(memoryMs / 1000).toFixed(2)} s`,
);
console.log(`reading the samples alone (baseline): ${(readMs / 1000).toFixed(2)} s`);
console.log(
  `end to end (computeDriftReport, auto tests): ${(endToEndMs / 1000).toFixed(2)} s, ${(endToEndMs / readMs).toFixed(2)}x the read; dataset ${report?.status}`,
);
console.log(
  `end to end: peak RSS ${peakRssMb.toFixed(0)} MB, ${(peakRssMb - rssStartMb).toFixed(0)} MB over its start (pages of 2,000 samples, 100,000-value reservoirs)`,
);
console.log(
  `${endToEndMs <= BAR_MS ? "PASS" : "MISS"}  end to end at most ${BAR_MS / 1000} s: ${(endToEndMs / 1000).toFixed(2)} s`,
);

await db.$disconnect();
if (!args.keep) await dropDatabase(DATABASE);
