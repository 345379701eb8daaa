import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getDb } from "@/server/db";
import { readEnv, readEnvOrExit } from "@/server/env";
import { applyMigrations, ensureDatabaseExists } from "@/server/migrations/apply-migrations";
import { getRedis } from "@/server/redis";
import { closeEvaluationQueue } from "@/server/services/evaluation/evaluation-queue";
import { type LocalService } from "@/scripts/services/local-services";
import { exitIfServiceMissing, preparePostgres, prepareRedis } from "@/scripts/services/preflight";
import { demoAuthSecret } from "./auth-secret";
import { DEMO_RESTART_POLICY } from "./restart-policy";
import { DEMO_DEPLOYMENT, seedDemo } from "./seed";
import { demoWebhookSecretKey } from "./webhook-secret-key";
import { ChildKeepsFailingError, superviseTogether, type Service } from "./supervise";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NEXT_BIN = path.join(ROOT, "node_modules/.bin/next");
/**
 * Measured on 2 cores: 30 s from scratch when idle, 65 s while other work ran, 11 s with the
 * previous build's .next kept.
 */
const BUILD_DURATION = "usually 30 s to a minute";
/** What a production build is made from: when any of it is newer than the build, rebuild. */
const BUILD_INPUTS = [
  "app",
  "instrumentation.ts",
  "server",
  "generated",
  "next.config.js",
  "postcss.config.mjs",
  "package-lock.json",
  "tsconfig.json",
];

/**
 * `npm run demo`: check PostgreSQL and Redis (starting local ones where nothing answers at the
 * default addresses), migrate, seed, build when sources changed, then run the console, the gateway,
 * one serving worker, a local alert receiver and demo traffic until interrupted (DEMO_TRAFFIC=0
 * leaves traffic out). One that dies is restarted (DEMO_RESTART_POLICY) while the others keep
 * running.
 */
export async function startDemo(port = Number(process.env.PORT ?? 3000)): Promise<void> {
  const { DATABASE_URL, REDIS_URL } = readEnv();
  const localServices = await prepareServices(DATABASE_URL, REDIS_URL);
  try {
    await runDemo(port);
  } finally {
    for (const service of localServices.reverse()) await service.stop();
  }
}

/** Servers the demo started because nothing answered at the default addresses; stopped with it. */
async function prepareServices(databaseUrl: string, redisUrl: string): Promise<LocalService[]> {
  const started: LocalService[] = [];
  try {
    const postgres = await preparePostgres({
      url: databaseUrl,
      configured: process.env.DATABASE_URL !== undefined,
      dataDir: path.join(ROOT, "data/postgres"),
    });
    if (postgres) started.push(postgres);
    const redis = await prepareRedis({
      url: redisUrl,
      configured: process.env.REDIS_URL !== undefined,
      dataDir: path.join(ROOT, "data/redis"),
    });
    if (redis) started.push(redis);
    return started;
  } catch (error) {
    for (const service of started) await service.stop();
    throw error;
  }
}

