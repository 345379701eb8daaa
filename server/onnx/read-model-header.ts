import protobuf from "protobufjs/minimal.js";

export interface OpsetImport {
  domain: string;
  version: number;
}

/** A tensor whose data lives in another file, as ONNX's external data format stores large weights. */
export interface ExternalDataReference {
  tensor: string;
  /** The file it names (its `location` entry), as written in the model. */
  location: string | null;
}

export interface ModelHeader {
  irVersion: number | null;
  producerName: string | null;
  producerVersion: string | null;
  opsetImports: OpsetImport[];
  hasGraph: boolean;
  /** Every tensor stored outside the file: initializers, node attributes, subgraphs and functions. */
  externalData: ExternalDataReference[];
}

// Field numbers from onnx.proto. Only structure is read: tensor payloads (raw_data and the typed
// data fields) are skipped, so a model of hundreds of MB costs one pass over its varints.
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  graph: 7,
  opsetImport: 8,
  trainingInfo: 20,
  functions: 25,
};
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 };
const NODE = { attribute: 5 };
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 };
const TENSOR = { name: 8, externalData: 13, dataLocation: 14 };
const TENSOR_DATA_LOCATION_EXTERNAL = 1;
const SPARSE_TENSOR = { values: 1, indices: 2 };
const TRAINING_INFO = { initialization: 1, algorithm: 2 };
const FUNCTION = { node: 7, attributeProto: 11 };
const STRING_ENTRY = { key: 1, value: 2 };
/** Subgraphs (If, Loop, Scan bodies) nest; a file nesting deeper than any real model is refused. */
const MAX_GRAPH_DEPTH = 64;

/**
 * Reads the top-level fields of an ONNX ModelProto and finds every tensor that keeps its data in
 * an external file. Throws when the bytes are not a well-formed protobuf message; a valid header
 * alone does not make a loadable model (onnxruntime decides that).
 */
export function readModelHeader(bytes: Uint8Array): ModelHeader {
  const header: ModelHeader = {
    irVersion: null,
    producerName: null,
    producerVersion: null,
    opsetImports: [],
    hasGraph: false,
    externalData: [],
  };
  const found = header.externalData;
  forEachField(bytes, (field, wireType, reader) => {
    if (field === MODEL.irVersion && wireType === WIRE_VARINT) header.irVersion = Number(reader.int64());
    else if (wireType !== WIRE_LENGTH_DELIMITED) reader.skipType(wireType);
    else if (field === MODEL.producerName) header.producerName = reader.string();
    else if (field === MODEL.producerVersion) header.producerVersion = reader.string();
    else if (field === MODEL.opsetImport) header.opsetImports.push(readOpsetImport(reader.bytes()));
    else if (field === MODEL.graph) {
      header.hasGraph = true;
      scanGraph(reader.bytes(), found, 1);
    } else if (field === MODEL.trainingInfo) scanTrainingInfo(reader.bytes(), found);
    else if (field === MODEL.functions) scanFunction(reader.bytes(), found);
    else reader.skipType(wireType);
  });
  return header;
}

/** Calls `visit` for each field of a message; `visit` reads the field's value or skips it. */
function forEachField(
  bytes: Uint8Array,
  visit: (field: number, wireType: number, reader: protobuf.Reader) => void,
): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 0) throw new Error(`invalid field number 0 at byte ${reader.pos}`);
    visit(field, tag & 7, reader);
  }
}

/** Visits the length-delimited fields named in `handlers` with their bytes; skips the rest. */
function forEachMessage(bytes: Uint8Array, handlers: Record<number, (message: Uint8Array) => void>): void {
  forEachField(bytes, (field, wireType, reader) => {
    const handle = handlers[field];
    if (handle && wireType === WIRE_LENGTH_DELIMITED) handle(reader.bytes());
    else reader.skipType(wireType);
  });
}

