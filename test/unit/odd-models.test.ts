import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  FIXED_BATCH_WEIGHTS,
  boolInputModel,
  fixedBatchOneModel,
  int64InputModel,
  multiOutputModel,
  stringInputModel,
  twoInputModel,
} from "@/test/fixtures/odd-models";

const load = (bytes: Uint8Array) => ort.InferenceSession.create(bytes);
const signature = (metadata: readonly ort.InferenceSession.ValueMetadata[]) =>
  metadata.map((value) =>
    value.isTensor ? { name: value.name, type: value.type, shape: value.shape } : { name: value.name },
  );

describe("odd fixture models", () => {
  it("fixedBatchOneModel takes exactly one row", async () => {
    const session = await load(fixedBatchOneModel());
    expect(signature(session.inputMetadata)).toEqual([{ name: "x", type: "float32", shape: [1, 4] }]);
    expect(signature(session.outputMetadata)).toEqual([{ name: "y", type: "float32", shape: [1, 2] }]);
    const { y } = await session.run({ x: new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4), [1, 4]) });
    const expected = [0, 1].map((j) =>
      [1, 2, 3, 4].reduce((sum, x, i) => sum + x * (FIXED_BATCH_WEIGHTS[i * 2 + j] as number), 0),
    );
    expect(Array.from(y!.data as Float32Array)).toEqual(expected);
    await expect(
      session.run({ x: new ort.Tensor("float32", new Float32Array(8), [2, 4]) }),
    ).rejects.toThrow();
  });

  it("twoInputModel concatenates its inputs", async () => {
    const session = await load(twoInputModel());
    expect(signature(session.inputMetadata)).toEqual([
      { name: "a", type: "float32", shape: ["batch", 3] },
      { name: "b", type: "float32", shape: ["batch", 2] },
    ]);
    expect(signature(session.outputMetadata)).toEqual([
      { name: "joined", type: "float32", shape: ["batch", 5] },
    ]);
    const { joined } = await session.run({
      a: new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]),
      b: new ort.Tensor("float32", Float32Array.of(7, 8, 9, 10), [2, 2]),
    });
    expect(joined!.dims).toEqual([2, 5]);
    expect(Array.from(joined!.data as Float32Array)).toEqual([1, 2, 3, 7, 8, 4, 5, 6, 9, 10]);
  });

  it("int64InputModel sums int64 rows into float32", async () => {
    const session = await load(int64InputModel());
    expect(signature(session.inputMetadata)).toEqual([
      { name: "counts", type: "int64", shape: ["batch", 3] },
    ]);
    expect(signature(session.outputMetadata)).toEqual([{ name: "total", type: "float32", shape: ["batch"] }]);
    const { total } = await session.run({
      counts: new ort.Tensor("int64", BigInt64Array.of(1n, 2n, 3n, 10n, -20n, 30n), [2, 3]),
    });
    expect(Array.from(total!.data as Float32Array)).toEqual([6, 20]);
  });

  it("boolInputModel negates its flags", async () => {
    const session = await load(boolInputModel());
    expect(signature(session.inputMetadata)).toEqual([{ name: "flags", type: "bool", shape: ["batch", 2] }]);
    expect(signature(session.outputMetadata)).toEqual([
      { name: "inverted", type: "bool", shape: ["batch", 2] },
    ]);
    const { inverted } = await session.run({
      flags: new ort.Tensor("bool", Uint8Array.of(1, 0, 0, 0), [2, 2]),
    });
    expect(Array.from(inverted!.data as Uint8Array)).toEqual([0, 1, 1, 1]);
  });

  it("stringInputModel maps words to ids, unknown to -1", async () => {
    const session = await load(stringInputModel());
    expect(signature(session.inputMetadata)).toEqual([{ name: "word", type: "string", shape: ["batch"] }]);
    expect(signature(session.outputMetadata)).toEqual([{ name: "word_id", type: "int64", shape: ["batch"] }]);
    const { word_id } = await session.run({
      word: new ort.Tensor("string", ["dog", "fish", "cat", "bird"], [4]),
    });
    expect(Array.from(word_id!.data as BigInt64Array)).toEqual([1n, -1n, 0n, 2n]);
  });

  it("multiOutputModel returns a float32 and an int64 output", async () => {
    const session = await load(multiOutputModel());
    expect(signature(session.inputMetadata)).toEqual([{ name: "x", type: "float32", shape: ["batch", 3] }]);
    expect(signature(session.outputMetadata)).toEqual([
      { name: "total", type: "float32", shape: ["batch"] },
      { name: "argmax", type: "int64", shape: ["batch"] },
    ]);
    const { total, argmax } = await session.run({
      x: new ort.Tensor("float32", Float32Array.of(1, 5, 2, -1, -3, 0), [2, 3]),
    });
    expect(Array.from(total!.data as Float32Array)).toEqual([8, -4]);
    expect(Array.from(argmax!.data as BigInt64Array)).toEqual([1n, 2n]);
  });
});
