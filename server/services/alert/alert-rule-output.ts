import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { ALERT_COMPARATORS, ALERT_METRIC_NAMES } from "@/server/domain/alerts/alert-rule";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";

/** A rule as the API shows it: by number, its deployment by name, its state. */
export const ZAlertRuleOutput = z.object({
  number: z.number().int(),
  name: z.string(),
  deploymentName: z.string().nullable(),
  metric: z.enum(ALERT_METRIC_NAMES),
  comparator: z.enum(ALERT_COMPARATORS),
  threshold: z.number(),
  windowMinutes: z.number().int(),
  forMinutes: z.number().int(),
  /** Webhook numbers; empty: the team's webhooks subscribed to alert events. */
  receiverNumbers: z.array(z.number().int()),
  enabled: z.boolean(),
  state: z.enum(["inactive", "pending", "firing"]),
  stateSince: z.date().nullable(),
  lastValue: z.number().nullable(),
  lastEvaluatedAt: z.date().nullable(),
  createdBy: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type AlertRuleOutput = z.output<typeof ZAlertRuleOutput>;

export const ALERT_RULE_SELECT = {
  number: true,
  name: true,
  metric: true,
  comparator: true,
  threshold: true,
  windowMinutes: true,
  forMinutes: true,
  receiverNumbers: true,
  enabled: true,
  state: true,
  stateSince: true,
  lastValue: true,
  lastEvaluatedAt: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
  deployment: { select: { name: true } },
} as const satisfies Prisma.AlertRuleSelect;

type StoredRule = Prisma.AlertRuleGetPayload<{ select: typeof ALERT_RULE_SELECT }>;

/** Stored metric and comparator strings are parsed: a row written by hand cannot leak through. */
export function alertRuleOutputOf({ deployment, ...rule }: StoredRule): AlertRuleOutput {
  return ZAlertRuleOutput.parse({ ...rule, deploymentName: deployment?.name ?? null });
}

/** What the audit log keeps of a rule: its definition, not its changing state. */
export function alertRuleAuditFields(rule: AlertRuleOutput) {
  const { number, name, deploymentName, metric, comparator, threshold, windowMinutes, forMinutes } = rule;
  return {
    number,
    name,
    deploymentName,
    metric,
    comparator,
    threshold,
    windowMinutes,
    forMinutes,
    receiverNumbers: rule.receiverNumbers,
    enabled: rule.enabled,
  };
}

export const ZAlertRuleNumber = z.number().int().positive();

type Client = Prisma.TransactionClient | ReturnType<typeof getDb>;

/** The team's rule of that number; another team's is as absent as one never made. */
export async function findAlertRuleOrThrow(teamId: string, number: number, client: Client = getDb()) {
  const rule = await client.alertRule.findUnique({
    where: { teamId_number: { teamId, number } },
    select: { id: true, ...ALERT_RULE_SELECT },
  });
  if (!rule) throw new AppError("NOT_FOUND", `alert rule #${number} does not exist`);
  const { id, ...stored } = rule;
  return { id, ...alertRuleOutputOf(stored) };
}

/** Receivers must exist when a rule names them; a typo would silence the alert. */
export async function assertReceiversExist(teamId: string, numbers: readonly number[], client: Client) {
  if (numbers.length === 0) return;
  const found = await client.webhook.findMany({
    where: { teamId, number: { in: [...numbers] } },
    select: { number: true },
  });
  const missing = numbers.filter((number) => !found.some((webhook) => webhook.number === number));
  if (missing.length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `${missing.map((number) => `webhook #${number}`).join(", ")} ${missing.length === 1 ? "does" : "do"} not exist; add it under Settings › Webhooks or leave the receivers empty`,
    );
}
