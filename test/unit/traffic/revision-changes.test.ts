import { describe, expect, it } from "vitest";
import {
  addShadowTarget,
  canaryTarget,
  describeChange,
  promoteTarget,
  removeShadowTarget,
  setWeightsTarget,
  splitLargestRemainder,
} from "@/server/domain/traffic/revision-changes";
import {
  type RevisionTarget,
  type VersionRef,
  ZRevisionTarget,
} from "@/server/domain/traffic/revision-target";
import { appErrorOf } from "../feature-set/app-error-of";

const v = (versionNumber: number): VersionRef => ({ versionId: `id-${versionNumber}`, versionNumber });
const target = (weights: [number, number][], shadows: number[] = []): RevisionTarget =>
  ZRevisionTarget.parse({
    kind: "versions",
    weights: weights.map(([number, weight]) => ({ ...v(number), weight })),
    shadows: shadows.map(v),
  });
/** "v2 90, v3 10 | shadows v4": a compact view for assertions. */
const show = (revision: RevisionTarget) =>
  `${revision.weights.map((entry) => `v${entry.versionNumber} ${entry.weight}`).join(", ")}` +
  (revision.shadows.length
    ? ` | shadows ${revision.shadows.map((shadow) => `v${shadow.versionNumber}`).join(", ")}`
    : "");

function badRequest(run: () => unknown): string {
  const error = appErrorOf(run);
  expect(error.code).toBe("BAD_REQUEST");
  return error.message;
}

describe("promoteTarget", () => {
  it("gives the version 100% and keeps other shadows", () => {
    const before = target(
      [
        [2, 90],
        [3, 10],
      ],
      [4],
    );
    const after = promoteTarget(before, v(3));
    expect(show(after)).toBe("v3 100 | shadows v4");
    expect(describeChange(before, after)).toBe("promote v3 to 100%");
  });

  it("stops a promoted shadow from shadowing", () => {
    const before = target([[2, 100]], [3, 4]);
    const after = promoteTarget(before, v(3));
    expect(show(after)).toBe("v3 100 | shadows v4");
    expect(describeChange(before, after)).toBe("promote v3 to 100%");
  });

  it("promotes a version the deployment has never served", () => {
    expect(show(promoteTarget(target([[2, 100]]), v(5)))).toBe("v5 100");
  });

  it("refuses a version that already takes all the traffic", () => {
    expect(badRequest(() => promoteTarget(target([[2, 100]]), v(2)))).toBe(
      "v2 already takes 100% of the traffic; nothing to promote",
    );
  });

  it("refuses a version id known under another number", () => {
    expect(badRequest(() => promoteTarget(target([[2, 100]]), { versionId: "id-2", versionNumber: 7 }))).toBe(
      "version id-2 is v2 in this deployment, not v7",
    );
  });
});

