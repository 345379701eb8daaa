import type { Prisma } from "@/generated/prisma/client";
import type { DriftSettings } from "@/server/domain/drift/drift-settings";
import { canBeOutputReference } from "@/server/domain/drift/output-drift";
import type { OutputWindow } from "@/server/domain/drift/output-window";
import { ZFeatureBaseline, type FeatureBaseline } from "@/server/domain/feature-set/baseline";
import { getDb } from "@/server/db";
import type { z } from "zod";
import type { ZOutputReferenceWindow } from "@/server/services/drift/drift-report-body";

export interface OutputReference {
  window: z.infer<typeof ZOutputReferenceWindow>;
  /** One baseline per output column. */
  outputs: FeatureBaseline[];
}

const ZOutputBaselines = ZFeatureBaseline.array();

interface Pair {
  teamId: string;
  deploymentId: string;
  modelVersionId: string;
}

/**
 * A version's output reference on a deployment. Without one yet, the window being judged becomes
 * it when it can (canBeOutputReference): the first window with enough logged outputs. The monitor
 * judges the open window on every tick, so from it that is the part up to the first tick that
 * found enough rows, and the rest of that window is judged against its own beginning. The insert
 * does nothing when another process (the monitor and an explicit recompute) got there first, and
 * whichever reference won is read back, so both judge by the same one.
 */
export async function outputReferenceFor(
  pair: Pair,
  candidate: { windowStartMs: number; windowEndMs: number; window: OutputWindow },
  settings: DriftSettings,
): Promise<OutputReference | null> {
  const db = getDb();
  const where = {
    deploymentId_modelVersionId: { deploymentId: pair.deploymentId, modelVersionId: pair.modelVersionId },
  };
  const stored = await db.outputReference.findUnique({ where });
  if (stored) return parsed(stored);
  if (!canBeOutputReference(candidate.window, settings)) return null;
  await db.outputReference.createMany({ data: [rowOf(pair, candidate)], skipDuplicates: true });
  return parsed(await db.outputReference.findUniqueOrThrow({ where }));
}

/** The row that makes `window` the pair's output reference. */
export function rowOf(
  pair: Pair,
  {
    windowStartMs,
    windowEndMs,
    window,
  }: { windowStartMs: number; windowEndMs: number; window: OutputWindow },
) {
  return {
    ...pair,
    windowStart: new Date(windowStartMs),
    windowEnd: new Date(windowEndMs),
    rowCount: window.rowCount,
    outputs: window.reference() as unknown as Prisma.InputJsonValue,
  };
}

function parsed(row: {
  windowStart: Date;
  windowEnd: Date;
  rowCount: number;
  outputs: unknown;
}): OutputReference {
  return {
    window: {
      windowStartMs: row.windowStart.getTime(),
      windowEndMs: row.windowEnd.getTime(),
      rowCount: row.rowCount,
    },
    outputs: ZOutputBaselines.parse(row.outputs),
  };
}
