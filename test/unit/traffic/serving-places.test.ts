import { describe, expect, it } from "vitest";
import { servedVersions, servingPlacesByVersion } from "@/server/domain/traffic/serving-places";

const ref = (versionNumber: number) => ({ versionId: `id-${versionNumber}`, versionNumber });

describe("servingPlacesByVersion", () => {
  it("lists each version's deployments by share, shadows after, and leaves out versions that serve nowhere", () => {
    const places = servingPlacesByVersion([
      {
        name: "fraud-prod",
        environment: "production",
        target: {
          kind: "versions",
          weights: [
            { ...ref(1), weight: 90 },
            { ...ref(2), weight: 10 },
            { ...ref(4), weight: 0 },
          ],
          shadows: [ref(3)],
        },
      },
      {
        name: "fraud-staging",
        environment: "staging",
        target: { kind: "versions", weights: [{ ...ref(2), weight: 100 }], shadows: [] },
      },
    ]);
    expect(places.get(1)).toEqual([
      { deploymentName: "fraud-prod", environment: "production", weightPercent: 90, shadow: false },
    ]);
    expect(places.get(2)!.map((place) => [place.deploymentName, place.weightPercent])).toEqual([
      ["fraud-staging", 100],
      ["fraud-prod", 10],
    ]);
    expect(places.get(3)).toEqual([
      { deploymentName: "fraud-prod", environment: "production", weightPercent: 0, shadow: true },
    ]);
    expect(places.has(4)).toBe(false);
  });
});

describe("servedVersions", () => {
  it("lists the versions that take traffic, then the shadows, and leaves out a version at weight 0", () => {
    expect(
      servedVersions({
        kind: "versions",
        weights: [
          { ...ref(1), weight: 90 },
          { ...ref(4), weight: 0 },
          { ...ref(2), weight: 10 },
        ],
        shadows: [ref(3)],
      }),
    ).toEqual([ref(1), ref(2), ref(3)]);
  });
});
