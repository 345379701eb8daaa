import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The demo's WEBHOOK_SECRET_KEY: the environment's when set, else one made on the first run and
 * kept in `data/webhook-secret.key` (readable by its owner only), so webhooks made in one demo
 * still sign in the next. A deployment sets its own key and keeps it with its other secrets.
 */
export async function demoWebhookSecretKey(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, "webhook-secret.key");
  const kept = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (kept !== null) return kept.trim();
  const key = randomBytes(32).toString("base64");
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return key;
}
