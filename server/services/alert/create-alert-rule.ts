import { z } from "zod";
import { ZAlertCondition } from "@/server/domain/alerts/alert-rule";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { deploymentNotFound } from "@/server/services/deployment/find-deployment";
import {
  ALERT_RULE_SELECT,
  alertRuleAuditFields,
  alertRuleOutputOf,
  assertReceiversExist,
  ZAlertRuleOutput,
} from "@/server/services/alert/alert-rule-output";

export const ZAlertReceivers = z
  .array(z.number().int().positive("a receiver is a webhook number, 1 or more"))
  .max(20, "a rule can name at most 20 receivers")
  .transform((numbers) => [...new Set(numbers)]);

export const ZCreateAlertRuleInput = ZAlertCondition.extend({
  name: z.string().trim().min(1, "the rule needs a name").max(100, "the name must be at most 100 characters"),
  deploymentName: z.string().trim().min(1, "the rule needs the deployment it watches"),
  receiverNumbers: ZAlertReceivers.default([]),
  enabled: z.boolean().default(true),
});
export const ZCreateAlertRuleOutput = ZAlertRuleOutput;

/** A new rule, numbered per team under a lock on the team row, audited. */
export async function createAlertRule({
  teamId,
  actor,
  deploymentName,
  ...fields
}: z.output<typeof ZCreateAlertRuleInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    const deployment = await tx.deployment.findUnique({
      where: { teamId_name: { teamId, name: deploymentName } },
      select: { id: true },
    });
    if (!deployment) throw deploymentNotFound(deploymentName);
    await assertReceiversExist(teamId, fields.receiverNumbers, tx);
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR NO KEY UPDATE`;
    const latest = await tx.alertRule.aggregate({ where: { teamId }, _max: { number: true } });
    const { id, ...created } = await tx.alertRule.create({
      data: {
        ...fields,
        teamId,
        deploymentId: deployment.id,
        number: (latest._max.number ?? 0) + 1,
        createdBy: actor,
      },
      select: { id: true, ...ALERT_RULE_SELECT },
    });
    const rule = alertRuleOutputOf(created);
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "alert.create",
      targetType: "alertRule",
      targetId: id,
      before: null,
      after: alertRuleAuditFields(rule),
    });
    return rule;
  });
}
