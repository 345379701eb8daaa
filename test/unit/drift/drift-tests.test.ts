import { describe, expect, it } from "vitest";
import {
  chiSquare,
  jensenShannonDistance,
  kolmogorovSmirnov,
  normedWassersteinDistance,
  populationStabilityIndex,
  wassersteinDistance,
} from "@/server/domain/drift/drift-tests";
import {
  chiSquareSurvival,
  kolmogorovSurvival,
  logGamma,
  upperRegularizedGamma,
} from "@/server/domain/drift/special-functions";

// Every expected value below was computed independently of this code, with scipy 1.10.1 and
// numpy 1.24 (Debian bookworm's python3-scipy), by test/fixtures/drift/reference-values.py:
// `/usr/bin/python3 test/fixtures/drift/reference-values.py` prints each one under the name
// quoted beside it here.

const wave = (count: number, frequency: number, phase: number, scale: number, shift: number, slope: number) =>
  Array.from({ length: count }, (_, i) => Math.sin(i * frequency + phase) * scale + shift + i * slope);
const sorted = (values: number[]) => Float64Array.from(values).sort();

const reference = sorted(wave(200, 1.3, 0, 2, 0, 0.01));
const current = sorted(wave(150, 0.7, 1, 2.2, 0.3, 0.012));
const tiedReference = sorted(Array.from({ length: 100 }, (_, i) => i % 7));
const tiedCurrent = sorted(Array.from({ length: 80 }, (_, i) => (i * 3) % 9));

describe("special functions", () => {
  it("match scipy's gammaln, gammaincc, chi2.sf and kstwobign.sf", () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247, 12); // gammaln(0.5)
    expect(logGamma(10.3)).toBeCloseTo(13.482036786138359, 11); // gammaln(10.3)
    expect(logGamma(171.2)).toBeCloseTo(707.60092684767, 9); // gammaln(171.2)
    expect(upperRegularizedGamma(2.5, 3.7)).toBeCloseTo(0.1925504330793957, 13); // gammaincc(2.5, 3.7)
    expect(upperRegularizedGamma(0.5, 0.1)).toBeCloseTo(0.6547208460185768, 13); // gammaincc(0.5, 0.1)
    expect(chiSquareSurvival(12.3, 4)).toBeCloseTo(0.015254394655769615, 14); // chi2.sf(12.3, 4)
    expect(chiSquareSurvival(250, 200)).toBeCloseTo(0.009379131668826098, 14); // chi2.sf(250, 200)
    const kolmogorov: [number, number][] = [
      [0.2, 0.999999999999495],
      [0.5, 0.9639452436648751],
      [0.83, 0.4961909953505036],
      [1.2, 0.11224966667072497],
      [2.5, 7.453306344157342e-6],
    ];
    for (const [lambda, survival] of kolmogorov) expect(kolmogorovSurvival(lambda)).toBeCloseTo(survival, 13);
  });
});

describe("drift tests", () => {
  it("Kolmogorov-Smirnov gives scipy's statistic and asymptotic p-value, ties included", () => {
    const waves = kolmogorovSmirnov(reference, current); // ks waves
    expect(waves.statistic).toBeCloseTo(0.09666666666666666, 14);
    expect(waves.pValue).toBeCloseTo(0.3997278424676687, 12);
    const ties = kolmogorovSmirnov(tiedReference, tiedCurrent); // ks ties
    expect(ties.statistic).toBeCloseTo(0.1875, 14);
    expect(ties.pValue).toBeCloseTo(0.08786641394169108, 12);
    expect(kolmogorovSmirnov(reference, reference)).toEqual({ statistic: 0, pValue: 1 }); // ks same
  });

  it("Wasserstein distance and its normed form match scipy's over numpy's std", () => {
    expect(wassersteinDistance(reference, current)).toBeCloseTo(0.20047896251927844, 13); // wasserstein waves
    expect(normedWassersteinDistance(reference, current)).toBeCloseTo(0.1316274169041539, 13);
    expect(wassersteinDistance(tiedReference, tiedCurrent)).toBeCloseTo(0.6525, 13); // wasserstein ties
    // A constant reference is normed by Evidently's floor of 0.001, not divided by zero.
    const constant = sorted([...Array(10).fill(3)]);
    const nudged = sorted([...Array(5).fill(3), ...Array(5).fill(3.01)]);
    expect(normedWassersteinDistance(constant, nudged)).toBeCloseTo(4.999999999999893, 9);
  });

  it("chi-square matches scipy's chi2_contingency, skips categories neither side has, and takes a new one as a count", () => {
    const three = chiSquare([50, 30, 20], [40, 45, 15]); // chisquare 3
    expect(three.statistic).toBeCloseTo(4.825396825396825, 12);
    expect(three.pValue).toBeCloseTo(0.08957326253887996, 14);
    expect(chiSquare([50, 30, 20, 0], [40, 45, 15, 0])).toEqual(three); // chisquare with unused
    const added = chiSquare([50, 30, 20, 0], [40, 45, 15, 1]); // chisquare with new
    expect(added.statistic).toBeCloseTo(5.820565770862802, 12);
    expect(added.pValue).toBeCloseTo(0.12067401977390337, 14);
    expect(chiSquare([500, 300, 20], [5000, 3000, 200])).toEqual({ statistic: 0, pValue: 1 }); // same shares
    expect(chiSquare([10], [20])).toEqual({ statistic: 0, pValue: 1 });
  });

  it("Jensen-Shannon distance matches scipy's jensenshannon (natural log) on counts", () => {
    expect(jensenShannonDistance([50, 30, 20, 0], [40, 45, 10, 5])).toBeCloseTo(0.19015249332695247, 14);
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBe(0); // jensenshannon same
  });

  it("PSI matches numpy with Evidently's 0.0001 share for empty bins", () => {
    expect(populationStabilityIndex([10, 20, 30, 40], [15, 25, 25, 35])).toBeCloseTo(0.04722308044204256, 14);
    expect(populationStabilityIndex([10, 0, 30, 60], [10, 5, 25, 60])).toBeCloseTo(0.319225021950965, 13);
  });

  it("refuses empty sides with a sentence instead of returning NaN", () => {
    expect(() => kolmogorovSmirnov(new Float64Array(), current)).toThrow("needs values on both sides");
    expect(() => chiSquare([0, 0], [1, 2])).toThrow("needs counts on both sides");
  });
});
