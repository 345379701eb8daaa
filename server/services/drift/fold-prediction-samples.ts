import type { Prisma } from "@/generated/prisma/client";
import type { LiveWindow } from "@/server/domain/drift/live-window";
import { ZLoggedOutputs } from "@/server/domain/drift/output-columns";
import type { OutputWindow } from "@/server/domain/drift/output-window";
import { ZWireTensor } from "@/server/domain/inference/datatypes";
import { getDb } from "@/server/db";

/** Samples read per query while a window is folded. */
const PAGE_ROWS = 2_000;
const ZInputs = ZWireTensor.array();

/**
 * Reads the logged samples `where` selects, a page of PAGE_ROWS at a time, into `inputs` (when
 * given) and `outputs`, so memory stays bounded however many the window holds. Returns how many
 * samples there were.
 */
export async function foldPredictionSamples(
  where: Prisma.PredictionSampleWhereInput,
  { inputs, outputs }: { inputs: LiveWindow | null; outputs: OutputWindow },
): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  for (;;) {
    const page = await getDb().predictionSample.findMany({
      where,
      select: { id: true, inputs: inputs !== null, outputs: true },
      orderBy: { id: "asc" },
      take: PAGE_ROWS,
      ...(cursor && { cursor: { id: cursor }, skip: 1 }),
    });
    for (const sample of page) {
      if (inputs) {
        const parsed = ZInputs.safeParse(sample.inputs);
        if (parsed.success) inputs.addSample(parsed.data);
        else inputs.unreadableSampleCount++;
      }
      const parsed = ZLoggedOutputs.safeParse(sample.outputs);
      if (parsed.success) outputs.addSample(parsed.data);
      else outputs.unreadableSampleCount++;
    }
    count += page.length;
    if (page.length < PAGE_ROWS) return count;
    cursor = page.at(-1)!.id;
  }
}
