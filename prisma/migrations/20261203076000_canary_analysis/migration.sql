-- Automated canary analysis: one running analysis per deployment steps its canary's weight, then
-- promotes it or rolls it back (server/domain/traffic/canary-analysis.ts).
CREATE TYPE "CanaryAnalysisStatus" AS ENUM ('running', 'paused', 'promoted', 'rolledBack', 'stopped', 'failed');

CREATE TABLE "CanaryAnalysis" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "canaryVersionId" TEXT NOT NULL,
    "stableVersionId" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "status" "CanaryAnalysisStatus" NOT NULL DEFAULT 'running',
    "weightPercent" INTEGER NOT NULL,
    "inconclusiveCount" INTEGER NOT NULL DEFAULT 0,
    "lastCheckedAt" TIMESTAMP(3) NOT NULL,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "reason" TEXT NOT NULL DEFAULT '',
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CanaryAnalysis_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "CanaryAnalysis_deploymentId_createdAt_idx" ON "CanaryAnalysis"("deploymentId", "createdAt");
CREATE INDEX "CanaryAnalysis_teamId_idx" ON "CanaryAnalysis"("teamId");
-- At most one analysis runs on a deployment at a time.
CREATE UNIQUE INDEX "CanaryAnalysis_one_running_per_deployment" ON "CanaryAnalysis"("deploymentId") WHERE "status" = 'running';

ALTER TABLE "CanaryAnalysis" ADD CONSTRAINT "CanaryAnalysis_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CanaryAnalysis" ADD CONSTRAINT "CanaryAnalysis_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CanaryAnalysis" ADD CONSTRAINT "CanaryAnalysis_canaryVersionId_fkey" FOREIGN KEY ("canaryVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CanaryAnalysis" ADD CONSTRAINT "CanaryAnalysis_stableVersionId_fkey" FOREIGN KEY ("stableVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
