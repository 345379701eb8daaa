import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  DEPLOYMENT_SUMMARY_SELECT,
  deploymentSummaryOf,
  ZDeploymentSummary,
  type DeploymentSummary,
} from "@/server/services/deployment/deployment-output";
import { settingsOf, ZDeploymentSettings } from "@/server/services/deployment/deployment-settings";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { publishDeploymentChange } from "@/server/services/deployment/publish-deployment-change";

export const ZUpdateDeploymentSettingsInput = z.object({
  name: z.string().min(1),
  /** Only the settings named change; ZDeploymentSettings has no defaults to fill the others in. */
  settings: ZDeploymentSettings.partial().refine(
    (settings) => Object.values(settings).some((value) => value !== undefined),
    {
      message: "name at least one setting to change",
    },
  ),
});
export type UpdateDeploymentSettingsOptions = z.output<typeof ZUpdateDeploymentSettingsInput> & {
  teamId: string;
  actor: string;
};

export const ZUpdateDeploymentSettingsOutput = ZDeploymentSummary;

/** Batching and placement settings; gateways reload them like a revision change. */
export async function updateDeploymentSettings({
  teamId,
  actor,
  name,
  settings,
}: UpdateDeploymentSettingsOptions): Promise<DeploymentSummary> {
  const updated = await getDb().$transaction(async (tx) => {
    // Locked, so the audit's "before" is what this update replaced even under concurrent updates.
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    const after = await tx.deployment.update({
      where: { id: deployment.id },
      data: settings,
      select: DEPLOYMENT_SUMMARY_SELECT,
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.updateSettings",
      targetType: "deployment",
      targetId: deployment.id,
      before: settingsOf(deployment),
      after: settingsOf(after),
    });
    return { deploymentId: deployment.id, after };
  });
  await publishDeploymentChange({ deploymentId: updated.deploymentId, name, teamId });
  return deploymentSummaryOf(updated.after);
}
