import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { binaryMetrics, type BinaryMetrics } from "./binary-metrics";
import {
  FRAUD_FEATURES,
  LABEL_COLUMN,
  encodeFraudFeatures,
  fraudExamplesToCsv,
  generateFraudExamples,
  type FraudExample,
} from "./fraud-dataset";
import { buildFraudModelGraph } from "./fraud-model-graph";
import { HEAVY_LAYER_SIZES, buildHeavyModelGraph, heavyParameterCount } from "./heavy-model-graph";
import { createPrng } from "@/server/domain/prng";
import { predictProbability, trainBinaryModel, type TrainOptions } from "./train";

/** Bump whenever any output byte would change, so existing demo directories get rebuilt. */
export const GENERATOR_VERSION = "demo-models-1";

const TRAIN_SEED = 42;
const TRAIN_ROWS = 20_000;
const HOLDOUT_SEED = 43;
const HOLDOUT_ROWS = 5_000;
const SAMPLE_ROWS = 2_000;
const HEAVY_SEED = 7;
const MANIFEST_FILE = "manifest.json";

export interface DemoDataset {
  file: string;
  sha256: string;
  rows: number;
  hasLabel: boolean;
  description: string;
  dataRef: string;
}

export interface DemoModel {
  name: string;
  version: number;
  file: string;
  sha256: string;
  description: string;
  task: "binary-classification" | "benchmark";
  metrics: BinaryMetrics | Record<string, never>;
  lineage: { gitCommit: string | null; dataRef: string; tags: Record<string, string> };
}

export interface DemoManifest {
  generatorVersion: string;
  featureSet: { name: string; labelColumn: string; features: Feature[] };
  datasets: DemoDataset[];
  models: DemoModel[];
}

interface FraudRecipe {
  version: number;
  description: string;
  algorithm: string;
  train: TrainOptions;
  /** Rows of the training set used, from the start. */
  rows: number;
  /** Share of training labels flipped: the deliberate defect of the regressed version. */
  labelNoise: number;
}

const fraudRecipes: FraudRecipe[] = [
  {
    version: 1,
    description: "Card fraud, logistic regression on standardized and one-hot features.",
    algorithm: "logistic-regression",
    train: { hiddenUnits: [], epochs: 10, batchSize: 64, learningRate: 0.01, l2: 1e-4, seed: 1 },
    rows: TRAIN_ROWS,
    labelNoise: 0,
  },
  {
    version: 2,
    description:
      "Card fraud, MLP with one hidden layer of 32 ReLU units: learns the feature interactions v1 cannot.",
    algorithm: "mlp",
    train: { hiddenUnits: [32], epochs: 20, batchSize: 64, learningRate: 0.003, l2: 1e-4, seed: 2 },
    rows: TRAIN_ROWS,
    labelNoise: 0,
  },
  {
    version: 3,
    description:
      "Card fraud, MLP retrained on a 3,000-row extract with 20% corrupted labels: a regression on purpose.",
    algorithm: "mlp",
    train: { hiddenUnits: [32], epochs: 5, batchSize: 64, learningRate: 0.003, l2: 1e-4, seed: 3 },
    rows: 3_000,
    labelNoise: 0.2,
  },
];

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const dataRef = (seed: number, rows: number, extra = "") =>
  `synthetic://card-fraud?seed=${seed}&rows=${rows}${extra}`;

async function writeArtifact(outDir: string, file: string, bytes: Uint8Array | string): Promise<string> {
  await writeFile(path.join(outDir, file), bytes);
  return sha256(bytes);
}

