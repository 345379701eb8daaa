import { z } from "zod";
import { summarizeShadowStats } from "@/server/domain/traffic/shadow-comparison";
import { decodeShadowStatsHash, shadowStatsKey } from "@/server/contracts/live-counters";
import { getRedis } from "@/server/redis";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

export const ZGetShadowStatsInput = z.object({ name: z.string().min(1) });

/** How each shadow of the active revision compares with the primary, from the gateways' running sums. */
export async function getShadowStats({
  teamId,
  name,
}: z.output<typeof ZGetShadowStatsInput> & { teamId: string }) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const redis = getRedis();
  return Promise.all(
    deployment.activeRevision.target.shadows.map(async (shadow) => {
      const stats = decodeShadowStatsHash(
        await redis.hgetall(shadowStatsKey(deployment.id, shadow.versionId)),
      );
      return { versionNumber: shadow.versionNumber, ...summarizeShadowStats(stats) };
    }),
  );
}
