import protobuf from "protobufjs/minimal.js";

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelHeader {
  irVersion: number | null;
  producerName: string | null;
  producerVersion: string | null;
  opsetImports: OpsetImport[];
  hasGraph: boolean;
}

// ModelProto field numbers from onnx.proto. Only the header is read; the graph (field 7),
// which holds the weights, is skipped, so a model of hundreds of MB costs one pass of varints.
const IR_VERSION = 1;
const PRODUCER_NAME = 2;
const PRODUCER_VERSION = 3;
const GRAPH = 7;
const OPSET_IMPORT = 8;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_VARINT = 0;

/**
 * Reads the top-level fields of an ONNX ModelProto. Throws when the bytes are not a well-formed
 * protobuf message; a valid header alone does not make a loadable model (onnxruntime decides that).
 */
export function readModelHeader(bytes: Uint8Array): ModelHeader {
  const reader = protobuf.Reader.create(bytes);
  const header: ModelHeader = {
    irVersion: null,
    producerName: null,
    producerVersion: null,
    opsetImports: [],
    hasGraph: false,
  };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error(`invalid field number 0 at byte ${reader.pos}`);
    if (field === IR_VERSION && wireType === WIRE_VARINT) header.irVersion = Number(reader.int64());
    else if (field === PRODUCER_NAME && wireType === WIRE_LENGTH_DELIMITED)
      header.producerName = reader.string();
    else if (field === PRODUCER_VERSION && wireType === WIRE_LENGTH_DELIMITED)
      header.producerVersion = reader.string();
    else if (field === OPSET_IMPORT && wireType === WIRE_LENGTH_DELIMITED)
      header.opsetImports.push(readOpsetImport(reader.bytes()));
    else {
      if (field === GRAPH && wireType === WIRE_LENGTH_DELIMITED) header.hasGraph = true;
      reader.skipType(wireType);
    }
  }
  return header;
}

function readOpsetImport(bytes: Uint8Array): OpsetImport {
  const reader = protobuf.Reader.create(bytes);
  const opset: OpsetImport = { domain: "", version: 0 };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) opset.domain = reader.string();
    else if (tag >>> 3 === 2) opset.version = Number(reader.int64());
    else reader.skipType(tag & 7);
  }
  return opset;
}
