import type { V2Datatype, WireTensor } from "@/server/domain/inference/datatypes";
import { floatToHalfBits, halfBitsToFloat } from "@/server/domain/inference/float16";

/**
 * A client's side of the binary tensor data extension, written from the protocol's text with
 * Node's Buffer methods rather than with the gateway's codec, so a test compares two readings of
 * the protocol and not the codec with itself.
 */

type Value = WireTensor["data"][number];
const float = (value: Value) => (typeof value === "number" ? value : Number(value));
const jsonFloat = (value: number): Value =>
  Number.isFinite(value) ? value : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

const FIXED: Record<
  Exclude<V2Datatype, "BYTES">,
  [bytes: number, write: (b: Buffer, v: Value, at: number) => void, read: (b: Buffer, at: number) => Value]
> = {
  BOOL: [1, (b, v, at) => b.writeUInt8(v ? 1 : 0, at), (b, at) => b.readUInt8(at) === 1],
  UINT8: [1, (b, v, at) => b.writeUInt8(v as number, at), (b, at) => b.readUInt8(at)],
  INT8: [1, (b, v, at) => b.writeInt8(v as number, at), (b, at) => b.readInt8(at)],
  UINT16: [2, (b, v, at) => b.writeUInt16LE(v as number, at), (b, at) => b.readUInt16LE(at)],
  INT16: [2, (b, v, at) => b.writeInt16LE(v as number, at), (b, at) => b.readInt16LE(at)],
  UINT32: [4, (b, v, at) => b.writeUInt32LE(v as number, at), (b, at) => b.readUInt32LE(at)],
  INT32: [4, (b, v, at) => b.writeInt32LE(v as number, at), (b, at) => b.readInt32LE(at)],
  UINT64: [
    8,
    (b, v, at) => b.writeBigUInt64LE(BigInt(v as number), at),
    (b, at) => Number(b.readBigUInt64LE(at)),
  ],
  INT64: [
    8,
    (b, v, at) => b.writeBigInt64LE(BigInt(v as number), at),
    (b, at) => Number(b.readBigInt64LE(at)),
  ],
  FP16: [
    2,
    (b, v, at) => b.writeUInt16LE(floatToHalfBits(float(v)), at),
    (b, at) => jsonFloat(halfBitsToFloat(b.readUInt16LE(at))),
  ],
  FP32: [4, (b, v, at) => b.writeFloatLE(float(v), at), (b, at) => jsonFloat(b.readFloatLE(at))],
  FP64: [8, (b, v, at) => b.writeDoubleLE(float(v), at), (b, at) => jsonFloat(b.readDoubleLE(at))],
};

/** A tensor's elements as the extension lays them out. */
export function tensorBytes(datatype: V2Datatype, data: readonly Value[]): Buffer {
  if (datatype === "BYTES")
    return Buffer.concat(
      data.map((value) => {
        const text = Buffer.from(value as string, "utf8");
        const length = Buffer.alloc(4);
        length.writeUInt32LE(text.length);
        return Buffer.concat([length, text]);
      }),
    );
  const [size, write] = FIXED[datatype];
  const bytes = Buffer.alloc(size * data.length);
  data.forEach((value, i) => write(bytes, value, i * size));
  return bytes;
}

function tensorValues(datatype: V2Datatype, bytes: Buffer, count: number): Value[] {
  const values: Value[] = [];
  if (datatype === "BYTES") {
    for (let at = 0; values.length < count;) {
      const length = bytes.readUInt32LE(at);
      values.push(bytes.toString("utf8", at + 4, at + 4 + length));
      at += 4 + length;
    }
    return values;
  }
  const [size, , read] = FIXED[datatype];
  for (let i = 0; i < count; i++) values.push(read(bytes, i * size));
  return values;
}

export interface RequestInput extends WireTensor {
  /** Sent in the binary section rather than as JSON. */
  binary?: boolean;
}

/** A request body in the binary form, and its Inference-Header-Content-Length. */
export function binaryRequest(
  request: { id?: string; parameters?: object; outputs?: object[] },
  inputs: readonly RequestInput[],
): { body: Buffer; headerLength: number } {
  const sections: Buffer[] = [];
  const header = {
    ...request,
    inputs: inputs.map(({ binary, ...tensor }) => {
      if (!binary) return tensor;
      const bytes = tensorBytes(tensor.datatype, tensor.data);
      sections.push(bytes);
      const { name, datatype, shape } = tensor;
      return { name, datatype, shape, parameters: { binary_data_size: bytes.length } };
    }),
  };
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...sections]), headerLength: json.length };
}

export interface DecodedAnswer {
  header: { model_name: string; outputs: Array<WireTensor & { parameters?: Record<string, unknown> }> };
  /** Every output with its data, from JSON or the binary section. */
  outputs: WireTensor[];
  /** Names of the outputs that came in the binary section. */
  binaryNames: string[];
}

/** Reads an answer in the binary form (Inference-Header-Content-Length bytes of JSON, then the outputs' bytes). */
export function decodeBinaryAnswer(body: Buffer, headerLength: number): DecodedAnswer {
  const header = JSON.parse(body.toString("utf8", 0, headerLength)) as DecodedAnswer["header"];
  let at = headerLength;
  const binaryNames: string[] = [];
  const outputs = header.outputs.map(({ name, datatype, shape, data, parameters }) => {
    const size = parameters?.binary_data_size as number | undefined;
    if (size === undefined) return { name, datatype, shape, data };
    binaryNames.push(name);
    const count = shape.reduce((n, dim) => n * dim, 1);
    const values = tensorValues(datatype, body.subarray(at, at + size), count);
    at += size;
    return { name, datatype, shape, data: values as WireTensor["data"] };
  });
  if (at !== body.length) throw new Error(`the answer has ${body.length - at} bytes after its outputs`);
  return { header, outputs, binaryNames };
}
