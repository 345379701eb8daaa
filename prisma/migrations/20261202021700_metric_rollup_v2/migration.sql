-- MetricRollup v2 (issue 8). The v1 table had no writer, so it is replaced rather than altered.
DROP TABLE "MetricRollup";

-- CreateEnum
CREATE TYPE "RollupGranularity" AS ENUM ('minute', 'fiveMinute', 'hour');

-- CreateEnum
CREATE TYPE "ServingRole" AS ENUM ('primary', 'shadow');

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN "targetCostMicrosPer1kCalls" BIGINT,
ADD COLUMN "revenueMicrosPer1kCalls" BIGINT;

-- CreateTable
CREATE TABLE "MetricRollup" (
    "deploymentId" TEXT NOT NULL,
    "granularity" "RollupGranularity" NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "role" "ServingRole" NOT NULL,
    "teamId" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "okRequests" INTEGER NOT NULL DEFAULT 0,
    "errorsBadInput" INTEGER NOT NULL DEFAULT 0,
    "errorsModelError" INTEGER NOT NULL DEFAULT 0,
    "errorsDeadline" INTEGER NOT NULL DEFAULT 0,
    "errorsOverload" INTEGER NOT NULL DEFAULT 0,
    "errorsUnavailable" INTEGER NOT NULL DEFAULT 0,
    "latencySumUs" BIGINT NOT NULL DEFAULT 0,
    "latencyBuckets" INTEGER[],
    "ranRequests" INTEGER NOT NULL DEFAULT 0,
    "rowsSum" BIGINT NOT NULL DEFAULT 0,
    "queueWaitSumUs" BIGINT NOT NULL DEFAULT 0,
    "queueWaitBuckets" INTEGER[],
    "computeSumUs" BIGINT NOT NULL DEFAULT 0,
    "computeBuckets" INTEGER[],
    "jobsFull" INTEGER NOT NULL DEFAULT 0,
    "jobsTimer" INTEGER NOT NULL DEFAULT 0,
    "jobsIdle" INTEGER NOT NULL DEFAULT 0,
    "runs" INTEGER NOT NULL DEFAULT 0,
    "runRowsSum" BIGINT NOT NULL DEFAULT 0,
    "busyComputeUs" BIGINT NOT NULL DEFAULT 0,
    "allocatedUs" BIGINT NOT NULL DEFAULT 0,
    "allocatedCostMicros" BIGINT NOT NULL DEFAULT 0,
    "busyCostMicros" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MetricRollup_pkey" PRIMARY KEY ("deploymentId", "granularity", "bucketStart", "modelVersionId", "role")
);

-- CreateIndex
CREATE INDEX "MetricRollup_modelVersionId_idx" ON "MetricRollup"("modelVersionId");

-- AddForeignKey
ALTER TABLE "MetricRollup" ADD CONSTRAINT "MetricRollup_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetricRollup" ADD CONSTRAINT "MetricRollup_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetricRollup" ADD CONSTRAINT "MetricRollup_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
