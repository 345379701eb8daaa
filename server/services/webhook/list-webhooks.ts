import { z } from "zod";
import { getDb } from "@/server/db";
import {
  webhookOutputOf,
  WEBHOOK_OUTPUT_SELECT,
  ZWebhookOutput,
  type WebhookOutput,
} from "@/server/services/webhook/webhook-output";

export const ZListWebhooksInput = z.object({}).default({});
export const ZListWebhooksOutput = z.array(ZWebhookOutput);

/** The team's webhooks, oldest first (as numbered). */
export async function listWebhooks({ teamId }: { teamId: string }): Promise<WebhookOutput[]> {
  const rows = await getDb().webhook.findMany({
    where: { teamId },
    orderBy: { number: "asc" },
    select: WEBHOOK_OUTPUT_SELECT,
  });
  return rows.map(webhookOutputOf);
}
