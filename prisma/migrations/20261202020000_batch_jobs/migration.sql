-- Batch scoring jobs: BatchJob existed unused since init; it gains what the chunked flows need.

-- CreateEnum
CREATE TYPE "BatchInputFormat" AS ENUM ('csv', 'jsonl', 'parquet');

-- CreateEnum
CREATE TYPE "BatchOutputFormat" AS ENUM ('csv', 'jsonl');

-- CreateEnum
CREATE TYPE "BatchChunkStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- AlterTable
ALTER TABLE "BatchJob" ADD COLUMN "inputFormat" "BatchInputFormat" NOT NULL DEFAULT 'csv',
ADD COLUMN "inputSha256" TEXT NOT NULL DEFAULT '',
ADD COLUMN "inputFileName" TEXT NOT NULL DEFAULT '',
ADD COLUMN "inputSizeBytes" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "columns" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "mapping" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN "outputFormat" "BatchOutputFormat" NOT NULL DEFAULT 'csv',
ADD COLUMN "chunkRows" INTEGER NOT NULL DEFAULT 10000,
ADD COLUMN "batchRows" INTEGER NOT NULL DEFAULT 1024,
ADD COLUMN "maxErrorShare" DOUBLE PRECISION NOT NULL DEFAULT 0.01,
ADD COLUMN "round" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN "sourceJobId" TEXT,
ADD COLUMN "error" TEXT,
ADD COLUMN "errorsKey" TEXT,
ADD COLUMN "comparison" JSONB,
ADD COLUMN "createdBy" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "BatchJobChunk" (
    "id" TEXT NOT NULL,
    "batchJobId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "status" "BatchChunkStatus" NOT NULL DEFAULT 'queued',
    "rowStart" INTEGER NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "byteStart" BIGINT,
    "byteEnd" BIGINT,
    "firstLine" INTEGER NOT NULL,
    "processedRows" INTEGER NOT NULL DEFAULT 0,
    "failedRows" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "hostName" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "BatchJobChunk_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BatchJobChunk_batchJobId_index_key" ON "BatchJobChunk"("batchJobId", "index");

-- CreateIndex
CREATE INDEX "BatchJob_teamId_status_idx" ON "BatchJob"("teamId", "status");

-- AddForeignKey
ALTER TABLE "BatchJobChunk" ADD CONSTRAINT "BatchJobChunk_batchJobId_fkey" FOREIGN KEY ("batchJobId") REFERENCES "BatchJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BatchJob" ADD CONSTRAINT "BatchJob_sourceJobId_fkey" FOREIGN KEY ("sourceJobId") REFERENCES "BatchJob"("id") ON DELETE SET NULL ON UPDATE CASCADE;
