-- CreateEnum
CREATE TYPE "GoldenSetFormat" AS ENUM ('csv', 'jsonl', 'parquet');

-- CreateEnum
CREATE TYPE "EvaluationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN "gateRequired" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "gateGoldenSetId" TEXT,
ADD COLUMN "gateMargin" DOUBLE PRECISION NOT NULL DEFAULT 0.01;

-- CreateTable
CREATE TABLE "GoldenSet" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "format" "GoldenSetFormat" NOT NULL,
    "task" JSONB NOT NULL,
    "csvEncoding" JSONB,
    "rowCount" INTEGER NOT NULL,
    "artifactSha256" TEXT NOT NULL,
    "artifactSizeBytes" INTEGER NOT NULL,
    "storageKey" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GoldenSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Evaluation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "goldenSetId" TEXT NOT NULL,
    "status" "EvaluationStatus" NOT NULL DEFAULT 'queued',
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "hostName" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GoldenSet_teamId_idx" ON "GoldenSet"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "GoldenSet_modelId_name_key" ON "GoldenSet"("modelId", "name");

-- CreateIndex
CREATE INDEX "Evaluation_modelVersionId_goldenSetId_createdAt_idx" ON "Evaluation"("modelVersionId", "goldenSetId", "createdAt");

-- CreateIndex
CREATE INDEX "Evaluation_teamId_idx" ON "Evaluation"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "Evaluation_modelId_number_key" ON "Evaluation"("modelId", "number");

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_gateGoldenSetId_fkey" FOREIGN KEY ("gateGoldenSetId") REFERENCES "GoldenSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GoldenSet" ADD CONSTRAINT "GoldenSet_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GoldenSet" ADD CONSTRAINT "GoldenSet_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_goldenSetId_fkey" FOREIGN KEY ("goldenSetId") REFERENCES "GoldenSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
