import type { Prisma } from "@/generated/prisma/client";
import { ZDriftSettings, type DriftSettings } from "@/server/domain/drift/drift-settings";
import { datasetDrift, featureDrift } from "@/server/domain/drift/feature-drift";
import { LiveWindow } from "@/server/domain/drift/live-window";
import { outputDrift } from "@/server/domain/drift/output-drift";
import { OutputWindow } from "@/server/domain/drift/output-window";
import { ZFeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import type { DriftReportBody, FeatureReport } from "@/server/services/drift/drift-report-body";
import { foldPredictionSamples } from "@/server/services/drift/fold-prediction-samples";
import { outputReferenceFor } from "@/server/services/drift/output-reference";

export interface DriftReportSummary {
  versionNumber: number;
  sampleCount: number;
  status: "ok" | "warning" | "drift";
}

/**
 * Judges one window of a deployment's logged traffic, per version that served in it: its inputs
 * against its linked feature set version's baseline (when it has one), its outputs against its
 * output reference on the deployment (output-reference.ts). Stores one DriftReport per version
 * and window (an upsert: recomputing a window replaces its report). The report's status is the
 * inputs' dataset verdict, or with no feature set linked the outputs'.
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
    where: { id: { in: served.map((row) => row.modelVersionId) } },
    select: {
      id: true,
      number: true,
      signature: true,
      featureSetVersion: { select: { id: true, features: true, baseline: true } },
    },
  });
  const summaries: DriftReportSummary[] = [];
  for (const version of versions) {
    const { featureSetVersion } = version;
    const inputs = featureSetVersion
      ? new LiveWindow(
          ZFeatureList.parse(featureSetVersion.features),
          ZSignature.parse(version.signature).inputs.map((input) => input.name),
        )
      : null;
    const outputs = new OutputWindow();
    const sampleCount = await foldPredictionSamples(
      { deploymentId, modelVersionId: version.id, createdAt: window },
      { inputs, outputs },
    );
    const pair = { teamId: deployment.teamId, deploymentId, modelVersionId: version.id };
    const reference = await outputReferenceFor(
      pair,
      { windowStartMs, windowEndMs, window: outputs },
      settings,
    );
    const outputReports = reference ? outputDrift(reference.outputs, outputs, settings) : [];
    const features =
      inputs && featureSetVersion
        ? judge(ZFeatureSetBaseline.parse(featureSetVersion.baseline).features, inputs, settings)
        : [];
    const dataset = datasetDrift(features, settings);
    const status = featureSetVersion ? dataset.status : datasetDrift(outputReports, settings).status;
    if (status === null) continue;
    const body: DriftReportBody = {
      rows: inputs?.rowCount ?? outputs.rowCount,
      unreadableSamples: inputs?.unreadableSampleCount ?? 0,
      dataset,
      features,
      outputs: outputReports,
      outputReference: reference?.window ?? null,
      unreadableOutputSamples: outputs.unreadableSampleCount,
    };
    const data = {
      teamId: deployment.teamId,
      featureSetVersionId: featureSetVersion?.id ?? null,
      windowEnd: new Date(windowEndMs),
      sampleCount,
      features: body as unknown as Prisma.InputJsonValue,
      status,
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
    summaries.push({ versionNumber: version.number, sampleCount, status });
  }
  return summaries;
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
