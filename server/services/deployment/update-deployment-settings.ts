import { type z } from "zod";
import { getDb } from "@/server/db";
import { ZDeploymentSettings } from "@/server/services/deployment/create-deployment";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { publishDeploymentChange } from "@/server/services/deployment/publish-deployment-change";

export const ZUpdateDeploymentSettingsInput = ZDeploymentSettings.partial();

/** Batching and placement settings; gateways reload them like a revision change. */
export async function updateDeploymentSettings(
  teamId: string,
  name: string,
  input: z.input<typeof ZUpdateDeploymentSettingsInput>,
  actor = "system",
) {
  const settings = ZUpdateDeploymentSettingsInput.parse(input);
  const deployment = await findDeploymentOrThrow(teamId, name);
  const db = getDb();
  const updated = await db.$transaction(async (tx) => {
    await tx.auditEvent.create({
      data: {
        teamId,
        actor,
        action: "deployment.settings",
        targetType: "deployment",
        targetId: deployment.id,
        data: settings,
      },
    });
    return tx.deployment.update({ where: { id: deployment.id }, data: settings });
  });
  await publishDeploymentChange({ deploymentId: deployment.id, name, teamId });
  return updated;
}
