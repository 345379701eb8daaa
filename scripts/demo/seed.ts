import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { readEnv, readEnvOrExit } from "@/server/env";
import { sha256Hex } from "@/server/storage/artifact-store";
import { stageBytes, stageStream, usingStagedFile } from "@/server/storage/upload-staging";
import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { setDriftSettings } from "@/server/services/drift/set-drift-settings";
import { createAlertRule } from "@/server/services/alert/create-alert-rule";
import { createFeatureSet } from "@/server/services/feature-set/create-feature-set";
import { createFeatureSetVersion } from "@/server/services/feature-set/create-feature-set-version";
import { changeTraffic } from "@/server/services/deployment/change-traffic";
import { createDeployment } from "@/server/services/deployment/create-deployment";
import { closeEvaluationQueue } from "@/server/services/evaluation/evaluation-queue";
import { startEvaluation } from "@/server/services/evaluation/start-evaluation";
import { uploadGoldenSet } from "@/server/services/golden-set/upload-golden-set";
import { createModel } from "@/server/services/model/create-model";
import { registerModelVersion } from "@/server/services/model/register-model-version";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { makeDemoModels, type DemoManifest } from "./make-demo-models";

export const DEMO_DIR = path.resolve(import.meta.dirname, "../../data/demo");

const MODEL_DESCRIPTIONS: Record<string, string> = {
  "card-fraud":
    "Scores card transactions for fraud; v3 is deliberately regressed for gate and rollback demos.",
  "heavy-mlp": "A compute-heavy MLP (21M parameters) used by the serving benchmarks.",
};

/**
 * Seeds the demo through the same services the API uses. Idempotent: what exists is left as
 * it is, so running it again (every `npm run demo`) changes nothing.
 */
export async function seedDemo(log: (line: string) => void = console.log): Promise<void> {
  const { manifest } = await makeDemoModels(DEMO_DIR);
  // The migrate step made it already; a database migrated before it did gets it here.
  const team = await ensureDefaultTeam();
  const featureSetVersion = await seedFeatureSet(team.id, manifest, log);
  for (const demoModel of manifest.models) {
    await seedModelVersion(
      team.id,
      demoModel,
      demoModel.task === "binary-classification" ? featureSetVersion : null,
      log,
    );
  }
  await seedDeployment(team.id, log);
  await seedDriftAlert(team.id, log);
  await seedGoldenSet(team.id, manifest, log);
}

export const DEMO_DRIFT_RULE = "card-fraud drift";

/**
 * A rule on the demo's drift: it fires once the traffic's shift (DEMO_DRIFT_AFTER_SECONDS, one
 * feature's amounts tripled) takes that feature's PSI to the drift level, 0.25, and goes to every
 * webhook subscribed to alert events (the demo's alert receiver among them). Not the dataset's
 * drifted share: one feature of fourteen moves, as one upstream change usually moves one.
 */
async function seedDriftAlert(teamId: string, log: (line: string) => void) {
  const existing = await getDb().alertRule.findFirst({ where: { teamId, name: DEMO_DRIFT_RULE } });
  if (existing) return;
  await createAlertRule({
    teamId,
    actor: DEMO_ACTOR,
    name: DEMO_DRIFT_RULE,
    deploymentName: DEMO_DEPLOYMENT,
    metric: "drift_score_max",
    comparator: ">=",
    threshold: 0.25,
    windowMinutes: 15,
    forMinutes: 0,
    receiverNumbers: [],
    enabled: true,
  });
  log(`alert rule "${DEMO_DRIFT_RULE}": drift_score_max (a feature's PSI) >= 0.25 on ${DEMO_DEPLOYMENT}`);
}

export const DEMO_GOLDEN_SET = "holdout";

/**
 * The holdout as the fraud model's golden set, and v1..v3 queued for evaluation on it (the demo's
 * worker runs them once it starts). The gate stays off: the browser tests promote v2 as soon as
 * the demo is up, before its evaluation may have finished. `deployment.setGate` turns it on, and
 * promoting the regressed v3 is then refused naming roc_auc.
 */
async function seedGoldenSet(teamId: string, manifest: DemoManifest, log: (line: string) => void) {
  const db = getDb();
  const model = await db.model.findUniqueOrThrow({ where: { teamId_name: { teamId, name: "card-fraud" } } });
  if (
    await db.goldenSet.findUnique({ where: { modelId_name: { modelId: model.id, name: DEMO_GOLDEN_SET } } })
  )
    return;
  const holdout = manifest.datasets.find((dataset) => dataset.hasLabel)!;
  const goldenSet = await usingStagedFile(
    stageStream(createReadStream(path.join(DEMO_DIR, holdout.file))),
    (file) =>
      uploadGoldenSet({
        teamId,
        actor: DEMO_ACTOR,
        modelName: "card-fraud",
        name: DEMO_GOLDEN_SET,
        format: "csv",
        task: { kind: "binary-classification", probabilityOutput: "probability", labelOutput: "label" },
        labelColumn: manifest.featureSet.labelColumn,
        file,
      }),
  );
  const versions = manifest.models.filter((demoModel) => demoModel.name === "card-fraud");
  for (const { version } of versions) {
    await startEvaluation({
      teamId,
      actor: DEMO_ACTOR,
      modelName: "card-fraud",
      versionNumber: version,
      goldenSetName: DEMO_GOLDEN_SET,
    });
  }
  log(
    `golden set ${DEMO_GOLDEN_SET}: ${goldenSet.rowCount} rows; v${versions.map((v) => v.version).join(", v")} ` +
      "queued for evaluation",
  );
}

