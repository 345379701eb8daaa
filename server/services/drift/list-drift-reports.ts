import { z } from "zod";
import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { ZDriftReportBody } from "@/server/services/drift/drift-report-body";

export const ZListDriftReportsInput = z.object({
  name: z.string().min(1),
  /** Reports at most, the newest windows first. */
  limit: z.number().int().min(1).max(500).default(24),
});

export const ZDriftReportOutput = ZDriftReportBody.extend({
  versionNumber: z.number().int(),
  /** The feature set version the inputs were judged against; null for an output-only report. */
  featureSet: z.object({ name: z.string(), version: z.number().int() }).nullable(),
  windowStart: z.date(),
  windowEnd: z.date(),
  /** Logged requests in the window (each may hold several rows). */
  sampleCount: z.number().int(),
  status: z.enum(["ok", "warning", "drift"]),
});

export type DriftReportOutput = z.output<typeof ZDriftReportOutput>;

export const ZListDriftReportsOutput = z.object({
  settings: ZDriftSettings,
  /** Newest window first; per window, versions by number. */
  reports: z.array(ZDriftReportOutput),
});

/** A deployment's drift reports, the newest windows first, with the settings that judge them. */
export async function listDriftReports({
  teamId,
  name,
  limit,
}: z.output<typeof ZListDriftReportsInput> & { teamId: string }): Promise<
  z.output<typeof ZListDriftReportsOutput>
> {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const rows = await getDb().driftReport.findMany({
    where: { deploymentId: deployment.id },
    orderBy: [{ windowStart: "desc" }, { modelVersion: { number: "asc" } }],
    take: limit,
    select: {
      windowStart: true,
      windowEnd: true,
      sampleCount: true,
      status: true,
      features: true,
      modelVersion: { select: { number: true } },
      featureSetVersion: { select: { number: true, featureSet: { select: { name: true } } } },
    },
  });
  return {
    settings: ZDriftSettings.parse(deployment.driftSettings),
    reports: rows.map((row) => ({
      ...ZDriftReportBody.parse(row.features),
      versionNumber: row.modelVersion.number,
      featureSet: row.featureSetVersion && {
        name: row.featureSetVersion.featureSet.name,
        version: row.featureSetVersion.number,
      },
      windowStart: row.windowStart,
      windowEnd: row.windowEnd,
      sampleCount: row.sampleCount,
      status: row.status,
    })),
  };
}
