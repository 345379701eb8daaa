import {
  changeTraffic,
  ZChangeTrafficInput,
  ZChangeTrafficOutput,
} from "@/server/services/deployment/change-traffic";
import {
  createDeployment,
  ZCreateDeploymentInput,
  ZCreateDeploymentOutput,
} from "@/server/services/deployment/create-deployment";
import {
  getDeployment,
  ZGetDeploymentInput,
  ZGetDeploymentOutput,
} from "@/server/services/deployment/get-deployment";
import {
  getServedAt,
  ZGetServedAtInput,
  ZGetServedAtOutput,
} from "@/server/services/deployment/get-served-at";
import { getLiveTraffic, ZGetLiveTrafficInput } from "@/server/services/deployment/get-live-traffic";
import { getShadowStats, ZGetShadowStatsInput } from "@/server/services/deployment/get-shadow-stats";
import { listDeployments, ZListDeploymentsOutput } from "@/server/services/deployment/list-deployments";
import {
  updateDeploymentSettings,
  ZUpdateDeploymentSettingsInput,
  ZUpdateDeploymentSettingsOutput,
} from "@/server/services/deployment/update-deployment-settings";
import {
  setDeploymentGate,
  ZSetDeploymentGateInput,
  ZSetDeploymentGateOutput,
} from "@/server/services/deployment/set-deployment-gate";
import {
  ZSetDeploymentEconomicsInput,
  ZSetDeploymentEconomicsOutput,
} from "@/server/contracts/monitoring-api";
import { setDeploymentEconomics } from "@/server/services/deployment/set-deployment-economics";
import {
  decidePromotionRequest,
  ZDecidePromotionRequestInput,
} from "@/server/services/deployment/decide-promotion-request";
import {
  listPromotionRequests,
  ZListPromotionRequestsInput,
  ZListPromotionRequestsOutput,
} from "@/server/services/deployment/list-promotion-requests";
import { ZPromotionRequestOutput } from "@/server/services/deployment/promotion-request-output";
import { requestPromotion, ZRequestPromotionInput } from "@/server/services/deployment/request-promotion";
import {
  setDeploymentApproval,
  ZSetDeploymentApprovalInput,
  ZSetDeploymentApprovalOutput,
} from "@/server/services/deployment/set-deployment-approval";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const deploymentRouter = createTRPCRouter({
  list: teamProcedure
    .output(ZListDeploymentsOutput)
    .query(({ ctx }) => listDeployments({ teamId: ctx.team.id })),
  byName: teamProcedure
    .input(ZGetDeploymentInput)
    .output(ZGetDeploymentOutput)
    .query(({ ctx, input }) => getDeployment({ teamId: ctx.team.id, ...input })),
  /** Which revision (versions and weights) served at a moment, and from when to when. */
  servedAt: teamProcedure
    .input(ZGetServedAtInput)
    .output(ZGetServedAtOutput)
    .query(({ ctx, input }) => getServedAt({ teamId: ctx.team.id, ...input })),
  liveTraffic: teamProcedure
    .input(ZGetLiveTrafficInput)
    .query(({ ctx, input }) => getLiveTraffic({ teamId: ctx.team.id, ...input })),
  shadowStats: teamProcedure
    .input(ZGetShadowStatsInput)
    .query(({ ctx, input }) => getShadowStats({ teamId: ctx.team.id, ...input })),
  create: teamProcedure
    .input(ZCreateDeploymentInput)
    .output(ZCreateDeploymentOutput)
    .mutation(({ ctx, input }) => createDeployment({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  updateSettings: teamProcedure
    .input(ZUpdateDeploymentSettingsInput)
    .output(ZUpdateDeploymentSettingsOutput)
    .mutation(({ ctx, input }) =>
      updateDeploymentSettings({ teamId: ctx.team.id, actor: ctx.actor, ...input }),
    ),
  /** Whether promotions must pass the evaluation gate, on which golden set, with what margin. */
  setGate: teamProcedure
    .input(ZSetDeploymentGateInput)
    .output(ZSetDeploymentGateOutput)
    .mutation(({ ctx, input }) => setDeploymentGate({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** Target cost and revenue per call, which the cost charts draw margins against. */
  setEconomics: teamProcedure
    .input(ZSetDeploymentEconomicsInput)
    .output(ZSetDeploymentEconomicsOutput)
    .mutation(({ ctx, input }) =>
      setDeploymentEconomics({ teamId: ctx.team.id, actor: ctx.actor, ...input }),
    ),
  /** Promote, canary, weights, shadow on/off, rollback and restore: each makes a new revision. */
  changeTraffic: teamProcedure
    .input(ZChangeTrafficInput)
    .output(ZChangeTrafficOutput)
    .mutation(({ ctx, input }) => changeTraffic({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** Four eyes on promotions: on, promote is refused and requests wait for another person. */
  setApproval: teamProcedure
    .input(ZSetDeploymentApprovalInput)
    .output(ZSetDeploymentApprovalOutput)
    .mutation(({ ctx, input }) => setDeploymentApproval({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  promotionRequests: teamProcedure
    .input(ZListPromotionRequestsInput)
    .output(ZListPromotionRequestsOutput)
    .query(({ ctx, input }) => listPromotionRequests({ teamId: ctx.team.id, ...input })),
  requestPromotion: teamProcedure
    .input(ZRequestPromotionInput)
    .output(ZPromotionRequestOutput)
    .mutation(({ ctx, input }) => requestPromotion({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** Approve (applies the promotion, through the gate), reject, or withdraw one's own request. */
  decidePromotion: teamProcedure
    .input(ZDecidePromotionRequestInput)
    .output(ZPromotionRequestOutput)
    .mutation(({ ctx, input }) =>
      decidePromotionRequest({ teamId: ctx.team.id, actor: ctx.actor, ...input }),
    ),
});