describe("canaryTarget", () => {
  it("starts a canary beside one stable version", () => {
    const before = target([[2, 100]]);
    const after = canaryTarget(before, v(3), 10);
    expect(show(after)).toBe("v2 90, v3 10");
    expect(describeChange(before, after)).toBe("v2 100% → 90%, v3 0% → 10%");
  });

  it("grows a canary and rescales the rest", () => {
    const before = target([
      [2, 90],
      [3, 10],
    ]);
    const after = canaryTarget(before, v(3), 20);
    expect(show(after)).toBe("v2 80, v3 20");
    expect(describeChange(before, after)).toBe("v2 90% → 80%, v3 10% → 20%");
  });

  it("splits the rest by largest remainder: 33/33/34 then a 10% canary", () => {
    const after = canaryTarget(
      target([
        [1, 33],
        [2, 33],
        [3, 34],
      ]),
      v(4),
      10,
    );
    // Exact shares 29.7, 29.7, 30.6: floors 29+29+30 = 88, the two .7 remainders take the last 2.
    expect(show(after)).toBe("v1 30, v2 30, v3 30, v4 10");
  });

  it("breaks equal remainders by larger weight, then by version id", () => {
    // Exact shares of 50 over 25/25/50: 12.5, 12.5, 25; one unit left for two equal remainders.
    expect(
      show(
        canaryTarget(
          target([
            [1, 25],
            [2, 25],
            [3, 50],
          ]),
          v(4),
          50,
        ),
      ),
    ).toBe("v1 13, v2 12, v3 25, v4 50");
    // 99/1 with a 50% canary: 49.5 and 0.5 tie, the larger weight wins, v2 rounds to 0 and leaves.
    const before = target([
      [1, 99],
      [2, 1],
    ]);
    const after = canaryTarget(before, v(3), 50);
    expect(show(after)).toBe("v1 50, v3 50");
    expect(describeChange(before, after)).toBe("v1 99% → 50%, v2 1% → 0%, v3 0% → 50%");
  });

  it("never raises another version's weight while the canary grows", () => {
    let current = target([
      [1, 17],
      [2, 29],
      [3, 54],
    ]);
    for (const weight of [1, 2, 5, 10, 25, 50, 75, 99]) {
      const next = canaryTarget(current, v(9), weight);
      for (const entry of next.weights) {
        if (entry.versionNumber === 9) continue;
        const previous = current.weights.find((other) => other.versionId === entry.versionId)?.weight ?? 0;
        expect(entry.weight).toBeLessThanOrEqual(previous);
      }
      expect(next.weights.reduce((sum, entry) => sum + entry.weight, 0)).toBe(100);
      current = next;
    }
  });

  it("lowers a canary and gives the rest back in proportion", () => {
    expect(
      show(
        canaryTarget(
          target([
            [1, 60],
            [2, 20],
            [3, 20],
          ]),
          v(3),
          5,
        ),
      ),
    ).toBe("v1 71, v2 24, v3 5");
  });

  it("turns a shadow into the canary", () => {
    const before = target([[2, 100]], [3, 4]);
    const after = canaryTarget(before, v(3), 5);
    expect(show(after)).toBe("v2 95, v3 5 | shadows v4");
    expect(describeChange(before, after)).toBe("v2 100% → 95%, v3 shadow → 5%");
  });

  it("refuses weights outside 1..99 and fractions", () => {
    const before = target([[2, 100]]);
    for (const weight of [0, 100, -5, 12.5]) {
      expect(badRequest(() => canaryTarget(before, v(3), weight))).toBe(
        `the canary weight must be a whole percentage from 1 to 99, not ${weight}`,
      );
    }
    // An empty field in the console.
    expect(badRequest(() => canaryTarget(before, v(3), Number.NaN))).toBe(
      "the canary weight must be a whole percentage from 1 to 99",
    );
  });

  it("refuses a canary of the only serving version", () => {
    expect(badRequest(() => canaryTarget(target([[2, 100]]), v(2), 10))).toBe(
      "v2 takes all the traffic, so no other version is left to keep the other 90%; canary a new version instead",
    );
  });

  it("refuses a step that changes nothing", () => {
    expect(
      badRequest(() =>
        canaryTarget(
          target([
            [2, 90],
            [3, 10],
          ]),
          v(3),
          10,
        ),
      ),
    ).toBe("v3 already takes 10% of the traffic; nothing to change");
  });
});

