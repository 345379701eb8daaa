import { z } from "zod";
import { changeTraffic, ZTrafficChange } from "@/server/services/deployment/change-traffic";
import { createDeployment, ZCreateDeploymentInput } from "@/server/services/deployment/create-deployment";
import { getDeployment } from "@/server/services/deployment/get-deployment";
import { getLiveTraffic } from "@/server/services/deployment/get-live-traffic";
import { getShadowStats } from "@/server/services/deployment/get-shadow-stats";
import { listDeployments } from "@/server/services/deployment/list-deployments";
import {
  updateDeploymentSettings,
  ZUpdateDeploymentSettingsInput,
} from "@/server/services/deployment/update-deployment-settings";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

const ZDeploymentName = z.object({ name: z.string().min(1) });

export const deploymentRouter = createTRPCRouter({
  list: teamProcedure.query(({ ctx }) => listDeployments(ctx.team.id)),
  byName: teamProcedure
    .input(ZDeploymentName)
    .query(({ ctx, input }) => getDeployment(ctx.team.id, input.name)),
  liveTraffic: teamProcedure
    .input(ZDeploymentName.extend({ minutes: z.number().int().min(1).max(360).default(30) }))
    .query(({ ctx, input }) => getLiveTraffic(ctx.team.id, input.name, input.minutes)),
  shadowStats: teamProcedure
    .input(ZDeploymentName)
    .query(({ ctx, input }) => getShadowStats(ctx.team.id, input.name)),
  create: teamProcedure
    .input(ZCreateDeploymentInput)
    .mutation(({ ctx, input }) => createDeployment(ctx.team.id, input, ctx.actor)),
  updateSettings: teamProcedure
    .input(ZDeploymentName.extend({ settings: ZUpdateDeploymentSettingsInput }))
    .mutation(({ ctx, input }) =>
      updateDeploymentSettings(ctx.team.id, input.name, input.settings, ctx.actor),
    ),
  /** Promote, canary, weights, shadow on/off and rollback: each makes a new revision. */
  changeTraffic: teamProcedure
    .input(ZDeploymentName.extend({ change: ZTrafficChange }))
    .mutation(({ ctx, input }) =>
      changeTraffic({
        teamId: ctx.team.id,
        deploymentName: input.name,
        change: input.change,
        actor: ctx.actor,
      }),
    ),
});
