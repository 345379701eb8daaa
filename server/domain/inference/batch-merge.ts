import {
  V2_DATATYPE_BY_ELEMENT_TYPE,
  type HeldTensor,
  type V2Datatype,
  type WireTensor,
} from "@/server/domain/inference/datatypes";
import { isDynamicDimension, type Signature } from "@/server/domain/signature";

/**
 * Merging requests that arrive together into one session run: the accelerator (and a CPU's
 * vector units) do far more rows per second at batch 256 than at batch 1. Requests are
 * concatenated along dimension 0 when the model says every input and output has a dynamic
 * first dimension; anything else (a fixed batch such as [1, 4], rank-0 inputs, an output with no
 * batch dimension) runs request by request. Pure: no I/O, no onnxruntime.
 */

/** A flat row-major tensor: the wire's JSON arrays or the typed arrays onnxruntime hands back. */
export interface FlatTensor<D extends ArrayLike<unknown> = WireTensor["data"]> {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  data: D;
}

/** What merging needs of a serving request (ServingRequest in server/contracts has this shape). */
export interface MergeableRequest {
  inputs: readonly HeldTensor[];
  /** Outputs the request wants; all of the model's outputs when absent. */
  outputNames?: readonly string[];
}

export interface PlannedRun {
  /** Indices (into the requests given to planRuns) of the requests this run serves. */
  requestIndices: number[];
  /** Concatenated along dimension 0 when merged; a lone request's own tensors otherwise. */
  inputs: HeldTensor[];
  /** Outputs to fetch: every output some request of the run asked for. */
  outputNames: string[];
  /** Request k of the run owns rows [rowOffsets[k], rowOffsets[k + 1]) of every input and output. */
  rowOffsets: number[];
  rows: number;
  merged: boolean;
  /**
   * Cuts the run's outputs back per request (in requestIndices order), each with the outputs it
   * asked for in the order it asked. Throws when an output does not have the run's rows.
   * Typed arrays are cut with subarray (no copy).
   */
  split<D extends ArrayLike<unknown>>(outputs: FlatTensor<D>[]): FlatTensor<D>[][];
}

export interface PlanOptions {
  /** Rows of one merged run at most; a request larger than this runs alone. */
  maxRows?: number;
  /** false: every request runs alone (used to isolate the request that made a merged run fail). */
  merge?: boolean;
}

export const DEFAULT_MAX_MERGED_ROWS = 1024;

/** True when requests for this model can be concatenated along dimension 0. */
export function canMergeRows(signature: Signature): boolean {
  const batched = (shape: Signature["inputs"][number]["shape"]) =>
    shape.length > 0 && isDynamicDimension(shape[0]!);
  return (
    signature.inputs.length > 0 &&
    signature.inputs.every((input) => batched(input.shape)) &&
    signature.outputs.every((output) => batched(output.shape))
  );
}

/** Rows a request adds to a run: the first dimension of its first input (1 for a scalar input). */
export function requestRows(request: MergeableRequest): number {
  const shape = request.inputs[0]?.shape;
  return shape && shape.length > 0 ? shape[0]! : 1;
}

/**
 * Decides the session runs for requests to one model. Requests that fit a merged run (every
 * model input once, with the signature's datatype and fixed dimensions, one row count, data
 * matching the shape, known output names) are grouped by their inner dimensions and
 * concatenated; any other request (zero rows included) runs alone, so onnxruntime itself answers
 * it or reports what is wrong with it.
 */
export function planRuns(
  signature: Signature,
  requests: readonly MergeableRequest[],
  options: PlanOptions = {},
): PlannedRun[] {
  const maxRows = options.maxRows ?? DEFAULT_MAX_MERGED_ROWS;
  const runs: PlannedRun[] = [];
  if (options.merge === false || !canMergeRows(signature)) {
    requests.forEach((request, index) => runs.push(loneRun(signature, request, index)));
    return runs;
  }
  const groups = new Map<string, { indices: number[]; ordered: HeldTensor[][] }>();
  requests.forEach((request, index) => {
    const ordered = mergeableInputs(signature, request);
    if (!ordered) return void runs.push(loneRun(signature, request, index));
    const key = ordered.map((tensor) => tensor.shape.slice(1).join(",")).join("|");
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { indices: [], ordered: [] }));
    group.indices.push(index);
    group.ordered.push(ordered);
  });
  for (const group of groups.values()) {
    let start = 0;
    let rows = 0;
    for (let k = 0; k <= group.indices.length; k++) {
      const nextRows = k < group.indices.length ? group.ordered[k]![0]!.shape[0]! : 0;
      if (k === group.indices.length || (k > start && rows + nextRows > maxRows)) {
        const indices = group.indices.slice(start, k);
        runs.push(
          indices.length === 1
            ? loneRun(signature, requests[indices[0]!]!, indices[0]!)
            : mergedRun(signature, requests, indices, group.ordered.slice(start, k)),
        );
        start = k;
        rows = 0;
      }
      rows += nextRows;
    }
  }
  return runs.sort((a, b) => a.requestIndices[0]! - b.requestIndices[0]!);
}

