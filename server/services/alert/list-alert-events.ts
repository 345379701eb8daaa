import { z } from "zod";
import { getDb } from "@/server/db";

export const ZListAlertEventsInput = z
  .object({
    ruleNumber: z.number().int().positive().optional(),
    status: z.enum(["firing", "resolved"], { error: "the status must be firing or resolved" }).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });

export const ZAlertEpisodeOutput = z.object({
  ruleNumber: z.number().int(),
  ruleName: z.string(),
  deploymentName: z.string().nullable(),
  number: z.number().int(),
  status: z.enum(["firing", "resolved"]),
  /** The value when it fired, and when it resolved (null: no data then). */
  value: z.number(),
  resolvedValue: z.number().nullable(),
  message: z.string(),
  startedAt: z.date(),
  firedAt: z.date(),
  resolvedAt: z.date().nullable(),
});
export const ZListAlertEventsOutput = z.array(ZAlertEpisodeOutput);

/** The team's alert episodes, newest first: the history the alerts page shows. */
export async function listAlertEvents({
  teamId,
  ruleNumber,
  status,
  limit,
}: z.output<typeof ZListAlertEventsInput> & { teamId: string }) {
  const rows = await getDb().alertEvent.findMany({
    where: { teamId, ...(status && { status }), ...(ruleNumber && { rule: { number: ruleNumber } }) },
    orderBy: [{ firedAt: "desc" }, { number: "desc" }],
    take: limit,
    select: {
      number: true,
      status: true,
      value: true,
      resolvedValue: true,
      message: true,
      startedAt: true,
      firedAt: true,
      resolvedAt: true,
      rule: { select: { number: true, name: true, deployment: { select: { name: true } } } },
    },
  });
  return rows.map(({ rule, ...episode }) => ({
    ...episode,
    ruleNumber: rule.number,
    ruleName: rule.name,
    deploymentName: rule.deployment?.name ?? null,
  }));
}
