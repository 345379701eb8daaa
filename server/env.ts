import { z } from "zod";
import { formatZodIssues } from "@/server/domain/zod-message";

const MiB = 1024 * 1024;

/** 32 bytes as 64 hex digits or as base64 (`openssl rand -base64 32`). */
const ZAes256Key = z
  .string()
  .trim()
  .refine(
    (raw) =>
      /^[0-9a-f]{64}$/i.test(raw) ||
      (/^[A-Za-z0-9+/]{43}=?$/.test(raw) && Buffer.from(raw, "base64").length === 32),
    "must be 32 bytes as 64 hex digits or as base64 (openssl rand -base64 32)",
  );
/** "true" or "false" (z.coerce.boolean would read "false" as true). */
export const ZFlag = z
  .enum(["true", "false"])
  .default("false")
  .transform((value) => value === "true");

const ZEnv = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/mlops"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Prefix of every Redis key this process writes, so tests and deployments can share a Redis. */
  REDIS_KEY_PREFIX: z.string().default("mlops:"),
  ARTIFACT_DIR: z.string().min(1).default("./data/artifacts"),
  MAX_ARTIFACT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * MiB),
  MAX_FEATURE_SAMPLE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * MiB),
  MAX_FEATURE_SAMPLE_ROWS: z.coerce.number().int().positive().default(1_000_000),
  /**
   * Where the console (`npm start`, `npm run dev`, `npm run demo`) listens. Loopback until sign-in
   * exists: anyone who reaches the port acts in the default team.
   */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where inference clients reach the gateway; shown on deployment pages. */
  GATEWAY_PUBLIC_URL: z.string().url().default("http://localhost:8080"),
  /** Team of a request without credentials while CONSOLE_REQUIRE_AUTH is false (or its `x-team`). */
  DEFAULT_TEAM_SLUG: z.string().min(1).default("default"),
  /**
   * Encrypts webhooks' signing secrets at rest (AES-256-GCM). The console (which encrypts them)
   * and workers with the webhooks role (which sign with them) need the same key; unset, the
   * console refuses to create webhooks. Changing it leaves existing webhooks unable to sign.
   */
  WEBHOOK_SECRET_KEY: ZAes256Key.optional(),
  /**
   * true: every tRPC call and download needs an API key (or, once sign-in lands, a session) and
   * gets 401 without one. false (for now the default, as the demo has no sign-in): a request
   * without credentials acts as "local", an admin of DEFAULT_TEAM_SLUG or of its `x-team`.
   */
  CONSOLE_REQUIRE_AUTH: ZFlag,
  /**
   * Shared with the workers: a bearer token that reads any team's artifacts (workers serve and
   * score every team's versions). Needed once CONSOLE_REQUIRE_AUTH is true.
   */
  WORKER_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  /** Where the console listens (`npm start`, `npm run demo`; Next.js reads it too). */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /**
   * Signs session cookies and encrypts what better-auth stores; at least 32 random characters
   * (`openssl rand -base64 32`). Required in production (server/auth/sign-in-settings.ts); the demo
   * makes one and keeps it in data/.
   */
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * The console's public URL as browsers reach it (default http://localhost:PORT): the origin
   * changes must come from, and where the OpenID provider sends users back to.
   */
  BETTER_AUTH_URL: z.string().url().optional(),
  /** Single sign-on through OpenID Connect: the provider's issuer; sign-in by OIDC is off when unset. */
  OIDC_ISSUER_URL: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The provider's name on the sign-in page's button ("Sign in with <name>"). */
  OIDC_DISPLAY_NAME: z.string().min(1).default("single sign-on"),
  /** Log lines go here instead of standard output when set. */
  LOG_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type Env = z.infer<typeof ZEnv>;

let env: Env | undefined;

/**
 * The process's environment, parsed on the first call and kept: a process reads its settings once,
 * at start (the entry points call this first, so a bad variable stops them at boot). Tests that
 * need other settings set process.env before anything reads it; each test file has its own module
 * graph, so each gets its own parse.
 */
export function readEnv(): Env {
  env ??= parseEnvironment(ZEnv);
  return env;
}

/** A variable that fails its schema; the message names every bad variable and nothing else. */
export class InvalidEnvironmentError extends Error {
  override name = "InvalidEnvironmentError";
}

/** Parses process.env with a process's own schema; the error names every bad variable. */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema): z.output<Schema> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success)
    throw new InvalidEnvironmentError(`invalid environment: ${formatZodIssues(parsed.error, "")}`);
  return parsed.data;
}

/**
 * For entry points: the environment, or one line on stderr naming the bad variables and exit 1.
 * A stack trace would only point into this file, not at the setting to fix.
 */
export function readEnvOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