async function readUpToDateManifest(outDir: string): Promise<DemoManifest | null> {
  const manifestPath = path.join(outDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return null;
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as DemoManifest;
  if (manifest.generatorVersion !== GENERATOR_VERSION) return null;
  const files = [...manifest.datasets, ...manifest.models].map(({ file }) => path.join(outDir, file));
  return files.every((file) => existsSync(file)) ? manifest : null;
}

function withLabelNoise(labels: number[], share: number, seed: number): number[] {
  const prng = createPrng(seed);
  return labels.map((label) => (prng.bernoulli(share) ? 1 - label : label));
}

async function makeFraudModel(
  outDir: string,
  recipe: FraudRecipe,
  train: FraudExample[],
  holdout: FraudExample[],
): Promise<DemoModel> {
  const rows = train.slice(0, recipe.rows);
  const labels = withLabelNoise(
    rows.map((example) => Number(example.isFraud)),
    recipe.labelNoise,
    recipe.train.seed,
  );
  const model = trainBinaryModel(
    rows.map((example) => encodeFraudFeatures(example.features)),
    labels,
    FRAUD_FEATURES,
    recipe.train,
  );
  const probabilities = holdout.map((example) =>
    predictProbability(model, encodeFraudFeatures(example.features)),
  );
  const file = `fraud-v${recipe.version}.onnx`;
  const bytes = buildFraudModelGraph(model, {
    name: `card-fraud-v${recipe.version}`,
    columnCount: FRAUD_FEATURES.length,
    producerVersion: GENERATOR_VERSION,
    docString: recipe.description,
  });
  const noise = recipe.labelNoise > 0 ? `&labelNoise=${recipe.labelNoise}` : "";
  return {
    name: "card-fraud",
    version: recipe.version,
    file,
    sha256: await writeArtifact(outDir, file, bytes),
    description: recipe.description,
    task: "binary-classification",
    metrics: binaryMetrics(
      probabilities,
      holdout.map((example) => Number(example.isFraud)),
      model.threshold,
    ),
    lineage: {
      gitCommit: null,
      dataRef: dataRef(TRAIN_SEED, recipe.rows, noise),
      tags: {
        algorithm: recipe.algorithm,
        hiddenUnits: recipe.train.hiddenUnits.join(",") || "none",
        epochs: String(recipe.train.epochs),
        evaluatedOn: dataRef(HOLDOUT_SEED, HOLDOUT_ROWS),
        trainer: "scripts/demo/train.ts",
      },
    },
  };
}

async function makeHeavyModel(outDir: string): Promise<DemoModel> {
  const description = `Benchmark MLP ${HEAVY_LAYER_SIZES.join("-")} with seeded random weights; its outputs mean nothing.`;
  const bytes = buildHeavyModelGraph({
    seed: HEAVY_SEED,
    producerVersion: GENERATOR_VERSION,
    docString: description,
  });
  return {
    name: "heavy-mlp",
    version: 1,
    file: "heavy-mlp.onnx",
    sha256: await writeArtifact(outDir, "heavy-mlp.onnx", bytes),
    description,
    task: "benchmark",
    metrics: {},
    lineage: {
      gitCommit: null,
      dataRef: `synthetic://random-weights?seed=${HEAVY_SEED}`,
      tags: {
        algorithm: "mlp",
        layers: HEAVY_LAYER_SIZES.join("-"),
        parameters: String(heavyParameterCount()),
      },
    },
  };
}

/**
 * Writes the demo models, data files and manifest.json into outDir. The output is the same
 * bytes on every run; when an up-to-date manifest and all its files exist, nothing is redone.
 */
export async function makeDemoModels(
  outDir: string,
): Promise<{ manifest: DemoManifest; generated: boolean }> {
  const existing = await readUpToDateManifest(outDir);
  if (existing) return { manifest: existing, generated: false };

  await mkdir(outDir, { recursive: true });
  const train = generateFraudExamples(TRAIN_ROWS, TRAIN_SEED);
  const holdout = generateFraudExamples(HOLDOUT_ROWS, HOLDOUT_SEED);
  const sampleCsv = fraudExamplesToCsv(train.slice(0, SAMPLE_ROWS), { withLabel: false });
  const holdoutCsv = fraudExamplesToCsv(holdout, { withLabel: true });
  const datasets: DemoDataset[] = [
    {
      file: "fraud-sample.csv",
      sha256: await writeArtifact(outDir, "fraud-sample.csv", sampleCsv),
      rows: SAMPLE_ROWS,
      hasLabel: false,
      description: "Baseline sample of the training features (no label), for drift monitoring.",
      dataRef: dataRef(TRAIN_SEED, SAMPLE_ROWS),
    },
    {
      file: "fraud-holdout.csv",
      sha256: await writeArtifact(outDir, "fraud-holdout.csv", holdoutCsv),
      rows: HOLDOUT_ROWS,
      hasLabel: true,
      description: "Holdout set with the is_fraud label, on which the manifest metrics were measured.",
      dataRef: dataRef(HOLDOUT_SEED, HOLDOUT_ROWS),
    },
  ];
  const models: DemoModel[] = [];
  for (const recipe of fraudRecipes) models.push(await makeFraudModel(outDir, recipe, train, holdout));
  models.push(await makeHeavyModel(outDir));

  const manifest: DemoManifest = {
    generatorVersion: GENERATOR_VERSION,
    featureSet: { name: "card-fraud", labelColumn: LABEL_COLUMN, features: FRAUD_FEATURES },
    datasets,
    models,
  };
  // Written last: a run cut short leaves no manifest, so the next run starts over.
  await writeFile(path.join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return { manifest, generated: true };
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? "data/demo");
  const startedMs = performance.now();
  const { manifest, generated } = await makeDemoModels(outDir);
  if (!generated) {
    console.log(`${outDir}: up to date (${GENERATOR_VERSION}), nothing to do`);
    return;
  }
  for (const model of manifest.models) {
    const metrics =
      "auc" in model.metrics
        ? ` auc=${model.metrics.auc} logLoss=${model.metrics.logLoss} threshold=${model.metrics.threshold}`
        : "";
    console.log(`${model.file}${metrics}`);
  }
  console.log(`wrote ${outDir} in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
