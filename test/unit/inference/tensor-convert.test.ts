import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { floatToHalfBits, halfBitsToFloat } from "@/server/domain/inference/float16";
import { OnnxGraphBuilder, type ElementType } from "@/server/onnx/onnx-builder";
import {
  fromOrtTensor,
  ortToWire,
  packWireTensor,
  transferablesOf,
  unpackToWire,
  wireToOrt,
} from "@/workers/runtime/tensor-convert";

const wire = (
  datatype: WireTensor["datatype"],
  data: WireTensor["data"],
  shape = [data.length],
): WireTensor => ({ name: "t", datatype, shape, data });

describe("WireTensor <-> onnxruntime tensors", () => {
  it.each([
    ["FP32", "float32", Float32Array, [1.5, -2, 0]],
    ["FP64", "float64", Float64Array, [0.1, -1e300, 3]],
    ["INT8", "int8", Int8Array, [-128, 0, 127]],
    ["INT16", "int16", Int16Array, [-32768, 1, 32767]],
    ["INT32", "int32", Int32Array, [-2147483648, 7, 2147483647]],
    ["UINT8", "uint8", Uint8Array, [0, 1, 255]],
    ["UINT16", "uint16", Uint16Array, [0, 2, 65535]],
    ["UINT32", "uint32", Uint32Array, [0, 3, 4294967295]],
    ["INT64", "int64", BigInt64Array, [-(2 ** 53 - 1), -1, 2 ** 53 - 1]],
    ["UINT64", "uint64", BigUint64Array, [0, 1, 2 ** 53 - 1]],
    ["FP16", "float16", Uint16Array, [1, -2.5, 65504]],
  ] as const)("%s becomes an ort %s tensor over a %s and back", (datatype, type, arrayType, values) => {
    const tensor = wireToOrt(wire(datatype, [...values], [1, 3]));
    expect(tensor.type).toBe(type);
    expect(tensor.dims).toEqual([1, 3]);
    expect(tensor.data).toBeInstanceOf(arrayType);
    expect(ortToWire("t", tensor)).toEqual({ name: "t", datatype, shape: [1, 3], data: values });
  });

  it.each([
    ["FP16", Uint16Array],
    ["FP32", Float32Array],
    ["FP64", Float64Array],
  ] as const)(
    '%s NaN and infinities travel as "NaN", "Infinity" and "-Infinity", both ways',
    (datatype, arrayType) => {
      const sent: WireTensor["data"] = ["NaN", "Infinity", "-Infinity", 1];
      const tensor = wireToOrt(wire(datatype, sent));
      expect(tensor.data).toBeInstanceOf(arrayType);
      const numbers =
        datatype === "FP16"
          ? Array.from(tensor.data as Uint16Array, halfBitsToFloat)
          : Array.from(tensor.data as Float32Array);
      expect(numbers).toEqual([Number.NaN, Infinity, -Infinity, 1]);
      expect(ortToWire("t", tensor).data).toEqual(sent);
      expect(() => packWireTensor(wire(datatype, ["nan"]))).toThrow(
        `input 't' (${datatype}): value "nan" at index 0 is not a number`,
      );
    },
  );

  it("empty tensors (a zero-sized dimension) pack and come back empty", () => {
    const tensor = wireToOrt(wire("FP32", [], [0, 3]));
    expect(tensor.dims).toEqual([0, 3]);
    expect(ortToWire("t", tensor)).toEqual({ name: "t", datatype: "FP32", shape: [0, 3], data: [] });
  });

  it("BOOL takes booleans or 0/1 and comes back as booleans", () => {
    const tensor = wireToOrt(wire("BOOL", [true, false, 1, 0] as unknown as boolean[]));
    expect(tensor.type).toBe("bool");
    expect(Array.from(tensor.data as Uint8Array)).toEqual([1, 0, 1, 0]);
    expect(ortToWire("t", tensor).data).toEqual([true, false, true, false]);
  });

  it("BYTES are strings", () => {
    const tensor = wireToOrt(wire("BYTES", ["cat", "", "ünïcode"]));
    expect(tensor.type).toBe("string");
    expect(ortToWire("t", tensor).data).toEqual(["cat", "", "ünïcode"]);
  });

  it("refuses values that do not fit the datatype, naming the tensor and the index", () => {
    expect(() => packWireTensor(wire("INT8", [1, 128]))).toThrow(
      "input 't' (INT8): value 128 at index 1 is not an integer in [-128, 127]",
    );
    expect(() => packWireTensor(wire("INT64", [1.5]))).toThrow(
      "input 't' (INT64): value 1.5 at index 0 is not an integer",
    );
    expect(() => packWireTensor(wire("UINT64", [-1]))).toThrow("at index 0 is not an integer in [0,");
    expect(() => packWireTensor(wire("FP32", ["1"]))).toThrow(
      "input 't' (FP32): value \"1\" at index 0 is not a number",
    );
    expect(() => packWireTensor(wire("BOOL", [2]))).toThrow("is not a boolean");
    expect(() => packWireTensor(wire("BYTES", [1]))).toThrow("is not a string");
    expect(() => packWireTensor({ name: "t", datatype: "FP32", shape: [2, 2], data: [1, 2, 3] })).toThrow(
      "input 't': shape [2, 2] needs 4 values, got 3",
    );
  });

  it("packs into fresh buffers that can be transferred, and copies partial views of ort outputs", () => {
    const packed = [
      packWireTensor(wire("FP32", [1, 2])),
      packWireTensor(wire("INT64", [3])),
      packWireTensor(wire("BYTES", ["x"])),
    ];
    const buffers = transferablesOf(packed);
    expect(buffers).toHaveLength(2);
    structuredClone(buffers, { transfer: buffers });
    expect(packed[0]!.data.length).toBe(0); // detached: moved, not copied

    const big = new Float32Array([9, 1, 2, 9]);
    const view = fromOrtTensor("v", new ort.Tensor("float32", big.subarray(1, 3), [2]));
    expect(Array.from(view.data as Float32Array)).toEqual([1, 2]);
    expect((view.data as Float32Array).buffer).not.toBe(big.buffer);
  });
});

