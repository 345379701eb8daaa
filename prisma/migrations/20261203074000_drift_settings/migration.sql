-- How a deployment's drift is judged (server/domain/drift/drift-settings.ts ZDriftSettings); {} = defaults.
ALTER TABLE "Deployment" ADD COLUMN "driftSettings" JSONB NOT NULL DEFAULT '{}';
-- One report per deployment, version and window: the monitor recomputes a window by upsert.
CREATE UNIQUE INDEX "DriftReport_deploymentId_modelVersionId_windowStart_key"
  ON "DriftReport"("deploymentId", "modelVersionId", "windowStart");
