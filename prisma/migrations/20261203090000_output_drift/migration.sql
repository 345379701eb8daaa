-- Output drift: a version with no linked feature set gets output-only drift reports, judged
-- against a window of its own traffic on the deployment (one OutputReference per pair).
ALTER TABLE "DriftReport" ALTER COLUMN "featureSetVersionId" DROP NOT NULL;

CREATE TABLE "OutputReference" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "windowEnd" TIMESTAMP(3) NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "outputs" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutputReference_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "OutputReference_deploymentId_modelVersionId_key"
  ON "OutputReference"("deploymentId", "modelVersionId");
CREATE INDEX "OutputReference_teamId_idx" ON "OutputReference"("teamId");

ALTER TABLE "OutputReference" ADD CONSTRAINT "OutputReference_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "OutputReference" ADD CONSTRAINT "OutputReference_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OutputReference" ADD CONSTRAINT "OutputReference_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