function loneRun(signature: Signature, request: MergeableRequest, index: number): PlannedRun {
  const outputNames = request.outputNames
    ? [...request.outputNames]
    : signature.outputs.map((output) => output.name);
  const rows = requestRows(request);
  return {
    requestIndices: [index],
    inputs: [...request.inputs],
    outputNames,
    rowOffsets: [0, rows],
    rows,
    merged: false,
    split: (outputs) => [pick(outputs, outputNames)],
  };
}

function mergedRun(
  signature: Signature,
  requests: readonly MergeableRequest[],
  indices: number[],
  ordered: HeldTensor[][],
): PlannedRun {
  const rowOffsets = [0];
  for (const tensors of ordered) rowOffsets.push(rowOffsets[rowOffsets.length - 1]! + tensors[0]!.shape[0]!);
  const rows = rowOffsets[rowOffsets.length - 1]!;
  const inputs = signature.inputs.map((_, i) =>
    concatRows(
      ordered.map((tensors) => tensors[i]!),
      rows,
    ),
  );
  const asked = new Set<string>();
  const wanted = indices.map(
    (index) => requests[index]!.outputNames ?? signature.outputs.map((output) => output.name),
  );
  for (const names of wanted) for (const name of names) asked.add(name);
  const outputNames = signature.outputs.map((output) => output.name).filter((name) => asked.has(name));
  return {
    requestIndices: indices,
    inputs,
    outputNames,
    rowOffsets,
    rows,
    merged: true,
    split(outputs) {
      for (const output of outputs) {
        if (output.shape[0] !== rows)
          throw new Error(
            `output '${output.name}' has ${output.shape[0] ?? "no"} rows, the merged run had ${rows}`,
          );
      }
      return wanted.map((names, k) => {
        const start = rowOffsets[k]!;
        const end = rowOffsets[k + 1]!;
        return pick(outputs, names).map((output) => cutRows(output, start, end));
      });
    },
  };
}

/** The request's tensors in signature order when it can join a merged run, else null. */
function mergeableInputs(signature: Signature, request: MergeableRequest): HeldTensor[] | null {
  if (request.inputs.length !== signature.inputs.length) return null;
  if (
    request.outputNames &&
    !request.outputNames.every((name) => signature.outputs.some((output) => output.name === name))
  )
    return null;
  const ordered: HeldTensor[] = [];
  let rows = -1;
  for (const spec of signature.inputs) {
    const tensor = request.inputs.find((candidate) => candidate.name === spec.name);
    if (!tensor || tensor.datatype !== V2_DATATYPE_BY_ELEMENT_TYPE[spec.elementType]) return null;
    if (tensor.shape.length !== spec.shape.length) return null;
    if (!spec.shape.every((dim, d) => isDynamicDimension(dim) || dim === tensor.shape[d])) return null;
    if (tensor.data.length !== elementCount(tensor.shape)) return null;
    if (rows === -1) rows = tensor.shape[0]!;
    else if (tensor.shape[0] !== rows) return null;
    ordered.push(tensor);
  }
  // Zero rows run alone, so the answer is onnxruntime's own for an empty batch, whatever the
  // model makes of one, rather than an empty cut of the others' outputs; it costs one small run.
  return rows === 0 ? null : ordered;
}

/** One preallocated array per input, filled by index: no intermediate arrays, no closures per value. */
function concatRows(parts: HeldTensor[], rows: number): HeldTensor {
  const first = parts[0]!;
  const rowSize = elementCount(first.shape.slice(1));
  const data: unknown[] = new Array(rows * rowSize);
  let at = 0;
  for (const part of parts) {
    const source = part.data;
    for (let i = 0; i < source.length; i++) data[at++] = source[i];
  }
  return {
    name: first.name,
    datatype: first.datatype,
    shape: [rows, ...first.shape.slice(1)],
    data: data as WireTensor["data"],
  };
}

function cutRows<D extends ArrayLike<unknown>>(
  output: FlatTensor<D>,
  start: number,
  end: number,
): FlatTensor<D> {
  const rowSize = elementCount(output.shape.slice(1));
  const data = output.data as unknown as {
    subarray?: (a: number, b: number) => D;
    slice: (a: number, b: number) => D;
  };
  const cut =
    ArrayBuffer.isView(output.data) && data.subarray
      ? data.subarray(start * rowSize, end * rowSize)
      : data.slice(start * rowSize, end * rowSize);
  return {
    name: output.name,
    datatype: output.datatype,
    shape: [end - start, ...output.shape.slice(1)],
    data: cut,
  };
}

function pick<D extends ArrayLike<unknown>>(
  outputs: FlatTensor<D>[],
  names: readonly string[],
): FlatTensor<D>[] {
  return names.map((name) => {
    const output = outputs.find((candidate) => candidate.name === name);
    if (!output) throw new Error(`the run returned no output '${name}'`);
    return output;
  });
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}
