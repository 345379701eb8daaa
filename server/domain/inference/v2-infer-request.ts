import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import {
  nonFiniteValue,
  V2_DATATYPE_BY_ELEMENT_TYPE,
  ZV2Datatype,
  type HeldTensor,
  type V2Datatype,
  type WireTensor,
} from "@/server/domain/inference/datatypes";
import {
  decodeBinaryFloats,
  decodeBinaryTensor,
  NO_BINARY_OUTPUTS,
  type BinaryOutputChoice,
} from "@/server/domain/inference/v2-binary-tensors";
import { formatShape, isDynamicDimension, type Signature, type TensorSpec } from "@/server/domain/signature";

/**
 * The Open Inference Protocol (KServe v2) REST inference request, checked against a model
 * version's signature. zod checks the envelope; the tensor contents depend on the signature, so
 * they are checked here with plain loops (this runs on every request). Messages go to the HTTP
 * client as they are: each names the input and the problem.
 */

/** Tensor data as the protocol allows it: flat row-major, or nested one level per dimension. */
export type V2TensorData = Array<number | string | boolean | null | V2TensorData>;

/** "is 5; expected a string" / "is missing" (the field's label is put in front by describeIssue). */
const must =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? `is missing; expected ${expected}`
      : `is ${describeValue(issue.input)}; expected ${expected}`;

const ZV2Parameters = z.record(z.string(), z.unknown(), { error: must("an object of parameters") });

/** Only checked to be an array here: the elements are checked against the signature by parseInferRequest. */
export const ZV2TensorData = z.custom<V2TensorData>((value) => Array.isArray(value), {
  error: must("an array (flat or nested)"),
});

export const ZV2InferRequestInput = z.object(
  {
    name: z.string({ error: must("a string") }).min(1, { error: "is empty; expected the input's name" }),
    shape: z.array(
      z
        .number({ error: must("a non-negative integer") })
        .int({ error: must("a non-negative integer") })
        .nonnegative({ error: must("a non-negative integer") }),
      { error: must("an array of dimension sizes") },
    ),
    datatype: z.enum(ZV2Datatype.options, { error: must(`one of ${ZV2Datatype.options.join(", ")}`) }),
    parameters: ZV2Parameters.optional(),
    // Absent when the input's elements are in the body's binary section (binary_data_size).
    data: ZV2TensorData.optional(),
  },
  { error: must("a tensor object {name, shape, datatype, data}") },
);

export const ZV2InferRequestOutput = z.object(
  {
    name: z.string({ error: must("a string") }).min(1, { error: "is empty; expected an output's name" }),
    parameters: ZV2Parameters.optional(),
  },
  { error: must("an object {name}") },
);

export const ZV2InferRequest = z.object(
  {
    id: z.string({ error: must("a string") }).optional(),
    parameters: ZV2Parameters.optional(),
    inputs: z.array(ZV2InferRequestInput, { error: must("an array of input tensors") }),
    outputs: z.array(ZV2InferRequestOutput, { error: must("an array of requested outputs") }).optional(),
  },
  { error: must("a JSON object with an 'inputs' array") },
);
export type V2InferRequest = z.infer<typeof ZV2InferRequest>;
type V2RequestInput = V2InferRequest["inputs"][number];

export interface InferRequestLimits {
  /** Rows (the dynamic first dimension) one request may carry; more is PAYLOAD_TOO_LARGE. */
  maxBatchRows: number;
}

export interface ParsedInferRequest {
  id: string | undefined;
  /** One per model input, in the signature's order, with flat data (binary FP32/FP64 as typed arrays). */
  inputs: HeldTensor[];
  /** Requested outputs in the order asked; undefined means all of the model's outputs. */
  outputNames: string[] | undefined;
  /** The size of the dynamic first dimension; 1 when the model has none. */
  batchRows: number;
  /** Outputs the answer carries in its binary section (binary tensor data extension). */
  binaryOutputs: BinaryOutputChoice;
}

