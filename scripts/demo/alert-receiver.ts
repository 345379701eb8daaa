import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { verifyWebhookSignature, ZWebhookEvent, type WebhookEvent } from "@/server/contracts/webhook-events";
import { getDb } from "@/server/db";
import { readEnvOrExit, readEnv } from "@/server/env";
import { createWebhook } from "@/server/services/webhook/create-webhook";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { startWebhookReceiver, type ReceivedWebhook } from "./webhook-receiver";

const ALERT_EVENT_TYPES = ["alert.fired", "alert.resolved"] as const;
export const DEMO_RECEIVER_DESCRIPTION = "The demo's local alert receiver (scripts/demo/alert-receiver.ts)";

/**
 * The demo's stand-in for a team's pager: a local webhook endpoint, registered with the console
 * as a webhook for alert events (once; its secret kept in `data/demo-receiver.<database>.secret`, since the
 * console shows a secret only when it makes it), that prints each alert it receives with whether
 * its signature holds. Runs in its own process because it needs WEBHOOK_SECRET_KEY, which the
 * demo makes before the console starts.
 */
export async function runAlertReceiver({ port, dataDir }: { port: number; dataDir: string }) {
  const receiver = await startWebhookReceiver({ port, onReceived: (received) => report(received) });
  const url = receiver.url("/hooks/alerts");
  // Per database: the browser tests' demo runs on a database of its own beside the user's.
  const database = new URL(readEnv().DATABASE_URL).pathname.slice(1);
  const secretFile = path.join(dataDir, `demo-receiver.${database}.secret`);
  const secret = await ensureWebhook(url, secretFile);
  await getDb().$disconnect();
  console.log(`alert receiver: listening on ${url} for alert.fired and alert.resolved`);

  function report({ headers, body }: ReceivedWebhook) {
    const verification = secret
      ? verifyWebhookSignature({ secret, headers, body })
      : { valid: false as const, problem: `no secret in ${secretFile}` };
    const signature = verification.valid
      ? "signature valid"
      : `signature not checked: ${verification.problem}`;
    const event = ZWebhookEvent.safeParse(JSON.parse(body));
    console.log(`alert receiver: ${event.success ? describe(event.data) : "an unknown body"} (${signature})`);
  }
}

/** The receiver's webhook, made on the first run; the secret it signs with, when kept. */
async function ensureWebhook(url: string, secretFile: string): Promise<string | null> {
  const team = await ensureDefaultTeam();
  const existing = await getDb().webhook.findFirst({ where: { teamId: team.id, url } });
  if (existing)
    return readFile(secretFile, "utf8").then(
      (secret) => secret.trim(),
      () => null,
    );
  const { webhook, secret } = await createWebhook({
    teamId: team.id,
    actor: "demo",
    url,
    description: DEMO_RECEIVER_DESCRIPTION,
    eventTypes: [...ALERT_EVENT_TYPES],
    modelNames: [],
    format: "standard",
  });
  await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
  console.log(`alert receiver: registered as webhook #${webhook.number}`);
  return secret;
}

function describe(event: WebhookEvent): string {
  if (event.type === "alert.fired" || event.type === "alert.resolved")
    return `${event.type}: ${event.data.message}`;
  return event.type;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  readEnvOrExit(readEnv);
  await runAlertReceiver({
    port: Number(process.env.DEMO_RECEIVER_PORT ?? 8090),
    dataDir: path.resolve(import.meta.dirname, "../../data"),
  });
}
