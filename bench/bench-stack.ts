import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_PREDICTION_SAMPLE_RATE } from "@/server/contracts/prediction-samples";
import { getDb } from "@/server/db";
import { applyMigrations } from "@/server/migrations/apply-migrations";
import { queueKey } from "@/server/contracts/key-prefix";
import { decodeTrafficHash } from "@/server/contracts/live-counters";
import { servingQueueName } from "@/server/contracts/serving";
import { getRedis } from "@/server/redis";
import { createDeployment } from "@/server/services/deployment/create-deployment";
import { createModel } from "@/server/services/model/create-model";
import { registerModelVersion } from "@/server/services/model/register-model-version";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { stageBytes, usingStagedFile } from "@/server/storage/upload-staging";
import { createDatabase, dropDatabase } from "@/test/support/databases";
import { deleteKeysWithPrefix, scanKeys } from "@/test/support/redis-keys";
import { serveArtifacts } from "@/test/support/serving-stack";
import { REPO } from "./processes";

const BENCH_DATABASE = "mlops_bench";

export interface BenchModel {
  /** Short name in the table. */
  label: string;
  /** Under data/demo; for a model built in code (`bytes`), only what the log calls it. */
  file: string;
  /** The model itself, when it is built in code rather than read from `file`. */
  bytes?: Uint8Array;
  inputName: string;
  width: number;
}

export interface BenchDeployment {
  model: BenchModel;
  name: string;
  deploymentId: string;
  versionId: string;
}

/**
 * The console's side of the bench: its own database (dropped and migrated), artifact directory
 * and Redis key prefix, set in process.env before anything reads it so this process and the
 * gateway and worker it starts use them; one model and one deployment per bench model, made
 * with the same services the API uses; and the web app's artifact route for the worker.
 */
export async function setUpConsole(
  models: BenchModel[],
  settings: { maxBatchSize: number; maxQueueDelayMs: number },
  /** Its own name per bench, so two benches on one machine never drop each other's database. */
  database = BENCH_DATABASE,
) {
  const databaseUrl = await createDatabase(database);
  await applyMigrations(databaseUrl);
  const artifactDir = await mkdtemp(path.join(os.tmpdir(), "bench-artifacts-"));
  const env = {
    DATABASE_URL: databaseUrl,
    ARTIFACT_DIR: artifactDir,
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
    DEFAULT_TEAM_SLUG: "default",
  };
  Object.assign(process.env, env);

  const team = await ensureDefaultTeam();
  const deployments: BenchDeployment[] = [];
  for (const model of models) {
    await createModel({
      teamId: team.id,
      actor: "bench",
      name: model.label,
      description: "",
      task: "benchmark",
    });
    const bytes = model.bytes ?? (await readFile(path.join(REPO, "data/demo", model.file)));
    const version = await usingStagedFile(stageBytes(bytes), (artifact) =>
      registerModelVersion({
        teamId: team.id,
        actor: "bench",
        modelName: model.label,
        artifact,
        metadata: { description: `bench copy of ${model.file}` },
      }),
    );
    const name = `bench-${model.label}`;
    await createDeployment({
      teamId: team.id,
      actor: "bench",
      name,
      modelName: model.label,
      versionNumber: version.number,
      environment: "staging",
      replicas: 1,
      device: "cpu",
      predictionSampleRate: DEFAULT_PREDICTION_SAMPLE_RATE,
      ...settings,
    });
    // The bench keys counters by row id, which the service's answer leaves out for clients.
    const deployment = await getDb().deployment.findUniqueOrThrow({
      where: { teamId_name: { teamId: team.id, name } },
      select: { id: true },
    });
    deployments.push({ model, name, deploymentId: deployment.id, versionId: version.id });
  }
  const artifacts = await serveArtifacts();

  return {
    env,
    deployments,
    artifactSourceUrl: artifacts.url,
    async tearDown() {
      await artifacts.close();
      await deleteKeysWithPrefix(getRedis(), env.REDIS_KEY_PREFIX);
      getRedis().disconnect();
      await getDb().$disconnect();
      await dropDatabase(database);
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second deployment of a bench deployment's version that logs no predictions, for the
 * prediction log's on/off step: the same gateway and batch settings, sampling 0% against 10%.
 */
export async function createUnsampledTwin(
  deployment: BenchDeployment,
  settings: { maxBatchSize: number; maxQueueDelayMs: number },
): Promise<string> {
  const team = await ensureDefaultTeam();
  const name = `${deployment.name}-unsampled`;
  await createDeployment({
    teamId: team.id,
    actor: "bench",
    name,
    modelName: deployment.model.label,
    versionNumber: 1,
    environment: "staging",
    replicas: 1,
    device: "cpu",
    predictionSampleRate: 0,
    ...settings,
  });
  return name;
}

/** Sums over the callers' requests that ran, and the queue's job count. */
export interface ServingCounters {
  requestCount: number;
  /** Rows of the session run each request took part in, summed: over batchCount, the batch a request saw. */
  batchSizeSum: number;
  /** Requests that reached a worker. */
  batchCount: number;
  /** Compute each request waited on, summed. */
  busyComputeUs: number;
  queueWaitSumUs: number;
  /** Jobs put on the CPU serving queue so far (BullMQ's id counter); bench deployments are CPU. */
  jobs: number;
}

/**
 * The gateway's per-minute counters of one deployment (summed over minutes) and the queue's job
 * id counter. The gateway flushes counters once a second, so a difference of two readings
 * covers a window shifted by up to a second: fine for averages.
 */
export async function readServingCounters(deployment: BenchDeployment): Promise<ServingCounters> {
  const redis = getRedis();
  const { REDIS_KEY_PREFIX } = process.env;
  const keys = (await scanKeys(redis, `${REDIS_KEY_PREFIX}traffic:${deployment.deploymentId}:*`)).map((key) =>
    key.slice(REDIS_KEY_PREFIX!.length),
  );
  const totals = { requestCount: 0, batchSizeSum: 0, batchCount: 0, busyComputeUs: 0, queueWaitSumUs: 0 };
  for (const key of keys) {
    const counts = decodeTrafficHash(await redis.hgetall(key)).get(deployment.versionId)?.roles.primary;
    if (!counts) continue;
    totals.requestCount += counts.requests;
    totals.batchSizeSum += counts.rowsSum;
    totals.batchCount += counts.ranRequests;
    totals.busyComputeUs += counts.computeSumUs;
    totals.queueWaitSumUs += counts.queueWaitSumUs;
  }
  const jobs = Number((await redis.get(queueKey(servingQueueName("cpu"), "id"))) ?? 0);
  return { ...totals, jobs };
}

/** Redis's own count of calls and microseconds per command since it started (INFO commandstats). */
export async function readRedisCommandStats(): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await getRedis().info("commandstats");
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}
