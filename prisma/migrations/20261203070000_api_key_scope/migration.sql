-- API keys record who made them, may be limited to some deployments and to a request rate.
-- Keys made before this migration have no known creator: 'unknown' rather than a made-up actor.
ALTER TABLE "ApiKey" ADD COLUMN "createdBy" TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE "ApiKey" ALTER COLUMN "createdBy" DROP DEFAULT;
ALTER TABLE "ApiKey" ADD COLUMN "deploymentNames" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "ApiKey" ADD COLUMN "requestsPerMinute" INTEGER;
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_requestsPerMinute_positive" CHECK ("requestsPerMinute" IS NULL OR "requestsPerMinute" > 0);