function scanGraph(bytes: Uint8Array, found: ExternalDataReference[], depth: number): void {
  if (depth > MAX_GRAPH_DEPTH) throw new Error(`graphs nested more than ${MAX_GRAPH_DEPTH} deep`);
  forEachMessage(bytes, {
    [GRAPH.node]: (node) => scanNode(node, found, depth),
    [GRAPH.initializer]: (tensor) => scanTensor(tensor, found),
    [GRAPH.sparseInitializer]: (sparse) => scanSparseTensor(sparse, found),
  });
}

function scanNode(bytes: Uint8Array, found: ExternalDataReference[], depth: number): void {
  forEachMessage(bytes, { [NODE.attribute]: (attribute) => scanAttribute(attribute, found, depth) });
}

function scanAttribute(bytes: Uint8Array, found: ExternalDataReference[], depth: number): void {
  forEachMessage(bytes, {
    [ATTRIBUTE.t]: (tensor) => scanTensor(tensor, found),
    [ATTRIBUTE.tensors]: (tensor) => scanTensor(tensor, found),
    [ATTRIBUTE.g]: (graph) => scanGraph(graph, found, depth + 1),
    [ATTRIBUTE.graphs]: (graph) => scanGraph(graph, found, depth + 1),
    [ATTRIBUTE.sparseTensor]: (sparse) => scanSparseTensor(sparse, found),
    [ATTRIBUTE.sparseTensors]: (sparse) => scanSparseTensor(sparse, found),
  });
}

function scanSparseTensor(bytes: Uint8Array, found: ExternalDataReference[]): void {
  forEachMessage(bytes, {
    [SPARSE_TENSOR.values]: (tensor) => scanTensor(tensor, found),
    [SPARSE_TENSOR.indices]: (tensor) => scanTensor(tensor, found),
  });
}

function scanTrainingInfo(bytes: Uint8Array, found: ExternalDataReference[]): void {
  forEachMessage(bytes, {
    [TRAINING_INFO.initialization]: (graph) => scanGraph(graph, found, 1),
    [TRAINING_INFO.algorithm]: (graph) => scanGraph(graph, found, 1),
  });
}

function scanFunction(bytes: Uint8Array, found: ExternalDataReference[]): void {
  forEachMessage(bytes, {
    [FUNCTION.node]: (node) => scanNode(node, found, 1),
    [FUNCTION.attributeProto]: (attribute) => scanAttribute(attribute, found, 1),
  });
}

/** Records the tensor when its data location is EXTERNAL or it carries external_data entries. */
function scanTensor(bytes: Uint8Array, found: ExternalDataReference[]): void {
  let name = "";
  let external = false;
  let location: string | null = null;
  forEachField(bytes, (field, wireType, reader) => {
    if (field === TENSOR.dataLocation && wireType === WIRE_VARINT) {
      if (reader.int32() === TENSOR_DATA_LOCATION_EXTERNAL) external = true;
    } else if (field === TENSOR.name && wireType === WIRE_LENGTH_DELIMITED) name = reader.string();
    else if (field === TENSOR.externalData && wireType === WIRE_LENGTH_DELIMITED) {
      external = true;
      const entry = readStringEntry(reader.bytes());
      if (entry.key === "location") location = entry.value;
    } else reader.skipType(wireType);
  });
  if (external) found.push({ tensor: name, location });
}

function readStringEntry(bytes: Uint8Array): { key: string; value: string } {
  const entry = { key: "", value: "" };
  forEachField(bytes, (field, wireType, reader) => {
    if (field === STRING_ENTRY.key && wireType === WIRE_LENGTH_DELIMITED) entry.key = reader.string();
    else if (field === STRING_ENTRY.value && wireType === WIRE_LENGTH_DELIMITED)
      entry.value = reader.string();
    else reader.skipType(wireType);
  });
  return entry;
}

function readOpsetImport(bytes: Uint8Array): OpsetImport {
  const opset: OpsetImport = { domain: "", version: 0 };
  forEachField(bytes, (field, wireType, reader) => {
    if (field === 1 && wireType === WIRE_LENGTH_DELIMITED) opset.domain = reader.string();
    else if (field === 2 && wireType === WIRE_VARINT) opset.version = Number(reader.int64());
    else reader.skipType(wireType);
  });
  return opset;
}
