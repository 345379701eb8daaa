import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The secret the demo's console signs sessions with (it runs `next start`, a production server,
 * which refuses to start without one): made once and kept in data/, so sessions survive restarts.
 * Readable by its owner only.
 */
export async function demoAuthSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "auth-secret");
  const kept = await readFile(file, "utf8").catch(() => "");
  if (kept.trim().length >= 32) return kept.trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
