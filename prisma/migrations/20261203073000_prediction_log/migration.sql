-- The share of a deployment's requests the gateway logs, and the caller's request id by which
-- labels arrive later.
ALTER TABLE "Deployment" ADD COLUMN "predictionSampleRate" DOUBLE PRECISION NOT NULL DEFAULT 0.1;
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_predictionSampleRate_check"
  CHECK ("predictionSampleRate" >= 0 AND "predictionSampleRate" <= 1);

ALTER TABLE "PredictionSample" ADD COLUMN "requestId" TEXT;
CREATE INDEX "PredictionSample_deploymentId_requestId_idx" ON "PredictionSample"("deploymentId", "requestId");
-- Retention deletes by age across deployments.
CREATE INDEX "PredictionSample_createdAt_idx" ON "PredictionSample"("createdAt");
