import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { decodeMomentCursor, nextMomentCursor } from "@/server/domain/moment-cursor";
import { withoutInternalIds } from "@/server/domain/audit/public-audit-data";
import { getDb } from "@/server/db";

const ZMoment = z.coerce.date({ error: "must be a date and time (ISO 8601, e.g. 2026-12-01T12:00:00Z)" });

export const ZAuditFilters = z.object({
  /** Exact action, e.g. "deployment.promote". */
  action: z.string().min(1).optional(),
  targetType: z.string().min(1).optional(),
  /** Who acted, as recorded: "user:<id>", "apikey:<id>", "local" or "system". */
  actor: z.string().min(1).optional(),
  from: ZMoment.optional(),
  to: ZMoment.optional(),
});
export type AuditFilters = z.output<typeof ZAuditFilters>;

export const ZListAuditEventsInput = ZAuditFilters.extend({
  /** nextCursor of the page before; absent for the newest page. */
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const ZAuditEventOutput = z.object({
  at: z.date(),
  actor: z.string(),
  action: z.string(),
  /** The changed object by type and name (a version as "<model> v<n>"); "(deleted)" when gone. */
  target: z.object({ type: z.string(), name: z.string() }),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEventOutput = z.output<typeof ZAuditEventOutput>;

export const ZListAuditEventsOutput = z.object({
  /** Newest first. */
  events: z.array(ZAuditEventOutput),
  nextCursor: z.string().nullable(),
});

/** A team's audit log, newest first, filtered, a page at a time (server/domain/moment-cursor.ts). */
export async function listAuditEvents({
  teamId,
  cursor,
  limit,
  ...filters
}: z.output<typeof ZListAuditEventsInput> & { teamId: string }): Promise<
  z.output<typeof ZListAuditEventsOutput>
> {
  const position = cursor === undefined ? null : decodeMomentCursor(cursor);
  const createdAt: Prisma.DateTimeFilter = {
    ...(filters.from && { gte: filters.from }),
    ...(filters.to && { lte: filters.to }),
  };
  // Pages follow one another under the same filters, so the cursor's moment is within `to`.
  if (position) createdAt.lte = position.at;
  const rows = await getDb().auditEvent.findMany({
    where: {
      teamId,
      ...(filters.action && { action: filters.action }),
      ...(filters.targetType && { targetType: filters.targetType }),
      ...(filters.actor && { actor: filters.actor }),
      createdAt,
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: position?.seenAtMoment ?? 0,
    take: limit + 1,
    select: { createdAt: true, actor: true, action: true, targetType: true, targetId: true, data: true },
  });
  const page = rows.slice(0, limit);
  const names = await targetNames(teamId, page);
  const events = page.map((row) => {
    const data = row.data as { before?: unknown; after?: unknown };
    return {
      at: row.createdAt,
      actor: row.actor,
      action: row.action,
      target: { type: row.targetType, name: names.get(row.targetId) ?? "(deleted)" },
      before: withoutInternalIds(data.before ?? null),
      after: withoutInternalIds(data.after ?? null),
    };
  });
  return { events, nextCursor: rows.length > limit ? nextMomentCursor(page, position) : null };
}

/** Names of the events' targets by id, read per type in one query each. */
async function targetNames(
  teamId: string,
  rows: { targetType: string; targetId: string }[],
): Promise<Map<string, string>> {
  const idsOf = (type: string) => [
    ...new Set(rows.filter((row) => row.targetType === type).map((row) => row.targetId)),
  ];
  const db = getDb();
  const where = (type: string) => ({ teamId, id: { in: idsOf(type) } });
  const [
    models,
    versions,
    featureSets,
    featureSetVersions,
    deployments,
    goldenSets,
    evaluations,
    webhooks,
    apiKeys,
  ] = await Promise.all([
    db.model.findMany({ where: where("model"), select: { id: true, name: true } }),
    db.modelVersion.findMany({
      where: where("modelVersion"),
      select: { id: true, number: true, model: { select: { name: true } } },
    }),
    db.featureSet.findMany({ where: where("featureSet"), select: { id: true, name: true } }),
    db.featureSetVersion.findMany({
      where: where("featureSetVersion"),
      select: { id: true, number: true, featureSet: { select: { name: true } } },
    }),
    db.deployment.findMany({ where: where("deployment"), select: { id: true, name: true } }),
    db.goldenSet.findMany({
      where: where("goldenSet"),
      select: { id: true, name: true, model: { select: { name: true } } },
    }),
    db.evaluation.findMany({
      where: where("evaluation"),
      select: { id: true, number: true, model: { select: { name: true } } },
    }),
    db.webhook.findMany({ where: where("webhook"), select: { id: true, number: true } }),
    db.apiKey.findMany({ where: where("apiKey"), select: { id: true, name: true, prefix: true } }),
  ]);
  return new Map([
    ...models.map((row) => [row.id, row.name] as const),
    ...versions.map((row) => [row.id, `${row.model.name} v${row.number}`] as const),
    ...featureSets.map((row) => [row.id, row.name] as const),
    ...featureSetVersions.map((row) => [row.id, `${row.featureSet.name} v${row.number}`] as const),
    ...deployments.map((row) => [row.id, row.name] as const),
    ...goldenSets.map((row) => [row.id, `${row.model.name} golden set ${row.name}`] as const),
    ...evaluations.map((row) => [row.id, `${row.model.name} evaluation ${row.number}`] as const),
    ...webhooks.map((row) => [row.id, `webhook #${row.number}`] as const),
    ...apiKeys.map((row) => [row.id, `API key ${row.name} (${row.prefix})`] as const),
  ]);
}
