import { createHash, timingSafeEqual } from "node:crypto";
import { readEnv } from "@/server/env";
import { bearerTokenOf } from "@/server/services/auth/resolve-caller";

/**
 * Whether a request carries WORKER_TOKEN: a worker's, which reads the artifacts of every team
 * (workers serve, score and evaluate them all). Never true while WORKER_TOKEN is unset.
 */
export function isWorkerRequest(headers: Headers): boolean {
  const expected = readEnv().WORKER_TOKEN;
  const token = bearerTokenOf(headers.get("authorization"));
  if (expected === undefined || token === null) return false;
  return timingSafeEqual(digest(token), digest(expected));
}

const digest = (value: string) => createHash("sha256").update(value).digest();
