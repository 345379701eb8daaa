import type { ElementType, Signature } from "@/server/domain/signature";
import { predictionColumnNames } from "@/server/domain/batch/prediction-columns";

/** A Parquet schema leaf, as hyparquet reads and hyparquet-writer writes it. */
export interface ParquetLeaf {
  name: string;
  type: "BOOLEAN" | "INT32" | "INT64" | "FLOAT" | "DOUBLE" | "BYTE_ARRAY";
  converted_type?: "UTF8";
  /** A row the model could not score has nulls in its prediction columns. */
  repetition_type: "OPTIONAL";
}

export interface ParquetPredictionColumn {
  leaf: ParquetLeaf;
  /** JSON (a chunk's prediction lines) -> the value the column's type takes. */
  fromJson: (value: number | string | boolean | null) => number | bigint | string | boolean | null;
}

const PHYSICAL: Record<ElementType, ParquetLeaf["type"]> = {
  float16: "FLOAT",
  float32: "FLOAT",
  float64: "DOUBLE",
  int8: "INT32",
  int16: "INT32",
  int32: "INT32",
  uint8: "INT32",
  uint16: "INT32",
  uint32: "INT64",
  int64: "INT64",
  uint64: "INT64",
  bool: "BOOLEAN",
  string: "BYTE_ARRAY",
};

/**
 * The columns the predictions add to a Parquet output, named as in CSV (`name`, or `name_k` for
 * an output of [batch, k]), each of the type closest to its output's element type: float32 stays
 * FLOAT (its exact value), 64-bit integers are INT64, strings UTF8.
 */
export function parquetPredictionColumns(signature: Signature): ParquetPredictionColumn[] {
  const names = predictionColumnNames(signature);
  const types = signature.outputs.flatMap((output) => {
    const width = typeof output.shape[1] === "number" ? output.shape[1] : 1;
    return new Array<ElementType>(width).fill(output.elementType);
  });
  return names.map((name, k) => {
    const type = PHYSICAL[types[k]!];
    const leaf: ParquetLeaf = {
      name,
      type,
      repetition_type: "OPTIONAL",
      ...(type === "BYTE_ARRAY" ? { converted_type: "UTF8" as const } : {}),
    };
    const fromJson: ParquetPredictionColumn["fromJson"] =
      type === "INT64"
        ? (value) => (value === null ? null : BigInt(value as number))
        : type === "BYTE_ARRAY"
          ? (value) => (value === null ? null : String(value))
          : (value) => value;
    return { leaf, fromJson };
  });
}
