import { z } from "zod";
import {
  ZAlertComparator,
  ZAlertMetric,
  ZForMinutes,
  ZThreshold,
  ZWindowMinutes,
} from "@/server/domain/alerts/alert-rule";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { deploymentNotFound } from "@/server/services/deployment/find-deployment";
import {
  ALERT_RULE_SELECT,
  alertRuleAuditFields,
  alertRuleOutputOf,
  assertReceiversExist,
  findAlertRuleOrThrow,
  ZAlertRuleNumber,
  ZAlertRuleOutput,
} from "@/server/services/alert/alert-rule-output";
import { ZAlertReceivers } from "@/server/services/alert/create-alert-rule";

/**
 * Only the fields given change. The state stays: the next evaluation judges the new condition,
 * so a firing rule whose threshold was raised past its value resolves once, as it should. A
 * disabled rule that was firing is resolved by the next evaluation too.
 */
export const ZUpdateAlertRuleInput = z.object({
  number: ZAlertRuleNumber,
  name: z.string().trim().min(1, "the rule needs a name").max(100).optional(),
  deploymentName: z.string().trim().min(1).optional(),
  metric: ZAlertMetric.optional(),
  comparator: ZAlertComparator.optional(),
  threshold: ZThreshold.optional(),
  windowMinutes: ZWindowMinutes.optional(),
  forMinutes: ZForMinutes.optional(),
  receiverNumbers: ZAlertReceivers.optional(),
  enabled: z.boolean().optional(),
});
export const ZUpdateAlertRuleOutput = ZAlertRuleOutput;

export async function updateAlertRule({
  teamId,
  actor,
  number,
  deploymentName,
  ...changes
}: z.output<typeof ZUpdateAlertRuleInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    const { id, ...before } = await findAlertRuleOrThrow(teamId, number, tx);
    let deploymentId: string | undefined;
    if (deploymentName !== undefined) {
      const deployment = await tx.deployment.findUnique({
        where: { teamId_name: { teamId, name: deploymentName } },
        select: { id: true },
      });
      if (!deployment) throw deploymentNotFound(deploymentName);
      deploymentId = deployment.id;
    }
    if (changes.receiverNumbers) await assertReceiversExist(teamId, changes.receiverNumbers, tx);
    const after = alertRuleOutputOf(
      await tx.alertRule.update({
        where: { id },
        data: { ...changes, ...(deploymentId && { deploymentId }) },
        select: ALERT_RULE_SELECT,
      }),
    );
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "alert.update",
      targetType: "alertRule",
      targetId: id,
      before: alertRuleAuditFields(before),
      after: alertRuleAuditFields(after),
    });
    return after;
  });
}
