import { z } from "zod";
import { NON_FINITE_FLOATS, ZV2Datatype, type V2Datatype } from "@/server/domain/inference/datatypes";

/**
 * A logged output tensor. Like a wire tensor (server/domain/inference/datatypes.ts), whose float
 * outputs carry NaN and infinities as "NaN", "Infinity" and "-Infinity" (read by Number: a NaN is
 * a missing value), except that a float output may hold nulls: samples logged before those
 * strings have a null for each, which drift counts as missing rather than losing the sample.
 */
export const ZLoggedOutput = z.object({
  name: z.string(),
  datatype: ZV2Datatype,
  shape: z.array(z.number().int().nonnegative()),
  data: z.union([
    z.array(z.number().nullable()),
    z.array(z.string()),
    z.array(z.boolean()),
    z.array(z.union([z.number(), z.enum(NON_FINITE_FLOATS)]).nullable()),
  ]),
});
export type LoggedOutput = z.infer<typeof ZLoggedOutput>;
export const ZLoggedOutputs = ZLoggedOutput.array();

/** Output columns judged per version at most: each keeps a reservoir of live values. */
export const MAX_OUTPUT_COLUMNS = 32;

/** One column of a model's outputs, its values in row order (null: missing). */
export interface OutputColumn {
  name: string;
  kind: "numeric" | "categorical";
  values: (number | string | null)[];
}

const FLOAT_DATATYPES: ReadonlySet<V2Datatype> = new Set(["FP16", "FP32", "FP64"]);

/**
 * The columns of one request's outputs: a tensor of rank 1, or whose last dimension is 1, is one
 * column under its own name; a wider one is a column per position of its last dimension, named
 * `name[j]` (probabilities [N, 2]: probabilities[0], probabilities[1]). Float outputs are numeric;
 * integer, bool and string outputs are labels, categorical, each value its text. null when a
 * tensor's data does not fill its columns evenly.
 */
export function outputColumnsOf(outputs: readonly LoggedOutput[]): OutputColumn[] | null {
  const columns: OutputColumn[] = [];
  for (const output of outputs) {
    const { shape, data } = output;
    const width = shape.length <= 1 ? 1 : shape[shape.length - 1]!;
    if (width === 0) continue;
    if (data.length % width !== 0) return null;
    const kind = FLOAT_DATATYPES.has(output.datatype) ? "numeric" : "categorical";
    const rows = data.length / width;
    for (let j = 0; j < width; j++) {
      const values = new Array<number | string | null>(rows);
      for (let r = 0; r < rows; r++) {
        const value = data[r * width + j]!;
        values[r] = value === null ? null : kind === "numeric" ? Number(value) : String(value);
      }
      columns.push({ name: width === 1 ? output.name : `${output.name}[${j}]`, kind, values });
    }
  }
  return columns;
}
