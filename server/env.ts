import { z } from "zod";
import { formatZodIssues } from "@/server/domain/zod-message";

const MiB = 1024 * 1024;

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
  /** Where inference clients reach the gateway; shown on deployment pages. */
  GATEWAY_PUBLIC_URL: z.string().url().default("http://localhost:8080"),
  /** Team used while sign-in is not configured: every request acts in it. */
  DEFAULT_TEAM_SLUG: z.string().min(1).default("default"),
  /** Log lines go here instead of standard output when set. */
  LOG_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type Env = z.infer<typeof ZEnv>;

/** Parsed on every call, not cached: tests point one process at several databases in turn. */
export function readEnv(): Env {
  return parseEnvironment(ZEnv);
}

/** Parses process.env with a process's own schema; the error names every bad variable. */
export function parseEnvironment<Schema extends z.ZodType>(schema: Schema): z.output<Schema> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) throw new Error(`invalid environment: ${formatZodIssues(parsed.error, "env")}`);
  return parsed.data;
}
