import { alertRouter } from "@/server/trpc/routers/alert";
import { apiKeyRouter } from "@/server/trpc/routers/api-key";
import { auditRouter } from "@/server/trpc/routers/audit";
import { batchJobRouter } from "@/server/trpc/routers/batch-job";
import { canaryRouter } from "@/server/trpc/routers/canary";
import { deploymentRouter } from "@/server/trpc/routers/deployment";
import { driftRouter } from "@/server/trpc/routers/drift";
import { hostRouter } from "@/server/trpc/routers/host";
import { memberRouter } from "@/server/trpc/routers/member";
import { evaluationRouter } from "@/server/trpc/routers/evaluation";
import { feedbackRouter } from "@/server/trpc/routers/feedback";
import { featureSetRouter } from "@/server/trpc/routers/feature-set";
import { goldenSetRouter } from "@/server/trpc/routers/golden-set";
import { modelRouter } from "@/server/trpc/routers/model";
import { modelVersionRouter } from "@/server/trpc/routers/model-version";
import { monitoringRouter } from "@/server/trpc/routers/monitoring";
import { webhookRouter } from "@/server/trpc/routers/webhook";
import { sessionRouter } from "@/server/trpc/routers/session";
import { createCallerFactory, createTRPCRouter } from "@/server/trpc/procedures";

export const appRouter = createTRPCRouter({
  model: modelRouter,
  modelVersion: modelVersionRouter,
  featureSet: featureSetRouter,
  deployment: deploymentRouter,
  host: hostRouter,
  audit: auditRouter,
  goldenSet: goldenSetRouter,
  evaluation: evaluationRouter,
  batchJob: batchJobRouter,
  monitoring: monitoringRouter,
  drift: driftRouter,
  canary: canaryRouter,
  feedback: feedbackRouter,
  webhook: webhookRouter,
  alert: alertRouter,
  apiKey: apiKeyRouter,
  session: sessionRouter,
  member: memberRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
