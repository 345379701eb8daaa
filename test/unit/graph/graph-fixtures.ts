import type { WireTensor } from "@/server/domain/inference/datatypes";
import type { RunVersion } from "@/server/domain/graph/execute-graph";
import type { Signature } from "@/server/domain/signature";

const rows = (tensor: WireTensor, width: number) =>
  Array.from({ length: tensor.shape[0]! }, (_, r) =>
    (tensor.data as number[]).slice(r * width, (r + 1) * width),
  );

/** Small versions as plain functions over arrays, with the signatures they declare. */
const VERSIONS: Record<string, { signature: Signature; run: (x: number[][]) => WireTensor[] }> = {
  // x * 2, same shape: a preprocessing model.
  double: {
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 2] }],
      outputs: [{ name: "y", elementType: "float32", shape: ["batch", 2] }],
    },
    run: (x) => [{ name: "y", datatype: "FP32", shape: [x.length, 2], data: x.flat().map((v) => v * 2) }],
  },
  // score = x0: the cheap model.
  first: {
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 2] }],
      outputs: [{ name: "score", elementType: "float32", shape: [-1, 1] }],
    },
    run: (x) => [{ name: "score", datatype: "FP32", shape: [x.length, 1], data: x.map((row) => row[0]!) }],
  },
  // score = x1: the expensive model.
  second: {
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 2] }],
      outputs: [{ name: "score", elementType: "float32", shape: ["batch", 1] }],
    },
    run: (x) => [{ name: "score", datatype: "FP32", shape: [x.length, 1], data: x.map((row) => row[1]!) }],
  },
  // label = 1 when x0 > x1.
  vote: {
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 2] }],
      outputs: [{ name: "label", elementType: "int64", shape: ["batch"] }],
    },
    run: (x) => [
      {
        name: "label",
        datatype: "INT64",
        shape: [x.length],
        data: x.map((row) => Number(row[0]! > row[1]!)),
      },
    ],
  },
  // Takes three columns: does not fit after the others.
  wide: {
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 3] }],
      outputs: [{ name: "score", elementType: "float32", shape: ["batch", 1] }],
    },
    run: (x) => [{ name: "score", datatype: "FP32", shape: [x.length, 1], data: x.map(() => 0) }],
  },
};

export const SIGNATURES: ReadonlyMap<string, Signature> = new Map(
  Object.entries(VERSIONS).map(([id, version]) => [id, version.signature]),
);

/** A run function over the versions above that records each call's version and batch size. */
export function fakeRun(): { run: RunVersion; calls: { versionId: string; records: number }[] } {
  const calls: { versionId: string; records: number }[] = [];
  const run: RunVersion = async (versionId, inputs) => {
    const [x] = inputs;
    calls.push({ versionId, records: x!.shape[0]! });
    return VERSIONS[versionId]!.run(rows(x!, x!.shape[1]!));
  };
  return { run, calls };
}

export const request = (x: number[][]): WireTensor[] => [
  { name: "x", datatype: "FP32", shape: [x.length, 2], data: x.flat() },
];