/**
 * Throws AppError BAD_REQUEST (or PAYLOAD_TOO_LARGE for too many rows) naming the input and the
 * problem. `binary` is the body's binary section (v2-binary-tensors.ts) when it has one: the
 * inputs with `parameters.binary_data_size` take their elements from it, in the order given.
 */
export function parseInferRequest(
  body: unknown,
  signature: Signature,
  limits: InferRequestLimits,
  binary?: Uint8Array,
): ParsedInferRequest {
  const parsed = ZV2InferRequest.safeParse(body);
  if (!parsed.success) throw badRequest(describeIssue(parsed.error.issues[0]!, body));
  const request = parsed.data;

  const given = new Map<string, V2RequestInput>();
  const binaryOf = new Map<string, Uint8Array>();
  let binaryAt = 0;
  for (const input of request.inputs) {
    if (!signature.inputs.some((spec) => spec.name === input.name)) {
      throw badRequest(
        `unknown input '${input.name}'; the model's inputs are ${quotedNames(signature.inputs)}`,
      );
    }
    if (given.has(input.name)) throw badRequest(`input '${input.name}' is given more than once`);
    const size = input.parameters?.binary_data_size;
    if (size !== undefined) {
      const bytes = binarySlice(input, size, binary, binaryAt);
      binaryOf.set(input.name, bytes);
      binaryAt += bytes.length;
    } else if (input.data === undefined) {
      throw badRequest(`input '${input.name}': data is missing; expected an array (flat or nested)`);
    }
    given.set(input.name, input);
  }
  if (binary !== undefined && binaryAt !== binary.length)
    throw badRequest(
      `the binary section has ${binary.length - binaryAt} bytes after the last binary input's; ` +
        `the inputs' binary_data_size must add up to its ${binary.length} bytes`,
    );

  // Shapes first (cheap), so a request with the wrong layout is refused before its data is read.
  const ordered: V2RequestInput[] = [];
  const rowsBySymbol = new Map<string, string>();
  let batchRows: number | undefined;
  for (const spec of signature.inputs) {
    const input = given.get(spec.name);
    if (!input)
      throw badRequest(
        `missing input '${spec.name}'; the model's inputs are ${quotedNames(signature.inputs)}`,
      );
    checkLayout(spec, input);
    const first = spec.shape[0];
    if (spec.shape.length > 0 && isDynamicDimension(first!)) {
      // Zero rows, like any zero-sized dimension, make a tensor onnxruntime runs: it is served.
      const rows = input.shape[0]!;
      if (rows > limits.maxBatchRows) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `input '${spec.name}' has ${rows} rows, over the limit of ${limits.maxBatchRows} per request; split it into smaller requests`,
        );
      }
      if (typeof first === "string") {
        const seen = rowsBySymbol.get(first);
        const seenRows = seen === undefined ? undefined : given.get(seen)!.shape[0];
        if (seen !== undefined && seenRows !== rows) {
          throw badRequest(
            `input '${spec.name}' has ${rows} rows but input '${seen}' has ${seenRows}; the model's dimension '${first}' must be the same in both`,
          );
        }
        if (seen === undefined) rowsBySymbol.set(first, spec.name);
      }
      batchRows ??= rows;
    }
    ordered.push(input);
  }

  const outputNames = requestedOutputs(request.outputs, signature);
  const binaryOutputs = binaryOutputChoice(request);

  const inputs: HeldTensor[] = new Array(ordered.length);
  for (let i = 0; i < ordered.length; i++) {
    const input = ordered[i]!;
    const bytes = binaryOf.get(input.name);
    const data = bytes ? binaryData(input, bytes) : flatData(input);
    inputs[i] = { name: input.name, datatype: input.datatype, shape: input.shape, data };
  }
  return { id: request.id, inputs, outputNames, batchRows: batchRows ?? 1, binaryOutputs };
}

