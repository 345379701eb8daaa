import { nonFiniteValue, type WireTensor } from "@/server/domain/inference/datatypes";
import { parseRef, refsOf, STEP_RESULT, type Condition, type GraphStep, type TensorRef } from "./graph-spec";
import { ok, type Issue, type Result } from "./issues";
import type { GraphPlan } from "./plan-graph";

/** Runs one model version on its named inputs: the worker's session run, a fake in tests. */
export type RunVersion = (versionId: string, inputs: WireTensor[]) => Promise<WireTensor[]>;

/** A tensor and the records its rows belong to (null: every record, in order). */
type Slot = { tensor: WireTensor; rows: number[] | null };
type Read = Slot | "skipped" | Issue;

/**
 * Runs a planned graph on a request's tensors: stage by stage, the steps of a stage at the same
 * time. A gated model runs on the records its condition selects, and not at all when it selects
 * none. Problems with the request or with what a version returned (a missing output, a wrong batch
 * size) come back as issues naming the step; an error thrown by `run` is not caught.
 */
export async function executeGraph(
  plan: GraphPlan,
  request: readonly WireTensor[],
  run: RunVersion,
): Promise<Result<WireTensor[]>> {
  const slots = new Map<TensorRef, Slot>();
  const skipped = new Set<string>();
  const count = request[0]?.shape[0] ?? 0;
  for (const input of plan.inputs) {
    const tensor = request.find((candidate) => candidate.name === input.name);
    if (!tensor) return fail(`input '${input.name}'`, "the request has no such tensor");
    if (tensor.shape[0] !== count)
      return fail(
        `input '${input.name}'`,
        `has ${tensor.shape[0]} records; '${request[0]!.name}' has ${count}`,
      );
    slots.set(`input.${input.name}`, { tensor, rows: null });
  }
  const read = (ref: TensorRef, where: string): Read => {
    const { step, name } = parseRef(ref);
    if (skipped.has(step)) return "skipped";
    return slots.get(ref) ?? { where, message: `step '${step}' returned no output '${name}'` };
  };

  for (const stage of plan.stages) {
    const results = await Promise.all(stage.map((step) => runStep(step, read, run, count)));
    for (const [k, result] of results.entries()) {
      const step = stage[k]!;
      if (result === "skipped") skipped.add(step.id);
      else if ("where" in result) return { ok: false, issues: [result] };
      else for (const [name, slot] of result) slots.set(`${step.id}.${name}`, slot);
    }
  }
  const outputs: WireTensor[] = [];
  for (const output of plan.outputs) {
    const slot = read(output.ref, `output '${output.name}'`);
    if (slot === "skipped") return fail(`output '${output.name}'`, `'${output.ref}' was not computed`);
    if ("where" in slot) return { ok: false, issues: [slot] };
    outputs.push({ ...slot.tensor, name: output.name });
  }
  return ok(outputs);
}

