import onnxProto, { type onnx } from "onnx-proto";
import type { ElementType } from "@/server/domain/signature";

// onnx-proto is CommonJS: its classes come through the default export, its types by name.
const { ModelProto, TensorProto, AttributeProto } = onnxProto.onnx;
const DataType = TensorProto.DataType;
const AttributeType = AttributeProto.AttributeType;

/**
 * IR 8 is the newest IR this onnx-proto release (onnx 1.10) describes; onnxruntime 1.30 loads
 * IR 8 models at opset 17 (checked), and ai.onnx.ml 3 has the LabelEncoder with list
 * attributes (keys_strings, values_int64s).
 */
export const IR_VERSION = 8;
export const DEFAULT_OPSET = 17;
export const ML_DOMAIN = "ai.onnx.ml";
export const ML_OPSET = 3;
export const PRODUCER_NAME = "mlops-console";

/** Every element type a signature names, so a test model can have any of them. */
export type { ElementType };
/** A number for a fixed size, a name (e.g. "batch") for a symbolic one. */
export type Dim = number | string;
export type Tensor = onnx.ITensorProto;

const elementTypeCodes: Record<ElementType, number> = {
  float16: DataType.FLOAT16,
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  uint16: DataType.UINT16,
  int16: DataType.INT16,
  uint32: DataType.UINT32,
  uint64: DataType.UINT64,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  string: DataType.STRING,
};

function elementCount(dims: readonly number[]): number {
  return dims.reduce((count, dim) => count * dim, 1);
}

function checkSize(dims: readonly number[], length: number): void {
  if (elementCount(dims) !== length)
    throw new Error(`tensor of shape [${dims}] needs ${elementCount(dims)} values, got ${length}`);
}

/** Raw little-endian bytes: compact and fast to encode even for tens of millions of weights. */
function littleEndianBytes(values: Float32Array | BigInt64Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error("big-endian hosts are not supported");
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function floatTensor(dims: readonly number[], values: ArrayLike<number>): Tensor {
  checkSize(dims, values.length);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return { dims: [...dims], dataType: DataType.FLOAT, rawData: littleEndianBytes(data) };
}

export function int64Tensor(dims: readonly number[], values: ArrayLike<number>): Tensor {
  checkSize(dims, values.length);
  const data = BigInt64Array.from(Array.from(values, (value) => BigInt(value)));
  return { dims: [...dims], dataType: DataType.INT64, rawData: littleEndianBytes(data) };
}

/**
 * A float tensor whose data ONNX's external data format keeps in another file (`location`,
 * relative to the model): what exporters write for large weights. The console refuses such
 * models (uploads are single files); tests build them to prove it.
 */
export function externalFloatTensor(dims: readonly number[], location: string): Tensor {
  return {
    dims: [...dims],
    dataType: DataType.FLOAT,
    dataLocation: TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: "location", value: location },
      { key: "offset", value: "0" },
      { key: "length", value: String(elementCount(dims) * 4) },
    ],
  };
}

/** Attributes are tagged because a JS number cannot tell an int attribute from a float one. */
export type Attribute = Omit<onnx.IAttributeProto, "name">;
const utf8 = (text: string) => new TextEncoder().encode(text);
export const attr = {
  int: (i: number): Attribute => ({ type: AttributeType.INT, i }),
  ints: (ints: number[]): Attribute => ({ type: AttributeType.INTS, ints }),
  float: (f: number): Attribute => ({ type: AttributeType.FLOAT, f }),
  floats: (floats: number[]): Attribute => ({ type: AttributeType.FLOATS, floats }),
  string: (s: string): Attribute => ({ type: AttributeType.STRING, s: utf8(s) }),
  strings: (strings: string[]): Attribute => ({ type: AttributeType.STRINGS, strings: strings.map(utf8) }),
  tensor: (t: Tensor): Attribute => ({ type: AttributeType.TENSOR, t }),
  /** A subgraph, e.g. an If node's branches (OnnxGraphBuilder.toGraph). */
  graph: (g: onnx.IGraphProto): Attribute => ({ type: AttributeType.GRAPH, g }),
  /** An element type as its code, e.g. Cast's `to`. */
  elementType: (elementType: ElementType): Attribute => ({
    type: AttributeType.INT,
    i: elementTypeCodes[elementType],
  }),
};

export interface NodeSpec {
  opType: string;
  inputs: string[];
  /** Output names; one generated name when omitted. */
  outputs?: string[];
  attributes?: Record<string, Attribute>;
  domain?: string;
}

function valueInfo(name: string, elementType: ElementType, shape: readonly Dim[]): onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: elementTypeCodes[elementType], shape: { dim } } } };
}

/**
 * Builds one ONNX graph. Node and value names are generated from a counter, so the same
 * sequence of calls always yields the same bytes.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly domains = new Set<string>();

  constructor(private readonly graphName: string) {}

  input(name: string, elementType: ElementType, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elementType, shape));
    return name;
  }

  /** Declares an existing value (a node output or an input) as a graph output. */
  output(name: string, elementType: ElementType, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elementType, shape));
  }

  initializer(name: string, tensor: Tensor): string {
    this.initializers.push({ ...tensor, name });
    return name;
  }

  node(spec: NodeSpec): string[] {
    const index = this.nodes.length;
    const outputs = spec.outputs ?? [`${spec.opType}_${index}`];
    const attribute = Object.entries(spec.attributes ?? {}).map(([name, value]) => ({ ...value, name }));
    const domain = spec.domain ?? "";
    this.domains.add(domain);
    this.nodes.push({
      name: `${spec.opType}_${index}`,
      opType: spec.opType,
      domain,
      input: spec.inputs,
      output: outputs,
      attribute,
    });
    return outputs;
  }

  /** A single-output node; `output` names the result (e.g. to make it a graph output). */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    output?: string,
    domain?: string,
  ): string {
    const [name] = this.node({
      opType,
      inputs,
      attributes,
      domain,
      outputs: output === undefined ? undefined : [output],
    });
    return name as string;
  }

  /** The graph alone, to nest as a subgraph attribute of a node in another builder's graph. */
  toGraph(): onnx.IGraphProto {
    return {
      name: this.graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  toBytes(options: { producerVersion: string; docString?: string }): Uint8Array {
    const opsetImport = [{ domain: "", version: DEFAULT_OPSET }];
    if (this.domains.has(ML_DOMAIN)) opsetImport.push({ domain: ML_DOMAIN, version: ML_OPSET });
    const model = ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport,
      producerName: PRODUCER_NAME,
      producerVersion: options.producerVersion,
      docString: options.docString ?? "",
      graph: this.toGraph(),
    });
    return ModelProto.encode(model).finish();
  }
}