/** The input's bytes in the binary section, which start at `at`; BAD_REQUEST when they cannot be there. */
function binarySlice(
  input: V2RequestInput,
  size: unknown,
  binary: Uint8Array | undefined,
  at: number,
): Uint8Array {
  const name = input.name;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
    throw badRequest(
      `input '${name}': parameters.binary_data_size is ${describeValue(size)}; expected a non-negative integer of bytes`,
    );
  if (input.data !== undefined)
    throw badRequest(
      `input '${name}' has both data and parameters.binary_data_size; send its elements in one of them`,
    );
  if (binary === undefined)
    throw badRequest(
      `input '${name}' has parameters.binary_data_size but the body has no binary section; ` +
        "send it as application/octet-stream with an Inference-Header-Content-Length header",
    );
  if (at + size > binary.length)
    throw badRequest(
      `input '${name}': binary_data_size ${size} runs past the end of the binary section (${binary.length - at} bytes left)`,
    );
  return binary.subarray(at, at + size);
}

/**
 * The binary input's elements: FP32 and FP64 as a typed array, which the job carries as the same
 * bytes; the others decoded and then checked as JSON elements are.
 */
function binaryData(input: V2RequestInput, bytes: Uint8Array): HeldTensor["data"] {
  const count = elementCount(input.shape);
  if (input.datatype === "FP32" || input.datatype === "FP64")
    return decodeBinaryFloats(bytes, input.datatype, count, input.name);
  const data = decodeBinaryTensor(bytes, input.datatype, count, input.name);
  // Decoded elements are within their datatype by construction (and BOOL bytes checked there),
  // but 64-bit integers past what a JSON number, and so the rest of the path, holds exactly.
  if (input.datatype === "INT64" || input.datatype === "UINT64")
    checkElements(data, input.datatype, input.shape, input.name);
  return data;
}

/** `binary_data_output` on the request, overridden per output by `binary_data`; both true or false. */
function binaryOutputChoice(request: V2InferRequest): BinaryOutputChoice {
  const all = request.parameters?.binary_data_output;
  if (all !== undefined && typeof all !== "boolean")
    throw badRequest(`parameters.binary_data_output is ${describeValue(all)}; expected true or false`);
  const byName = new Map<string, boolean>();
  for (const output of request.outputs ?? []) {
    const binary = output.parameters?.binary_data;
    if (binary === undefined) continue;
    if (typeof binary !== "boolean")
      throw badRequest(
        `output '${output.name}': parameters.binary_data is ${describeValue(binary)}; expected true or false`,
      );
    byName.set(output.name, binary);
  }
  return all === undefined && byName.size === 0 ? NO_BINARY_OUTPUTS : { all: all ?? false, byName };
}

function checkLayout(spec: TensorSpec, input: V2RequestInput): void {
  const expected = V2_DATATYPE_BY_ELEMENT_TYPE[spec.elementType];
  if (input.datatype !== expected)
    throw badRequest(`input '${spec.name}': expected datatype ${expected}, got ${input.datatype}`);
  const mismatch = `input '${spec.name}': shape ${formatShape(input.shape)} does not match the model's ${formatShape(spec.shape)}`;
  if (input.shape.length !== spec.shape.length) {
    throw badRequest(`${mismatch} (rank ${input.shape.length}, the model needs rank ${spec.shape.length})`);
  }
  for (let d = 0; d < spec.shape.length; d++) {
    const dim = spec.shape[d]!;
    if (typeof dim === "number" && input.shape[d] !== dim)
      throw badRequest(`${mismatch} (dimension ${d} must be ${dim})`);
  }
}

