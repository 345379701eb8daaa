import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

export const ZSetDriftSettingsInput = z.object({ name: z.string().min(1), settings: ZDriftSettings });
export const ZSetDriftSettingsOutput = ZDriftSettings;

/** Sets how a deployment's drift is judged; reports from then on use it (earlier ones stay). */
export async function setDriftSettings({
  teamId,
  actor,
  name,
  settings,
}: z.output<typeof ZSetDriftSettingsInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    const before = ZDriftSettings.parse(deployment.driftSettings);
    await tx.deployment.update({
      where: { id: deployment.id },
      data: { driftSettings: settings as Prisma.InputJsonValue },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.setDriftSettings",
      targetType: "deployment",
      targetId: deployment.id,
      before,
      after: settings,
    });
    return settings;
  });
}
