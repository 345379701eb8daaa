import { z } from "zod";
import { getDb } from "@/server/db";
import { ZDeploymentSettings } from "@/server/services/deployment/deployment-settings";
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

/** Batching and placement settings; gateways reload them like a revision change. */
export async function updateDeploymentSettings({
  teamId,
  actor,
  name,
  settings,
}: UpdateDeploymentSettingsOptions) {
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
