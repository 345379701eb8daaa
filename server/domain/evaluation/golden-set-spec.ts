import { z } from "zod";
import { ZWireTensor, type HeldTensor, type WireTensor } from "@/server/domain/inference/datatypes";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";

/**
 * What a golden set checks, and how its rows are scored (server/domain/evaluation/golden-set-scorer.ts):
 * - binary-classification: each row expects a label 0 or 1; the model's `probabilityOutput` gives
 *   the positive class's probability (one value, or two with the positive second), and its
 *   `labelOutput`, when named, the predicted label (else probability >= 0.5). Metrics: accuracy,
 *   roc_auc, log_loss.
 * - regression: each row expects a number; `output` gives one value per row. Metrics: mae, rmse.
 * - exact: each row expects whole output tensors (JSONL only). Metric: max_abs_diff.
 */
export const ZGoldenSetTask = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("binary-classification"),
    probabilityOutput: z.string().min(1),
    labelOutput: z.string().min(1).optional(),
  }),
  z.object({ kind: z.literal("regression"), output: z.string().min(1) }),
  z.object({ kind: z.literal("exact") }),
]);
export type GoldenSetTask = z.infer<typeof ZGoldenSetTask>;

export const GOLDEN_SET_FORMATS = ["csv", "jsonl", "parquet"] as const;
export const ZGoldenSetFormat = z.enum(GOLDEN_SET_FORMATS);
export type GoldenSetFormat = z.infer<typeof ZGoldenSetFormat>;

/**
 * How a CSV or Parquet golden set (a table) becomes the model's input: its feature columns, in the order of the
 * model's one 2-D input (categories as their index, booleans as 0/1, as the feature set linked
 * to the model declares them), and the column holding the expected label or value. Without a
 * feature set (`features` null) every other column is a number, in the file's order.
 */
export const ZCsvEncoding = z.object({
  labelColumn: z.string().min(1),
  features: ZFeatureList.nullable(),
});
export type CsvEncoding = z.infer<typeof ZCsvEncoding>;

/** A row's expectation, by task kind. */
export type GoldenExpected =
  | { kind: "label"; label: 0 | 1 }
  | { kind: "value"; value: number }
  | { kind: "outputs"; outputs: WireTensor[] };

/** One example: the model's inputs (one row) and what it should answer. */
export interface GoldenRow {
  /** Where it is in the file, for messages: "line 3" (CSV, JSONL) or "row 3" (Parquet). */
  where: string;
  inputs: HeldTensor[];
  expected: GoldenExpected;
}

/** The `expected` object of a JSONL line, by task kind. */
export const EXPECTED_SCHEMAS = {
  "binary-classification": z.object({ label: z.union([z.literal(0), z.literal(1)]) }).strict(),
  regression: z.object({ value: z.number().finite() }).strict(),
  exact: z.object({ outputs: z.array(ZWireTensor).min(1) }).strict(),
} as const satisfies Record<GoldenSetTask["kind"], z.ZodType>;

/** The largest golden set read whole into memory: a test set, not a training set. */
export const MAX_GOLDEN_SET_ROWS = 100_000;
