import { describe, expect, it } from "vitest";
import { DEFAULT_DRIFT_SETTINGS } from "@/server/domain/drift/drift-settings";
import { canBeOutputReference, outputDrift } from "@/server/domain/drift/output-drift";
import { OutputWindow } from "@/server/domain/drift/output-window";
import type { LoggedOutput } from "@/server/domain/drift/output-columns";
import { createPrng } from "@/server/domain/prng";

const settings = { ...DEFAULT_DRIFT_SETTINGS, minSampleCount: 200 };

/** A window of `rows` fraud-like outputs: a probability around `mean`, a label at 0.5. */
function windowOf(seed: number, rows: number, mean: number): OutputWindow {
  const prng = createPrng(seed);
  const window = new OutputWindow();
  for (let start = 0; start < rows; start += 50) {
    const probability = Array.from({ length: 50 }, () => Math.min(1, Math.max(0, prng.normal(mean, 0.1))));
    const outputs: LoggedOutput[] = [
      { name: "probability", datatype: "FP32", shape: [50, 1], data: probability },
      { name: "label", datatype: "INT64", shape: [50], data: probability.map((p) => Number(p >= 0.5)) },
    ];
    window.addSample(outputs);
  }
  return window;
}

describe("output reference", () => {
  it("is a window with as many rows as a window needs to be judged", () => {
    expect(canBeOutputReference(windowOf(1, 150, 0.3), settings)).toBe(false);
    expect(canBeOutputReference(windowOf(1, 200, 0.3), settings)).toBe(true);
  });

  it("keeps each column as a feature baseline: a numeric one with its values, a label with its counts", () => {
    const [probability, label] = windowOf(1, 400, 0.3).reference();
    expect(probability).toMatchObject({ kind: "numeric", name: "probability", count: 400, missingCount: 0 });
    expect(probability!.kind === "numeric" && probability!.distribution!.referenceSample).toHaveLength(400);
    expect(probability!.kind === "numeric" && probability!.distribution!.binCounts).toHaveLength(10);
    expect(label).toMatchObject({ kind: "categorical", name: "label", count: 400 });
    const frequencies = label!.kind === "categorical" ? label!.frequencies : [];
    expect(frequencies.map((frequency) => frequency.category)).toEqual(["0", "1"]);
    expect(frequencies.reduce((sum, frequency) => sum + frequency.count, 0)).toBe(400);
  });
});

describe("output drift", () => {
  const reference = windowOf(1, 400, 0.3).reference();

  it("judges a window like the reference ok, by KS and chi-square on a reference of 400", () => {
    const [probability, label] = outputDrift(reference, windowOf(2, 400, 0.3), settings);
    expect(probability).toMatchObject({ name: "probability", method: "ks", status: "ok", sampleCount: 400 });
    expect(probability!.quality).toEqual({
      rowCount: 400,
      missingShare: 0,
      outOfRangeShare: 0,
      unseenShare: 0,
    });
    expect(label).toMatchObject({ name: "label", method: "chisquare", status: "ok" });
  });

  it("finds a moved probability drifting, and the labels with it", () => {
    const [probability, label] = outputDrift(reference, windowOf(3, 400, 0.45), settings);
    expect(probability).toMatchObject({ status: "drift" });
    expect(probability!.score).toBeLessThan(0.05);
    expect(label).toMatchObject({ status: "drift" });
  });

  it("reports a reference column the window lacks, or holds as another kind, unjudged", () => {
    const window = new OutputWindow();
    window.addSample([{ name: "label", datatype: "FP32", shape: [1], data: [0.5] }]);
    const [probability, label] = outputDrift(reference, window, settings);
    expect(probability).toMatchObject({ status: null, sampleCount: 0 });
    expect(probability!.note).toContain("fewer than the 200 needed");
    expect(label).toMatchObject({
      status: null,
      note: "the output is numeric in this window, categorical in the reference",
    });
  });

  it("counts labels the reference window never had as unseen", () => {
    const window = windowOf(2, 400, 0.3);
    window.addSample([{ name: "label", datatype: "INT64", shape: [100], data: Array<number>(100).fill(7) }]);
    const label = outputDrift(reference, window, settings)[1]!;
    expect(label.quality.unseenShare).toBeCloseTo(100 / 500, 10);
    expect(label.status).toBe("drift");
  });
});
