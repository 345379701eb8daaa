import type { Prisma } from "@/generated/prisma/client";
import { ZDriftSettings, type DriftSettings } from "@/server/domain/drift/drift-settings";
import { datasetDrift, featureDrift } from "@/server/domain/drift/feature-drift";
import { LiveWindow } from "@/server/domain/drift/live-window";
import { ZFeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { ZWireTensor } from "@/server/domain/inference/datatypes";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import type { DriftReportBody, FeatureReport } from "@/server/services/drift/drift-report-body";

/** Samples read per query while a window is folded. */
const PAGE_ROWS = 2_000;
const ZInputs = ZWireTensor.array();

export interface DriftReportSummary {
  versionNumber: number;
  sampleCount: number;
  status: "ok" | "warning" | "drift";
}

/**
 * Judges one window of a deployment's logged traffic, per version that served in it and has a
 * linked feature set, against that feature set version's baseline, and stores one DriftReport
 * per version and window (an upsert: recomputing a window replaces its report). Samples are read
 * a page at a time into a LiveWindow, so memory stays bounded however many the window holds.
 */
export async function computeDriftReport({
  deploymentId,
  windowStartMs,
  windowEndMs,
}: {
  deploymentId: string;
  windowStartMs: number;
  windowEndMs: number;
}): Promise<DriftReportSummary[]> {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { id: deploymentId },
    select: { id: true, teamId: true, driftSettings: true },
  });
  if (!deployment) return [];
  const settings = ZDriftSettings.parse(deployment.driftSettings);
  const window = { gte: new Date(windowStartMs), lt: new Date(windowEndMs) };
  const served = await db.predictionSample.groupBy({
    by: ["modelVersionId"],
    where: { deploymentId, createdAt: window },
  });
  const versions = await db.modelVersion.findMany({
    where: { id: { in: served.map((row) => row.modelVersionId) }, featureSetVersionId: { not: null } },
    select: {
      id: true,
      number: true,
      signature: true,
      featureSetVersion: { select: { id: true, features: true, baseline: true } },
    },
  });
  const summaries: DriftReportSummary[] = [];
  for (const version of versions) {
    const featureSetVersion = version.featureSetVersion!;
    const features = ZFeatureList.parse(featureSetVersion.features);
    const baseline = ZFeatureSetBaseline.parse(featureSetVersion.baseline);
    const inputOrder = ZSignature.parse(version.signature).inputs.map((input) => input.name);
    const live = new LiveWindow(features, inputOrder);
    const sampleCount = await foldSamples(live, {
      deploymentId,
      modelVersionId: version.id,
      createdAt: window,
    });
    const reports = judge(baseline.features, live, settings);
    const dataset = datasetDrift(reports, settings);
    if (dataset.status === null) continue;
    const body: DriftReportBody = {
      rows: live.rowCount,
      unreadableSamples: live.unreadableSampleCount,
      dataset,
      features: reports,
    };
    const data = {
      teamId: deployment.teamId,
      featureSetVersionId: featureSetVersion.id,
      windowEnd: new Date(windowEndMs),
      sampleCount,
      features: body as unknown as Prisma.InputJsonValue,
      status: dataset.status,
    };
    await db.driftReport.upsert({
      where: {
        deploymentId_modelVersionId_windowStart: {
          deploymentId,
          modelVersionId: version.id,
          windowStart: new Date(windowStartMs),
        },
      },
      create: { ...data, deploymentId, modelVersionId: version.id, windowStart: new Date(windowStartMs) },
      update: data,
    });
    summaries.push({ versionNumber: version.number, sampleCount, status: dataset.status });
  }
  return summaries;
}

/** Reads the window's samples in pages of PAGE_ROWS into `live`; returns how many there were. */
async function foldSamples(live: LiveWindow, where: Prisma.PredictionSampleWhereInput): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  for (;;) {
    const page = await getDb().predictionSample.findMany({
      where,
      select: { id: true, inputs: true },
      orderBy: { id: "asc" },
      take: PAGE_ROWS,
      ...(cursor && { cursor: { id: cursor }, skip: 1 }),
    });
    for (const sample of page) {
      const inputs = ZInputs.safeParse(sample.inputs);
      if (inputs.success) live.addSample(inputs.data);
      else live.unreadableSampleCount++;
    }
    count += page.length;
    if (page.length < PAGE_ROWS) return count;
    cursor = page.at(-1)!.id;
  }
}

function judge(
  baselines: ReturnType<typeof ZFeatureSetBaseline.parse>["features"],
  live: LiveWindow,
  settings: DriftSettings,
): FeatureReport[] {
  const values = live.liveValues();
  const quality = live.quality();
  return baselines.map((baseline, index) => {
    const { name: _, ...featureQuality } = quality[index]!;
    return { ...featureDrift(baseline, values[index]!, settings), quality: featureQuality };
  });
}