async function runStep(
  step: GraphStep,
  read: (ref: TensorRef, where: string) => Read,
  run: RunVersion,
  count: number,
): Promise<Map<string, Slot> | "skipped" | Issue> {
  const where = `step '${step.id}'`;
  const reads = new Map<TensorRef, Slot>();
  for (const ref of new Set(refsOf(step))) {
    const slot = read(ref, where);
    if (slot === "skipped") {
      // Only a choose step's `then` may be skipped: no record chose it.
      if (step.kind === "choose" && ref === step.then) continue;
      return "skipped";
    }
    if ("where" in slot) return slot;
    reads.set(ref, slot);
  }
  const slotOf = (ref: TensorRef) => reads.get(ref)!;

  if (step.kind === "model") {
    const rows = step.when ? selectedRows(slotOf(step.when.ref), step.when) : null;
    if (rows !== null && rows.length === 0) return "skipped";
    const inputs = Object.entries(step.inputs).map(([name, ref]) => {
      const slot = slotOf(ref);
      // An ungated tensor is cut down to the gated records; a gated one already has only them.
      const tensor = rows !== null && slot.rows === null ? takeRows(slot.tensor, rows) : slot.tensor;
      return { ...tensor, name };
    });
    const outputs = await run(step.versionId, inputs);
    const expected = rows?.length ?? count;
    const wrong = outputs.find((tensor) => tensor.shape[0] !== expected);
    if (wrong)
      return { where, message: `output '${wrong.name}' has ${wrong.shape[0]} records, not ${expected}` };
    return new Map(outputs.map((tensor) => [tensor.name, { tensor, rows }]));
  }

  if (step.kind === "combine") {
    const slots = step.from.map(slotOf);
    const [first] = slots;
    const mismatch = slots.find((slot) => slot.tensor.shape.join() !== first!.tensor.shape.join());
    if (mismatch)
      return { where, message: `tensors of shapes [${first!.tensor.shape}] and [${mismatch.tensor.shape}]` };
    const columns = slots.map((slot) => slot.tensor.data as unknown[]);
    const data = first!.tensor.data.map((_, e) =>
      combine(
        step,
        columns.map((column) => column[e]),
      ),
    );
    const tensor = { ...first!.tensor, name: STEP_RESULT, data } as WireTensor;
    return new Map([[STEP_RESULT, { tensor, rows: first!.rows }]]);
  }

  const chosen = selectedRows(slotOf(step.when.ref), step.when);
  const otherwise = slotOf(step.else).tensor;
  const then = reads.get(step.then);
  const size = rowSize(otherwise);
  if (then && chosen.length > 0 && rowSize(then.tensor) !== size)
    return {
      where,
      message: `'${step.then}' and '${step.else}' have rows of ${rowSize(then.tensor)} and ${size} values`,
    };
  const positionOf = new Map((then?.rows ?? []).map((record, position) => [record, position]));
  const isChosen = new Set(chosen);
  const source = (otherwise.data as unknown[]).slice();
  for (const record of isChosen) {
    const position = then!.rows === null ? record : positionOf.get(record);
    if (position === undefined) return { where, message: `'${step.then}' has no row for record ${record}` };
    const row = (then!.tensor.data as unknown[]).slice(position * size, (position + 1) * size);
    source.splice(record * size, size, ...row);
  }
  const tensor = { ...otherwise, name: STEP_RESULT, data: source } as WireTensor;
  return new Map([[STEP_RESULT, { tensor, rows: null }]]);
}

/** The records (in order) whose one value lies in the condition's bounds; NaN lies in none. */
function selectedRows(slot: Slot, condition: Condition): number[] {
  const rows: number[] = [];
  (slot.tensor.data as unknown[]).forEach((raw, row) => {
    const value = toNumber(raw);
    if (value >= (condition.min ?? -Infinity) && value <= (condition.max ?? Infinity))
      rows.push(slot.rows?.[row] ?? row);
  });
  return rows;
}

function combine(step: Extract<GraphStep, { kind: "combine" }>, raw: unknown[]): number | string | boolean {
  if (step.combiner === "majority_vote") {
    const counts = new Map<unknown, number>();
    for (const value of raw) counts.set(value, (counts.get(value) ?? 0) + 1);
    const most = Math.max(...counts.values());
    // Ties go to the value of the earliest tensor among the tied ones.
    return raw.find((value) => counts.get(value) === most) as number | string | boolean;
  }
  const values = raw.map(toNumber);
  if (step.combiner === "max") return Math.max(...values);
  const weights = step.weights ?? values.map(() => 1);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return values.reduce((sum, value, k) => sum + value * weights[k]!, 0) / total;
}

const toNumber = (raw: unknown): number => nonFiniteValue(raw) ?? Number(raw);

function rowSize(tensor: WireTensor): number {
  const records = tensor.shape[0] ?? 0;
  return records === 0
    ? tensor.shape.slice(1).reduce((product, dimension) => product * dimension, 1)
    : tensor.data.length / records;
}

function takeRows(tensor: WireTensor, rows: number[]): WireTensor {
  const size = rowSize(tensor);
  const data = rows.flatMap((row) => (tensor.data as unknown[]).slice(row * size, (row + 1) * size));
  return { ...tensor, shape: [rows.length, ...tensor.shape.slice(1)], data } as WireTensor;
}

function fail(where: string, message: string): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ where, message }] };
}