describe("IEEE half precision", () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0, 0x0000],
    [-0, 0x8000],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [1e9, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [2 ** -14 - 2 ** -24, 0x03ff],
    [2 ** -26, 0x0000],
    [1 + 2 ** -11, 0x3c00], // halfway: ties to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])("%d -> half bits %i", (value, bits) => {
    expect(floatToHalfBits(value)).toBe(bits);
  });

  it("reads back exactly what it wrote and keeps NaN", () => {
    for (const value of [1, -2.5, 0.0999755859375, 65504, 2 ** -24, 2 ** -14, -Infinity])
      expect(halfBitsToFloat(floatToHalfBits(value))).toBe(value);
    expect(halfBitsToFloat(floatToHalfBits(Number.NaN))).toBeNaN();
    for (let bits = 0; bits < 0x7c00; bits += 17) expect(floatToHalfBits(halfBitsToFloat(bits))).toBe(bits);
  });
});

describe("through a real session", () => {
  it.each([
    ["float32", "FP32", [1.25, -3]],
    ["float64", "FP64", [1e-300, 2]],
    ["int32", "INT32", [-5, 6]],
    ["int64", "INT64", [-(2 ** 40), 2 ** 40]],
    ["bool", "BOOL", [true, false]],
    ["string", "BYTES", ["a", "bc"]],
  ] as const)("an Identity over %s returns its %s input", async (elementType, datatype, values) => {
    const g = new OnnxGraphBuilder("identity");
    g.op("Identity", [g.input("x", elementType as ElementType, ["n"])], {}, "y");
    g.output("y", elementType as ElementType, ["n"]);
    const session = await ort.InferenceSession.create(g.toBytes({ producerVersion: "test" }));
    const { y } = await session.run({
      x: wireToOrt({ name: "x", datatype, shape: [2], data: [...values] as WireTensor["data"] }),
    });
    expect(unpackToWire(fromOrtTensor("y", y!))).toEqual({ name: "y", datatype, shape: [2], data: values });
    await session.release();
  });
});
