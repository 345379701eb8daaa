import { describe, expect, it } from "vitest";
import { outputFormatFor } from "@/server/domain/batch/batch-spec";
import { parquetPredictionColumns } from "@/server/domain/batch/parquet-columns";
import { predictionValues } from "@/server/domain/batch/prediction-columns";

describe("Parquet output columns", () => {
  const signature = {
    inputs: [{ name: "x", elementType: "float32" as const, shape: ["batch", 3] }],
    outputs: [
      { name: "label", elementType: "int64" as const, shape: ["batch"] },
      { name: "probability", elementType: "float32" as const, shape: ["batch", 2] },
      { name: "tag", elementType: "string" as const, shape: ["batch", 1] },
    ],
  };

  it("names the columns as CSV does, each of its output's type, nullable for refused rows", () => {
    const columns = parquetPredictionColumns(signature);
    expect(columns.map((column) => column.leaf)).toEqual([
      { name: "label", type: "INT64", repetition_type: "OPTIONAL" },
      { name: "probability_0", type: "FLOAT", repetition_type: "OPTIONAL" },
      { name: "probability_1", type: "FLOAT", repetition_type: "OPTIONAL" },
      { name: "tag", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ]);
    const row = predictionValues({ label: 1, probability: [0.25, 0.75], tag: "a" });
    expect(row).toEqual([1, 0.25, 0.75, "a"]);
    expect(columns.map((column, k) => column.fromJson(row[k]!))).toEqual([1n, 0.25, 0.75, "a"]);
    expect(columns.map((column) => column.fromJson(null))).toEqual([null, null, null, null]);
  });

  it("writes the input's format unless asked otherwise; Parquet only from Parquet", () => {
    expect(outputFormatFor("parquet", undefined)).toEqual({ ok: true, format: "parquet" });
    expect(outputFormatFor("jsonl", undefined)).toEqual({ ok: true, format: "jsonl" });
    expect(outputFormatFor("parquet", "csv")).toEqual({ ok: true, format: "csv" });
    expect(outputFormatFor("csv", "parquet")).toEqual({
      ok: false,
      reason: "Parquet output needs a Parquet input; this input is CSV",
    });
  });
});
