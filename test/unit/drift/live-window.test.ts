import { describe, expect, it } from "vitest";
import { LiveWindow } from "@/server/domain/drift/live-window";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import type { WireTensor } from "@/server/domain/inference/datatypes";

const features: Feature[] = [
  { name: "amount", dtype: "float", min: 0, max: 100 },
  { name: "channel", dtype: "category", categories: ["web", "pos"] },
  { name: "weekend", dtype: "bool" },
];
const fp32 = (name: string, shape: number[], data: number[]): WireTensor => ({
  name,
  datatype: "FP32",
  shape,
  data,
});

describe("live window", () => {
  it("reads rows across inputs in signature order, categories by index and booleans as 0/1", () => {
    const window = new LiveWindow(features, ["a", "b"]);
    // The request lists its inputs in another order than the signature.
    window.addSample([fp32("b", [2, 2], [1, 0, 0, 1]), fp32("a", [2, 1], [50, 150])]);
    expect(window.rowCount).toBe(2);
    const [amount, channel, weekend] = window.liveValues();
    expect(amount).toEqual({ kind: "numeric", sorted: Float64Array.from([50, 150]), missingCount: 0 });
    expect(channel).toEqual({
      kind: "categorical",
      counts: new Map([
        ["pos", 1],
        ["web", 1],
      ]),
      missingCount: 0,
    });
    expect(weekend).toEqual({
      kind: "categorical",
      counts: new Map([
        ["false", 1],
        ["true", 1],
      ]),
      missingCount: 0,
    });
    expect(window.quality()[0]).toEqual({
      name: "amount",
      rowCount: 2,
      missingShare: 0,
      outOfRangeShare: 0.5,
      unseenShare: 0,
    });
  });

  it("reads one-hot encoded categories, and counts missing and unseen values", () => {
    const window = new LiveWindow(features, ["x"]);
    // amount, channel one-hot (web, pos), weekend: width 4.
    window.addSample([fp32("x", [3, 4], [1, 0, 1, 0, Number.NaN, 0, 0, 1, 2, 1, 0, 7])]);
    const [amount, channel, weekend] = window.liveValues();
    expect(amount).toMatchObject({ missingCount: 1 });
    expect(channel).toEqual({
      kind: "categorical",
      counts: new Map([
        ["pos", 1],
        ["web", 1],
      ]),
      missingCount: 1,
    });
    expect(weekend).toMatchObject({
      counts: new Map([
        ["false", 1],
        ["true", 1],
        ["(value 7)", 1],
      ]),
    });
    expect(window.quality()[2]).toMatchObject({ unseenShare: 1 / 3 });
  });

  it("counts samples it cannot read instead of misreading them", () => {
    const window = new LiveWindow(features, ["x"]);
    window.addSample([fp32("x", [1, 5], [1, 2, 3, 4, 5])]);
    window.addSample([fp32("other", [1, 3], [1, 0, 1])]);
    expect(window).toMatchObject({ rowCount: 0, unreadableSampleCount: 2 });
  });
});