function requestedOutputs(outputs: V2InferRequest["outputs"], signature: Signature): string[] | undefined {
  // The protocol: no outputs (or an empty list) means every output.
  if (!outputs || outputs.length === 0) return undefined;
  const names: string[] = [];
  for (const output of outputs) {
    if (!signature.outputs.some((spec) => spec.name === output.name)) {
      throw badRequest(
        `unknown output '${output.name}'; the model's outputs are ${quotedNames(signature.outputs)}`,
      );
    }
    if (names.includes(output.name)) throw badRequest(`output '${output.name}' is requested more than once`);
    names.push(output.name);
  }
  return names;
}

/** The input's data, flat and checked element by element. Flat data is returned as is (no copy). */
function flatData(input: V2RequestInput): WireTensor["data"] {
  const { shape } = input;
  // parseInferRequest has refused an input with neither data nor binary_data_size.
  const data = input.data!;
  const count = elementCount(shape);
  let flat: unknown[] = data;
  if (shape.length > 1 && data.length > 0 && Array.isArray(data[0])) {
    flat = new Array(count);
    flattenInto(data, shape, 0, flat, 0, "data", input.name);
  } else if (data.length !== count) {
    throw badRequest(
      `input '${input.name}': data has ${data.length} elements but shape ${formatShape(shape)} needs ${count}`,
    );
  }
  checkElements(flat, input.datatype, shape, input.name);
  return flat as WireTensor["data"];
}

/** Copies nested data (one array level per dimension) into `out` from `at`; returns the next position. */
function flattenInto(
  level: unknown[],
  shape: number[],
  depth: number,
  out: unknown[],
  at: number,
  path: string,
  name: string,
): number {
  const size = shape[depth]!;
  if (level.length !== size)
    throw nestingError(name, shape, `${path} has ${level.length} elements, expected ${size}`);
  if (depth === shape.length - 1) {
    for (let i = 0; i < size; i++) out[at++] = level[i];
    return at;
  }
  for (let i = 0; i < size; i++) {
    const child = level[i];
    if (!Array.isArray(child))
      throw nestingError(
        name,
        shape,
        `${path}[${i}] is ${describeValue(child)}, expected an array of ${shape[depth + 1]} elements`,
      );
    at = flattenInto(child, shape, depth + 1, out, at, `${path}[${i}]`, name);
  }
  return at;
}

const INTEGER_RANGES: Partial<Record<V2Datatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
  // 64-bit integers travel as JSON numbers, exact only up to 2^53 - 1.
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** Magnitudes that round to infinity in the type (half a unit in the last place above its largest finite value). */
const FLOAT_OVERFLOW: Partial<Record<V2Datatype, number>> = {
  FP16: 65_520,
  FP32: 3.4028235677973366e38,
  FP64: Infinity,
};
const FLOAT_MAX: Partial<Record<V2Datatype, number>> = {
  FP16: 65_504,
  FP32: 3.4028234663852886e38,
  FP64: Number.MAX_VALUE,
};

/** One tight loop per kind of datatype; the message is built only for the element that fails. */
function checkElements(data: unknown[], datatype: V2Datatype, shape: number[], name: string): void {
  const n = data.length;
  if (datatype === "BOOL") {
    for (let i = 0; i < n; i++)
      if (typeof data[i] !== "boolean")
        throw elementError(name, shape, i, data[i], "BOOL elements must be true or false");
    return;
  }
  if (datatype === "BYTES") {
    for (let i = 0; i < n; i++)
      if (typeof data[i] !== "string")
        throw elementError(name, shape, i, data[i], "BYTES elements must be strings");
    return;
  }
  const overflow = FLOAT_OVERFLOW[datatype];
  if (overflow !== undefined) {
    for (let i = 0; i < n; i++) {
      const value = data[i];
      // Also false for NaN: a non-finite value comes as its string, which is kept for the worker.
      if (typeof value !== "number" || !(value < overflow && value > -overflow))
        if (nonFiniteValue(value) === undefined) throw numberError(name, shape, i, value, datatype);
    }
    return;
  }
  const [min, max] = INTEGER_RANGES[datatype]!;
  for (let i = 0; i < n; i++) {
    const value = data[i];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      throw numberError(name, shape, i, value, datatype);
  }
}

