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
import { authorize, reachableDeployments } from "@/server/domain/access/caller";
import { promotionDecisionActions, trafficChangeActions } from "@/server/domain/access/traffic-actions";
import {
  createTRPCRouter,
  deploymentProcedure,
  deploymentProcedureFor,
  viewerProcedure,
} from "@/server/trpc/procedures";

export const deploymentRouter = createTRPCRouter({
  list: viewerProcedure
    .output(ZListDeploymentsOutput)
    .query(async ({ ctx }) =>
      reachableDeployments(ctx.caller, await listDeployments({ teamId: ctx.team.id })),
    ),
  byName: deploymentProcedureFor("read")
    .input(ZGetDeploymentInput)
    .output(ZGetDeploymentOutput)
    .query(({ ctx, input }) => getDeployment({ teamId: ctx.team.id, ...input })),
  /** Which revision (versions and weights) served at a moment, and from when to when. */
  servedAt: deploymentProcedureFor("read")
    .input(ZGetServedAtInput)
    .output(ZGetServedAtOutput)
    .query(({ ctx, input }) => getServedAt({ teamId: ctx.team.id, ...input })),
  liveTraffic: deploymentProcedureFor("read")
    .input(ZGetLiveTrafficInput)
    .query(({ ctx, input }) => getLiveTraffic({ teamId: ctx.team.id, ...input })),
  shadowStats: deploymentProcedureFor("read")
    .input(ZGetShadowStatsInput)
    .query(({ ctx, input }) => getShadowStats({ teamId: ctx.team.id, ...input })),
  create: deploymentProcedureFor("deployment.deploy")
    .input(ZCreateDeploymentInput)
    .output(ZCreateDeploymentOutput)
    .mutation(({ ctx, input }) => createDeployment({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  updateSettings: deploymentProcedureFor("deployment.deploy")
    .input(ZUpdateDeploymentSettingsInput)
    .output(ZUpdateDeploymentSettingsOutput)
    .mutation(({ ctx, input }) =>
      updateDeploymentSettings({ teamId: ctx.team.id, actor: ctx.actor, ...input }),
    ),
  /** Whether promotions must pass the evaluation gate, on which golden set, with what margin. */
  setGate: deploymentProcedureFor("deployment.setGate")
    .input(ZSetDeploymentGateInput)
    .output(ZSetDeploymentGateOutput)
    .mutation(({ ctx, input }) => setDeploymentGate({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** Target cost and revenue per call, which the cost charts draw margins against. */
  setEconomics: deploymentProcedureFor("deployment.deploy")
    .input(ZSetDeploymentEconomicsInput)
    .output(ZSetDeploymentEconomicsOutput)
    .mutation(({ ctx, input }) =>
      setDeploymentEconomics({ teamId: ctx.team.id, actor: ctx.actor, ...input }),
    ),
  /** Promote, canary, weights, shadow on/off, rollback and restore: each makes a new revision. */
  changeTraffic: deploymentProcedure
    .input(ZChangeTrafficInput)
    .output(ZChangeTrafficOutput)
    .mutation(({ ctx, input }) => {
      authorize(ctx.caller, ...trafficChangeActions(input.change));
      return changeTraffic({ teamId: ctx.team.id, actor: ctx.actor, ...input });
    }),
  /** Four eyes on promotions: on, promote is refused and requests wait for another person. */
  setApproval: deploymentProcedureFor("deployment.setApproval")
    .input(ZSetDeploymentApprovalInput)
    .output(ZSetDeploymentApprovalOutput)
    .mutation(({ ctx, input }) => setDeploymentApproval({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  promotionRequests: deploymentProcedureFor("read")
    .input(ZListPromotionRequestsInput)
    .output(ZListPromotionRequestsOutput)
    .query(({ ctx, input }) => listPromotionRequests({ teamId: ctx.team.id, ...input })),
  requestPromotion: deploymentProcedureFor("promotion.request")
    .input(ZRequestPromotionInput)
    .output(ZPromotionRequestOutput)
    .mutation(({ ctx, input }) => requestPromotion({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** Approve (applies the promotion, through the gate), reject, or withdraw one's own request. */
  decidePromotion: deploymentProcedure
    .input(ZDecidePromotionRequestInput)
    .output(ZPromotionRequestOutput)
    .mutation(({ ctx, input }) => {
      authorize(ctx.caller, ...promotionDecisionActions(input));
      return decidePromotionRequest({ teamId: ctx.team.id, actor: ctx.actor, ...input });
    }),
});
