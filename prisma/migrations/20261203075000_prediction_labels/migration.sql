-- Ground truth: labels (or true values) for logged predictions, by the caller's request id,
-- one value per row of the request; a later label for the same request replaces the earlier.
CREATE TABLE "PredictionLabel" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "values" DOUBLE PRECISION[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PredictionLabel_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "PredictionLabel_deploymentId_requestId_key" ON "PredictionLabel"("deploymentId", "requestId");
CREATE INDEX "PredictionLabel_teamId_idx" ON "PredictionLabel"("teamId");

ALTER TABLE "PredictionLabel" ADD CONSTRAINT "PredictionLabel_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "PredictionLabel" ADD CONSTRAINT "PredictionLabel_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Which outputs labels are scored against (a golden set's task); null: the model's newest golden set's.
ALTER TABLE "Deployment" ADD COLUMN "qualityTask" JSONB;