function numberError(
  name: string,
  shape: number[],
  index: number,
  value: unknown,
  datatype: V2Datatype,
): AppError {
  const range = INTEGER_RANGES[datatype];
  const nonFinite = range
    ? `${datatype} has no NaN or Infinity`
    : `a NaN or infinite ${datatype} element is sent as the string "NaN", "Infinity" or "-Infinity"`;
  if (value === null)
    return elementError(name, shape, index, value, `${datatype} elements must be numbers (${nonFinite})`);
  if (typeof value === "string" && /^[+-]?(nan|inf(inity)?)$/i.test(value.trim()))
    return elementError(name, shape, index, value, `${datatype} elements must be numbers (${nonFinite})`);
  if (typeof value !== "number")
    return elementError(name, shape, index, value, `${datatype} elements must be numbers`);
  if (!Number.isFinite(value))
    return elementError(
      name,
      shape,
      index,
      value,
      `${datatype} elements must be finite numbers (${nonFinite})`,
    );
  if (!range)
    return elementError(name, shape, index, value, `outside ${datatype}'s range ±${FLOAT_MAX[datatype]}`);
  if (!Number.isInteger(value))
    return elementError(name, shape, index, value, `${datatype} elements must be integers`);
  const exactly = datatype === "INT64" || datatype === "UINT64" ? " (what a JSON number holds exactly)" : "";
  return elementError(
    name,
    shape,
    index,
    value,
    `outside ${datatype}'s range ${range[0]}..${range[1]}${exactly}`,
  );
}

/** "input 'x': element [1, 3] (flat index 17) is null; ...": coordinates help with nested data, the index with flat. */
function elementError(
  name: string,
  shape: number[],
  index: number,
  value: unknown,
  problem: string,
): AppError {
  let where = `element ${index}`;
  if (shape.length > 1) {
    const coordinates: number[] = new Array(shape.length);
    let rest = index;
    for (let d = shape.length - 1; d >= 0; d--) {
      coordinates[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    where = `element [${coordinates.join(", ")}] (flat index ${index})`;
  }
  const separator = problem.startsWith("outside") ? ", " : "; ";
  return badRequest(`input '${name}': ${where} is ${describeValue(value)}${separator}${problem}`);
}

function nestingError(name: string, shape: number[], problem: string): AppError {
  return badRequest(`input '${name}': nested data does not match shape ${formatShape(shape)}: ${problem}`);
}

/** The first zod issue as "<where>: <problem>", naming the input by its name when it has one. */
function describeIssue(issue: z.core.$ZodIssue, body: unknown): string {
  const path = issue.path;
  if (path.length === 0) return `the body ${issue.message}`;
  let label: string;
  let rest = path;
  const list = path[0];
  if ((list === "inputs" || list === "outputs") && typeof path[1] === "number") {
    const name = (body as Record<string, Array<{ name?: unknown } | undefined>>)[list]?.[path[1]]?.name;
    label =
      list === "inputs" && typeof name === "string" && name !== ""
        ? `input '${name}'`
        : `${list}[${path[1]}]`;
    rest = path.slice(2);
    if (rest.length === 0) return `${label} ${issue.message}`;
  } else {
    label = "";
  }
  const field = rest
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("");
  return label ? `${label}: ${field} ${issue.message}` : `'${field}' ${issue.message}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "object":
      return "an object";
    case "undefined":
      return "missing";
    default:
      return String(value);
  }
}

function quotedNames(specs: readonly TensorSpec[]): string {
  return specs.length === 0 ? "(none)" : specs.map((spec) => `'${spec.name}'`).join(", ");
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

function badRequest(message: string): AppError {
  return new AppError("BAD_REQUEST", message);
}
