import { z } from "zod";
import { getDb } from "@/server/db";
import {
  ALERT_RULE_SELECT,
  alertRuleOutputOf,
  ZAlertRuleOutput,
} from "@/server/services/alert/alert-rule-output";

export const ZListAlertRulesInput = z.object({ deploymentName: z.string().min(1).optional() }).default({});
export const ZListAlertRulesOutput = z.array(ZAlertRuleOutput);

/** The team's rules (of one deployment, if named), as numbered. */
export async function listAlertRules({
  teamId,
  deploymentName,
}: z.output<typeof ZListAlertRulesInput> & { teamId: string }) {
  const rows = await getDb().alertRule.findMany({
    where: { teamId, ...(deploymentName && { deployment: { name: deploymentName } }) },
    orderBy: { number: "asc" },
    select: ALERT_RULE_SELECT,
  });
  return rows.map(alertRuleOutputOf);
}
