import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  alertRuleAuditFields,
  findAlertRuleOrThrow,
  ZAlertRuleNumber,
} from "@/server/services/alert/alert-rule-output";

export const ZDeleteAlertRuleInput = z.object({ number: ZAlertRuleNumber });
export const ZDeleteAlertRuleOutput = z.object({ number: z.number().int() });

/** Removes the rule and its history; to keep the history, disable it instead. */
export async function deleteAlertRule({
  teamId,
  actor,
  number,
}: z.output<typeof ZDeleteAlertRuleInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    const { id, ...rule } = await findAlertRuleOrThrow(teamId, number, tx);
    await tx.alertRule.delete({ where: { id } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "alert.delete",
      targetType: "alertRule",
      targetId: id,
      before: alertRuleAuditFields(rule),
      after: null,
    });
    return { number };
  });
}
