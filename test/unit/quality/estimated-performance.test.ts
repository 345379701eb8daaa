import { describe, expect, it } from "vitest";
import { estimatedAccuracy, estimatedRocAuc } from "@/server/domain/quality/estimated-performance";
import { rocAuc } from "@/server/domain/evaluation/classification-metrics";
import { createPrng } from "@/server/domain/prng";

describe("confidence-based performance estimation", () => {
  it("expects the accuracy a calibrated model's probabilities promise", () => {
    // Right with probability 0.9, 0.8, 0.7 (1 - 0.3) and 0.9 (1 - 0.1).
    expect(estimatedAccuracy([0.9, 0.8, 0.3, 0.1])).toBeCloseTo(0.825, 12);
    expect(estimatedAccuracy([])).toBeNaN();
  });

  it("gives the expected AUC by enumerating every labelling of a small window", () => {
    const probabilities = [0.9, 0.6, 0.6, 0.2];
    // E[concordant] / E[pairs] over the 2^4 labellings, each weighted by its probability.
    let concordant = 0;
    let pairs = 0;
    for (let mask = 0; mask < 16; mask++) {
      const labels = probabilities.map((_, i) => (mask >> i) & 1);
      const weight = labels.reduce(
        (w, label, i) => w * (label ? probabilities[i]! : 1 - probabilities[i]!),
        1,
      );
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          if (i === j || labels[i] !== 1 || labels[j] !== 0) continue;
          pairs += weight;
          const [a, b] = [probabilities[i]!, probabilities[j]!];
          concordant += weight * (a > b ? 1 : a === b ? 0.5 : 0);
        }
    }
    expect(estimatedRocAuc(probabilities)).toBeCloseTo(concordant / pairs, 12);
  });

  it("comes close to the realized AUC when labels are drawn from calibrated probabilities", () => {
    const prng = createPrng(7);
    const probabilities = Array.from({ length: 20_000 }, () => prng.next() ** 2);
    const labels = probabilities.map((p) => Number(prng.bernoulli(p)));
    expect(estimatedRocAuc(probabilities)).toBeCloseTo(rocAuc(probabilities, labels), 2);
    expect(estimatedRocAuc([0.5])).toBeNaN();
  });
});
