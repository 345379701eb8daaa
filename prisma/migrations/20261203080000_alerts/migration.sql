-- Alerts: rules with a state and receivers, episodes, and webhook formats for Slack and PagerDuty.

CREATE TYPE "AlertRuleState" AS ENUM ('inactive', 'pending', 'firing');
CREATE TYPE "WebhookFormat" AS ENUM ('standard', 'slack', 'pagerduty');

-- Nothing wrote rules before this migration; a stray row gets a number by creation order.
ALTER TABLE "AlertRule" ADD COLUMN "number" INTEGER;
UPDATE "AlertRule" r SET "number" = n.rn
  FROM (SELECT id, row_number() OVER (PARTITION BY "teamId" ORDER BY "createdAt", id) AS rn FROM "AlertRule") n
  WHERE r.id = n.id;
ALTER TABLE "AlertRule" ALTER COLUMN "number" SET NOT NULL;
ALTER TABLE "AlertRule" DROP COLUMN "webhookUrl";
ALTER TABLE "AlertRule" ADD COLUMN "forMinutes" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "AlertRule" ADD COLUMN "receiverNumbers" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
ALTER TABLE "AlertRule" ADD COLUMN "state" "AlertRuleState" NOT NULL DEFAULT 'inactive';
ALTER TABLE "AlertRule" ADD COLUMN "stateSince" TIMESTAMP(3);
ALTER TABLE "AlertRule" ADD COLUMN "lastValue" DOUBLE PRECISION;
ALTER TABLE "AlertRule" ADD COLUMN "lastEvaluatedAt" TIMESTAMP(3);
ALTER TABLE "AlertRule" ADD COLUMN "createdBy" TEXT NOT NULL DEFAULT 'system';
ALTER TABLE "AlertRule" ADD COLUMN "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
CREATE UNIQUE INDEX "AlertRule_teamId_number_key" ON "AlertRule"("teamId", "number");

ALTER TABLE "AlertEvent" ADD COLUMN "number" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "AlertEvent" ADD COLUMN "firedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "AlertEvent" ADD COLUMN "resolvedValue" DOUBLE PRECISION;

ALTER TABLE "Webhook" ADD COLUMN "format" "WebhookFormat" NOT NULL DEFAULT 'standard';
ALTER TABLE "Webhook" ADD COLUMN "routingKeyCiphertext" TEXT;
