import { spawnSync } from "node:child_process";
import os from "node:os";
import { findOnPath } from "./find-on-path";
import { startEmbeddedPostgres, startLocalRedis, type LocalService } from "./local-services";
import { probePostgres, probeRedis, type ProbeResult } from "./probe";

/** A service the demo cannot do without; the message says what is missing and how to bring it. */
export class MissingServiceError extends Error {
  override name = "MissingServiceError";
}

/** For CLI entry points: a missing service prints its help, without a stack trace, and exits 1. */
export function exitIfServiceMissing(error: unknown): never {
  if (!(error instanceof MissingServiceError)) throw error;
  console.error(error.message);
  process.exit(1);
}

interface ServiceSpec {
  name: "PostgreSQL" | "Redis";
  /** The environment variable that names its URL. */
  variable: "DATABASE_URL" | "REDIS_URL";
  /** The docker-compose.yml command that brings it on the default address. */
  composeCommand: string;
  /** What it is needed for, for the message. */
  purpose: string;
  probe(url: string): Promise<ProbeResult>;
  startLocal(options: { port: number; dataDir: string }): Promise<LocalService>;
  defaultPort: number;
  /** The shape of a URL to suggest when the server refuses the one given. */
  urlTemplate: string;
}

const POSTGRES: ServiceSpec = {
  name: "PostgreSQL",
  variable: "DATABASE_URL",
  // The compose file's Postgres is not published (a local server often holds 5432): the whole
  // console runs in compose instead.
  composeCommand: "docker compose up",
  purpose: "the registry, deployments and revisions",
  probe: probePostgres,
  startLocal: startEmbeddedPostgres,
  defaultPort: 5432,
  urlTemplate: "postgresql://USER:PASSWORD@HOST:5432/mlops",
};

const REDIS: ServiceSpec = {
  name: "Redis",
  variable: "REDIS_URL",
  composeCommand: "docker compose up -d redis",
  purpose: "the serving queues (BullMQ), live counters and change announcements",
  probe: probeRedis,
  startLocal: startLocalRedis,
  defaultPort: 6379,
  urlTemplate: "redis://:PASSWORD@HOST:6379",
};

export interface PrepareOptions {
  url: string;
  /** Whether the URL was set in the environment; only the default address gets a server started. */
  configured: boolean;
  /** Where a server started here keeps its data; without it, none is started. */
  dataDir?: string;
  /** The command being run, suggested again with a corrected URL. */
  rerun?: string;
}

/**
 * Checks PostgreSQL; when nothing answers at the default address and a dataDir is given, starts
 * the embedded one. Throws MissingServiceError otherwise.
 */
export function preparePostgres(options: PrepareOptions): Promise<LocalService | null> {
  return prepare(POSTGRES, options);
}

/** Checks Redis; when nothing answers at the default address, starts an installed redis-server. */
export function prepareRedis(options: PrepareOptions): Promise<LocalService | null> {
  return prepare(REDIS, options);
}

async function prepare(spec: ServiceSpec, options: PrepareOptions): Promise<LocalService | null> {
  const probe = await spec.probe(options.url);
  if (probe.state === "ready") return null;
  const where = `${spec.name} at ${displayUrl(options.url)} (${
    options.configured ? spec.variable : `the default; ${spec.variable} is not set`
  })`;
  const help = (problem: string, advice: string, command: string) =>
    new MissingServiceError(
      [
        `${where} ${problem}`,
        `The console needs ${spec.name} for ${spec.purpose}. ${advice}`,
        `  ${command}`,
      ].join("\n"),
    );
  if (probe.state === "refusing") {
    throw help(
      `refused the connection: ${probe.reason}`,
      `Point ${spec.variable} at a server that accepts it:`,
      `${spec.variable}=${spec.urlTemplate} ${options.rerun ?? "npm run demo"}`,
    );
  }
  if (options.dataDir === undefined) {
    throw help(
      `is not answering: ${probe.reason}`,
      options.configured
        ? `Start the server ${spec.variable} names; for one at the default address:`
        : "Start one with:",
      bringUpCommand(spec),
    );
  }
  if (options.configured || !isLoopback(options.url)) {
    throw help(
      `is not answering: ${probe.reason}`,
      `Start the server ${spec.variable} names, or leave ${spec.variable} unset to use (or start) the default:`,
      `env -u ${spec.variable} npm run demo`,
    );
  }
  const port = Number(new URL(options.url).port) || spec.defaultPort;
  try {
    const service = await spec.startLocal({ port, dataDir: options.dataDir });
    console.log(`${where}: nothing answered, started ${service.description}; it stops with the demo`);
    return service;
  } catch (error) {
    throw help(
      `is not answering: ${probe.reason}`,
      `None could be started here (${oneLine((error as Error).message)}). Start one with:`,
      bringUpCommand(spec),
    );
  }
}

/**
 * The one command that brings the service on this machine: Docker Compose where it is there (the
 * compose file's Redis on 127.0.0.1:6379, or the whole console with its own PostgreSQL), else the
 * Debian package (the next demo run starts an installed redis-server itself), else what to install.
 */
function bringUpCommand(spec: ServiceSpec): string {
  if (findOnPath("docker") && spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0)
    return spec.composeCommand;
  const sudo = os.userInfo().uid === 0 ? "" : "sudo ";
  if (spec === REDIS && findOnPath("apt-get")) return `${sudo}apt-get install -y redis-server`;
  return spec === REDIS
    ? "install Redis 7 (redis-server) listening on 127.0.0.1:6379"
    : "install PostgreSQL 15+ listening on 127.0.0.1:5432 with user postgres and trust auth";
}

/** The URL without its password, which must not reach a terminal or a log. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an invalid URL)";
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}