export const DEMO_DEPLOYMENT = "card-fraud-prod";
/** Who the audit log says made what the seed makes. */
const DEMO_ACTOR = "demo";

/** Production serves v1 with v2 as a 10% canary: the state a rollout demo starts from. */
async function seedDeployment(teamId: string, log: (line: string) => void) {
  const existing = await getDb().deployment.findUnique({
    where: { teamId_name: { teamId, name: DEMO_DEPLOYMENT } },
  });
  if (existing) return;
  await createDeployment({
    teamId,
    actor: DEMO_ACTOR,
    name: DEMO_DEPLOYMENT,
    modelName: "card-fraud",
    versionNumber: 1,
    environment: "production",
    maxBatchSize: 64,
    maxQueueDelayMs: 2,
    replicas: 1,
    device: "cpu",
    // Half the requests, so drift and realized quality fill within a minute of a fresh demo.
    predictionSampleRate: 0.5,
  });
  await changeTraffic({
    teamId,
    actor: DEMO_ACTOR,
    name: DEMO_DEPLOYMENT,
    change: { kind: "canary", versionNumber: 2, weightPercent: 10 },
  });
  // Five-minute drift windows, so a demo shows windows close and drift build within minutes.
  await setDriftSettings({
    teamId,
    actor: DEMO_ACTOR,
    name: DEMO_DEPLOYMENT,
    settings: ZDriftSettings.parse({ windowMinutes: 5 }),
  });
  log(`deployment ${DEMO_DEPLOYMENT}: v1 90%, v2 10% canary, drift judged in 5-minute windows`);
}

async function seedFeatureSet(teamId: string, manifest: DemoManifest, log: (line: string) => void) {
  const db = getDb();
  const name = manifest.featureSet.name;
  if (!(await db.featureSet.findUnique({ where: { teamId_name: { teamId, name } } }))) {
    await createFeatureSet({
      teamId,
      actor: DEMO_ACTOR,
      name,
      description: "Transaction features of the card-fraud models, baseline from the training sample.",
    });
  }
  const existing = await db.featureSetVersion.findFirst({
    where: { teamId, featureSet: { name } },
    orderBy: { number: "asc" },
  });
  if (existing) return { name, version: existing.number };
  const sample = manifest.datasets.find((dataset) => !dataset.hasLabel)!;
  const created = await usingStagedFile(
    stageStream(createReadStream(path.join(DEMO_DIR, sample.file))),
    (file) =>
      createFeatureSetVersion({
        teamId,
        actor: DEMO_ACTOR,
        featureSetName: name,
        sample: file,
        featureSource: { kind: "explicit", features: manifest.featureSet.features },
      }),
  );
  log(
    `feature set ${name} v${created.number}: ${created.featureCount} features, baseline from ${created.sampleRowCount} rows`,
  );
  return { name, version: created.number };
}

async function seedModelVersion(
  teamId: string,
  demoModel: DemoManifest["models"][number],
  featureSet: { name: string; version: number } | null,
  log: (line: string) => void,
) {
  const db = getDb();
  if (!(await db.model.findUnique({ where: { teamId_name: { teamId, name: demoModel.name } } }))) {
    await createModel({
      teamId,
      actor: DEMO_ACTOR,
      name: demoModel.name,
      task: demoModel.task,
      description: MODEL_DESCRIPTIONS[demoModel.name] ?? "",
    });
  }
  const bytes = await readFile(path.join(DEMO_DIR, demoModel.file));
  const registered = await db.modelVersion.findFirst({
    where: { teamId, model: { name: demoModel.name }, artifactSha256: sha256Hex(bytes) },
  });
  if (registered) return;
  const version = await usingStagedFile(stageBytes(bytes), (artifact) =>
    registerModelVersion({
      teamId,
      actor: DEMO_ACTOR,
      modelName: demoModel.name,
      artifact,
      metadata: {
        description: demoModel.description,
        metrics: demoModel.metrics,
        gitCommit: demoModel.lineage.gitCommit,
        dataRef: demoModel.lineage.dataRef,
        tags: demoModel.lineage.tags,
        featureSet,
      },
    }),
  );
  log(`model ${demoModel.name} v${version.number} from ${demoModel.file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  readEnvOrExit(readEnv);
  await seedDemo();
  await closeEvaluationQueue();
  await getDb().$disconnect();
  getRedis().disconnect();
}
