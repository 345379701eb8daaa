import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { applyMigrations, ensureDatabaseExists } from "@/server/migrations/apply-migrations";
import { seedDemo } from "./seed";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NEXT_BIN = path.join(ROOT, "node_modules/.bin/next");
/** What a production build is made from: when any of it is newer than the build, rebuild. */
const BUILD_INPUTS = ["app", "server", "generated", "next.config.js", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];

/** `npm run demo`: migrate, seed, build when sources changed, start the console. */
export async function startDemo(port = Number(process.env.PORT ?? 3000)): Promise<void> {
  const { DATABASE_URL } = readEnv();
  if (await ensureDatabaseExists(DATABASE_URL)) console.log(`created database ${new URL(DATABASE_URL).pathname.slice(1)}`);
  const applied = await applyMigrations(DATABASE_URL);
  if (applied.length) console.log(`applied migrations: ${applied.join(", ")}`);
  await seedDemo();
  await getDb().$disconnect();

  if (await isBuildStale()) await run(NEXT_BIN, ["build"]);
  console.log(`\nMLOps console: http://localhost:${port}\n`);
  await run(NEXT_BIN, ["start", "--port", String(port)]);
}

async function isBuildStale(): Promise<boolean> {
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
  const times = await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => (await stat(path.join(entry.parentPath, entry.name))).mtimeMs));
  return Math.max(info.mtimeMs, ...times);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
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
  await startDemo();
}
