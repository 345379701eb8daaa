import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { fixedBatchOneModel, multiOutputModel } from "@/test/fixtures/odd-models";
import { SessionRunner, SessionRunnerClosedError } from "@/workers/runtime/session-runner";

let dir: string;
const file = async (name: string, bytes: Uint8Array) => {
  const target = path.join(dir, name);
  await writeFile(target, bytes);
  return target;
};
const x = (rows: number[][]): WireTensor => ({
  name: "x",
  datatype: "FP32",
  shape: [rows.length, rows[0]!.length],
  data: rows.flat(),
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "session-runner-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("SessionRunner", () => {
  it("reads the signature in its thread and merges calls that queue while a run is in flight", async () => {
    const runner = await SessionRunner.start({
      modelPath: await file("multi.onnx", multiOutputModel()),
      device: "cpu",
    });
    expect(runner.signature.outputs.map((output) => [output.name, output.shape])).toEqual([
      ["total", ["batch"]],
      ["argmax", ["batch"]],
    ]);
    // Called in one tick: the first goes at once (idle runner), the other four wait and share one run.
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((k) => runner.run([{ requestId: `r${k}`, inputs: [x([[k, 0, 1]])] }])),
    );
    expect(outcomes.map((outcome) => outcome.batchRows)).toEqual([1, 4, 4, 4, 4]);
    // Two session runs: each charged to the first call in it only, so counted once.
    expect(outcomes.map((outcome) => outcome.sessionRuns.map((run) => run.rows))).toEqual([
      [1],
      [4],
      [],
      [],
      [],
    ]);
    expect(outcomes.flatMap((outcome) => outcome.sessionRuns).every((run) => run.computeUs > 0)).toBe(true);
    expect(
      outcomes.map(
        (outcome) => outcome.results[0]!.ok && outcome.results[0]!.outputs.map((output) => output.data[0]),
      ),
    ).toEqual([
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 0],
      [6, 0],
    ]);
    await runner.close();
  });

  it("runs a fixed-batch model request by request", async () => {
    const runner = await SessionRunner.start({
      modelPath: await file("fixed.onnx", fixedBatchOneModel()),
      device: "cpu",
    });
    const outcome = await runner.run(
      [1, 2, 3].map((k) => ({ requestId: `r${k}`, inputs: [x([[k, 0, 0, 0]])] })),
    );
    expect(outcome.results.map((result) => result.ok && result.outputs[0]!.data)).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    expect(outcome.batchRows).toBe(1);
    expect(outcome.sessionRuns.map((run) => run.rows)).toEqual([1, 1, 1]);
    await runner.close();
  });

  it("finishes queued runs before closing, and refuses runs once closed", async () => {
    const runner = await SessionRunner.start({
      modelPath: await file("multi2.onnx", multiOutputModel()),
      device: "cpu",
    });
    const pending = [
      runner.run([{ requestId: "a", inputs: [x([[1, 1, 1]])] }]),
      runner.run([{ requestId: "b", inputs: [x([[2, 2, 2]])] }]),
    ];
    const closed = runner.close();
    expect((await Promise.all(pending)).map((outcome) => outcome.results[0]!.ok)).toEqual([true, true]);
    await closed;
    expect(runner.closed).toBe(true);
    await expect(runner.run([{ requestId: "c", inputs: [x([[1, 1, 1]])] }])).rejects.toBeInstanceOf(
      SessionRunnerClosedError,
    );
  });

  it("rejects with onnxruntime's reason when the model cannot be loaded", async () => {
    await expect(
      SessionRunner.start({
        modelPath: await file("garbage.onnx", new TextEncoder().encode("not a model")),
        device: "cpu",
      }),
    ).rejects.toThrow(/^onnxruntime could not load the model: /);
  });
});
