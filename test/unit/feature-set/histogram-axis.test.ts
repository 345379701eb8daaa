import { describe, expect, it } from "vitest";
import { densitySteps, histogramAxis, histogramScaleOf } from "@/server/domain/feature-set/histogram-axis";

const distribution = (min: number, p50: number, max: number) => ({ min, max, quantiles: { p50 } });

describe("histogram axis", () => {
  it("puts heavy-tailed features on a log axis and the rest on a linear one", () => {
    expect(histogramScaleOf(distribution(1.7, 42, 2_121))).toBe("log"); // amounts
    expect(histogramScaleOf(distribution(0, 0, 20))).toBe("log"); // failed logins: mostly zero
    expect(histogramScaleOf(distribution(0, 14, 23))).toBe("linear"); // hour of day
    expect(histogramScaleOf(distribution(0.076, 0.82, 0.998))).toBe("linear"); // a score
    expect(histogramScaleOf(distribution(5, 5, 5))).toBe("linear");
  });

  it("maps values to log10(x - min + 1) with decade ticks, and back", () => {
    const axis = histogramAxis("log", 0, 2_000);
    expect(axis.toAxis(0)).toBe(0);
    expect(axis.toAxis(99)).toBeCloseTo(2);
    expect(axis.fromAxis(axis.toAxis(1_234))).toBeCloseTo(1_234);
    expect(axis.ticks!.map((tick) => Math.round(axis.fromAxis(tick)))).toEqual([0, 1, 10, 100, 1_000]);
    expect(histogramAxis("linear", 0, 10).ticks).toBeUndefined();
  });

  it("gives each bin an area equal to its share of rows on either axis", () => {
    const edges = [0, 1, 10, 100];
    const counts = [50, 30, 20];
    for (const scale of ["linear", "log"] as const) {
      const axis = histogramAxis(scale, 0, 100);
      const steps = densitySteps(edges, counts, axis);
      const areas = steps.map(
        (step, index) => step.density * (axis.toAxis(edges[index + 1]!) - step.position),
      );
      expect(areas.map((area) => Number(area.toFixed(6)))).toEqual([0.5, 0.3, 0.2]);
    }
  });
});
