-- AlterTable
ALTER TABLE "DeploymentRevision" ADD COLUMN "previousRevisionId" TEXT;