async function runDemo(port: number): Promise<void> {
  const { DATABASE_URL, HOST, WEBHOOK_SECRET_KEY } = readEnv();
  // The console encrypts webhook secrets with it and the worker's webhooks role decrypts them.
  const webhookSecretKey = await demoWebhookSecretKey(WEBHOOK_SECRET_KEY, path.join(ROOT, "data"));
  if (await ensureDatabaseExists(DATABASE_URL))
    console.log(`created database ${new URL(DATABASE_URL).pathname.slice(1)}`);
  const applied = await applyMigrations(DATABASE_URL);
  if (applied.length) console.log(`applied migrations: ${applied.join(", ")}`);
  await seedDemo();
  await closeEvaluationQueue();
  await getDb().$disconnect();
  getRedis().disconnect();

  if (await isBuildStale()) {
    // Minutes of silence would look like a hang: say what runs and for how long.
    console.log(`building the console (next build, ${BUILD_DURATION}), since its sources changed`);
    const startedMs = Date.now();
    await run(NEXT_BIN, ["build"]);
    console.log(`built in ${Math.round((Date.now() - startedMs) / 1000)} s`);
  }

  const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8080);
  const consoleUrl = `http://${reachableHost(HOST)}:${port}`;
  const services: Service[] = [
    {
      name: "web",
      command: NEXT_BIN,
      args: ["start", "--port", String(port), "--hostname", HOST],
      env: {
        GATEWAY_PUBLIC_URL: process.env.GATEWAY_PUBLIC_URL ?? `http://localhost:${gatewayPort}`,
        WEBHOOK_SECRET_KEY: webhookSecretKey,
        BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? (await demoAuthSecret(path.join(ROOT, "data"))),
        BETTER_AUTH_URL: process.env.BETTER_AUTH_URL ?? consoleUrl,
      },
    },
    {
      name: "gateway",
      ...tsxScript("server/gateway/main.ts"),
      env: { GATEWAY_PORT: String(gatewayPort) },
    },
    {
      name: "worker",
      ...tsxScript("workers/main.ts"),
      // Every role, so one worker evaluates versions, scores files, folds the charts and sends webhooks too.
      env: {
        ARTIFACT_SOURCE_URL: consoleUrl,
        WORKER_ROLES: "serving,evaluation,batch,monitor,webhooks",
        WEBHOOK_SECRET_KEY: webhookSecretKey,
        // A small CPU VM's price, so the demo's cost charts show what a call costs.
        WORKER_COST_MICROS_PER_HOUR: process.env.WORKER_COST_MICROS_PER_HOUR ?? "400000",
        // Drift shows within a quarter of a minute of the first requests, not a minute.
        MONITOR_DRIFT_INTERVAL_MS: process.env.MONITOR_DRIFT_INTERVAL_MS ?? "15000",
        // Alerts follow the drift within seconds.
        MONITOR_ALERTS_INTERVAL_MS: process.env.MONITOR_ALERTS_INTERVAL_MS ?? "5000",
      },
    },
  ];
  const receiverPort = Number(process.env.DEMO_RECEIVER_PORT ?? gatewayPort + 10);
  // A port someone else holds would make the receiver fail at every restart and end the demo.
  if (await isPortFree(receiverPort)) {
    services.push({
      name: "receiver",
      ...tsxScript("scripts/demo/alert-receiver.ts"),
      env: { DEMO_RECEIVER_PORT: String(receiverPort), WEBHOOK_SECRET_KEY: webhookSecretKey },
    });
  } else {
    console.log(`alert receiver left out: port ${receiverPort} is taken (DEMO_RECEIVER_PORT picks another)`);
  }
  if (process.env.DEMO_TRAFFIC !== "0") {
    services.push({
      name: "traffic",
      ...tsxScript("scripts/demo/traffic.ts"),
      env: { GATEWAY_PORT: String(gatewayPort), DEMO_DEPLOYMENT },
    });
  }
  console.log(`\nMLOps console: ${consoleUrl}   inference gateway: http://localhost:${gatewayPort}/v2\n`);
  await superviseTogether({ services, policy: DEMO_RESTART_POLICY, cwd: ROOT });
}

/**
 * Node with tsx's loader rather than the tsx CLI, which runs the script in a child of its own: a
 * SIGKILL to the CLI would leave that child running, and the pid the runner logs would not be the
 * process doing the work.
 */
function tsxScript(script: string): Pick<Service, "command" | "args"> {
  return { command: process.execPath, args: ["--import", "tsx", script] };
}

/** An address this machine's processes reach a server on: a wildcard listens on loopback too. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Whether a source of the console is newer than its production build (or there is none). */
export async function isBuildStale(): Promise<boolean> {
  const built = await stat(path.join(ROOT, ".next/BUILD_ID")).catch(() => null);
  if (!built) return true;
  for (const input of BUILD_INPUTS) {
    if ((await newestModificationMs(path.join(ROOT, input))) > built.mtimeMs) return true;
  }
  return false;
}

async function newestModificationMs(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  const times = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => (await stat(path.join(entry.parentPath, entry.name))).mtimeMs),
  );
  return Math.max(info.mtimeMs, ...times);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once("SIGINT", forward);
    process.once("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      if (code === 0 || signal === "SIGINT" || signal === "SIGTERM") resolve();
      else reject(new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code ?? signal}`));
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  readEnvOrExit(readEnv);
  await startDemo().catch((error: unknown) => {
    // Its own lines said what failed; a stack trace would add nothing.
    if (!(error instanceof ChildKeepsFailingError)) return exitIfServiceMissing(error);
    console.error(`demo stopped: ${error.message}`);
    process.exit(1);
  });
}