describe("setWeightsTarget", () => {
  it("sets explicit weights, drops 0% entries and sorts by version number", () => {
    const before = target([
      [1, 50],
      [2, 50],
    ]);
    const after = setWeightsTarget(before, [
      { version: v(3), weight: 70 },
      { version: v(1), weight: 0 },
      { version: v(2), weight: 30 },
    ]);
    expect(show(after)).toBe("v2 30, v3 70");
    expect(describeChange(before, after)).toBe("v1 50% → 0%, v2 50% → 30%, v3 0% → 70%");
  });

  it("removes shadows that now take traffic and keeps the others", () => {
    const before = target([[1, 100]], [2, 3]);
    const after = setWeightsTarget(before, [
      { version: v(1), weight: 80 },
      { version: v(2), weight: 20 },
    ]);
    expect(show(after)).toBe("v1 80, v2 20 | shadows v3");
  });

  it("refuses sums other than 100, naming the weights", () => {
    expect(
      badRequest(() =>
        setWeightsTarget(target([[1, 100]]), [
          { version: v(1), weight: 80 },
          { version: v(2), weight: 15 },
        ]),
      ),
    ).toBe("weights must sum to 100%, but v1 80%, v2 15% sum to 95%");
  });

  it("refuses duplicates, fractions, out-of-range weights and an empty list", () => {
    const before = target([[1, 100]]);
    expect(
      badRequest(() =>
        setWeightsTarget(before, [
          { version: v(1), weight: 50 },
          { version: v(1), weight: 50 },
        ]),
      ),
    ).toBe("v1 is given a weight twice");
    expect(
      badRequest(() =>
        setWeightsTarget(before, [
          { version: v(1), weight: 99.5 },
          { version: v(2), weight: 0.5 },
        ]),
      ),
    ).toBe("the weight of v1 must be a whole percentage from 0 to 100, not 99.5");
    expect(
      badRequest(() =>
        setWeightsTarget(before, [
          { version: v(1), weight: 120 },
          { version: v(2), weight: -20 },
        ]),
      ),
    ).toBe("the weight of v1 must be a whole percentage from 0 to 100, not 120");
    expect(badRequest(() => setWeightsTarget(before, []))).toBe("give a weight for at least one version");
  });

  it("refuses weights that are already in place", () => {
    expect(
      badRequest(() =>
        setWeightsTarget(
          target([
            [1, 60],
            [2, 40],
          ]),
          [
            { version: v(2), weight: 40 },
            { version: v(1), weight: 60 },
          ],
        ),
      ),
    ).toBe("the deployment already serves v1 60%, v2 40%; nothing to change");
  });
});

describe("shadows", () => {
  it("adds and removes a shadow", () => {
    const before = target([[1, 100]], [2]);
    const added = addShadowTarget(before, v(4));
    expect(show(added)).toBe("v1 100 | shadows v2, v4");
    expect(describeChange(before, added)).toBe("shadow v4");
    const removed = removeShadowTarget(added, "id-2");
    expect(show(removed)).toBe("v1 100 | shadows v4");
    expect(describeChange(added, removed)).toBe("stop shadowing v2");
  });

  it("refuses to shadow a version that takes traffic, or one that already shadows", () => {
    const before = target(
      [
        [1, 90],
        [2, 10],
      ],
      [3],
    );
    expect(badRequest(() => addShadowTarget(before, v(2)))).toBe(
      "v2 takes 10% of the traffic, so it cannot also shadow it",
    );
    expect(badRequest(() => addShadowTarget(before, v(3)))).toBe("v3 already shadows this deployment");
  });

  it("shadows a version listed at 0%, dropping its entry", () => {
    expect(
      show(
        addShadowTarget(
          target([
            [1, 100],
            [2, 0],
          ]),
          v(2),
        ),
      ),
    ).toBe("v1 100 | shadows v2");
  });

  it("refuses to remove what is not a shadow", () => {
    const before = target([[1, 100]], [3]);
    expect(badRequest(() => removeShadowTarget(before, "id-1"))).toBe(
      "v1 takes traffic, it is not a shadow (shadows: v3)",
    );
    expect(badRequest(() => removeShadowTarget(before, "id-9"))).toBe(
      "version id-9 does not shadow this deployment (shadows: v3)",
    );
    expect(badRequest(() => removeShadowTarget(target([[1, 100]]), "id-9"))).toBe(
      "version id-9 does not shadow this deployment (shadows: none)",
    );
  });
});

describe("describeChange", () => {
  it("lists weight moves and shadow changes together, by version number", () => {
    const before = target(
      [
        [3, 10],
        [2, 90],
      ],
      [4],
    );
    const after = target(
      [
        [2, 80],
        [3, 20],
      ],
      [5],
    );
    expect(describeChange(before, after)).toBe("v2 90% → 80%, v3 10% → 20%, stop shadowing v4, shadow v5");
  });

  it("says when nothing changed", () => {
    expect(describeChange(target([[1, 100]]), target([[1, 100]]))).toBe("no change");
  });
});

describe("splitLargestRemainder", () => {
  it("always sums to the total", () => {
    const entries = [7, 13, 29, 51].map((weight, index) => ({ ...v(index + 1), weight }));
    for (let total = 1; total <= 100; total += 1) {
      expect(splitLargestRemainder(entries, total).reduce((sum, entry) => sum + entry.weight, 0)).toBe(total);
    }
  });
});
