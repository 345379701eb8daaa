import { z } from "zod";
import {
  ZGoldenSetFormat,
  ZGoldenSetTask,
  type GoldenSetFormat,
} from "@/server/domain/evaluation/golden-set-spec";

/** A golden set as the API shows it: names and numbers, no internal ids. */
export const ZGoldenSetOutput = z.object({
  name: z.string(),
  format: ZGoldenSetFormat,
  task: ZGoldenSetTask,
  labelColumn: z.string().nullable(),
  rowCount: z.number().int(),
  artifactSha256: z.string(),
  artifactSizeBytes: z.number().int(),
  createdBy: z.string(),
  createdAt: z.date(),
});
export type GoldenSetOutput = z.infer<typeof ZGoldenSetOutput>;

export const GOLDEN_SET_OUTPUT_SELECT = {
  name: true,
  format: true,
  task: true,
  csvEncoding: true,
  rowCount: true,
  artifactSha256: true,
  artifactSizeBytes: true,
  createdBy: true,
  createdAt: true,
} as const;

export function goldenSetOutputOf(row: {
  name: string;
  format: GoldenSetFormat;
  task: unknown;
  csvEncoding: unknown;
  rowCount: number;
  artifactSha256: string;
  artifactSizeBytes: number;
  createdBy: string;
  createdAt: Date;
}): GoldenSetOutput {
  const { csvEncoding, task, ...rest } = row;
  const labelColumn = (csvEncoding as { labelColumn?: string } | null)?.labelColumn ?? null;
  return { ...rest, task: ZGoldenSetTask.parse(task), labelColumn };
}
