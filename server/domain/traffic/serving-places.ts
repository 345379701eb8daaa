import type { RevisionTarget, VersionRef } from "@/server/domain/traffic/revision-target";

/** Where a version serves: a deployment's share of traffic, or a shadow that gets copies. */
export interface ServingPlace<Environment extends string = string> {
  deploymentName: string;
  environment: Environment;
  /** Its weight in the active revision; 0 for a shadow. */
  weightPercent: number;
  shadow: boolean;
}

/**
 * For each version number, the deployments whose active revision serves it, by weight (largest
 * first) then name; versions that take no traffic and shadow nothing are absent.
 */
export function servingPlacesByVersion<Environment extends string>(
  deployments: readonly { name: string; environment: Environment; target: RevisionTarget }[],
): Map<number, ServingPlace<Environment>[]> {
  const places = new Map<number, ServingPlace<Environment>[]>();
  const add = (versionNumber: number, place: ServingPlace<Environment>) =>
    places.set(versionNumber, [...(places.get(versionNumber) ?? []), place]);
  for (const { name, environment, target } of deployments) {
    for (const entry of target.weights)
      if (entry.weight > 0)
        add(entry.versionNumber, {
          deploymentName: name,
          environment,
          weightPercent: entry.weight,
          shadow: false,
        });
    for (const entry of target.shadows)
      add(entry.versionNumber, { deploymentName: name, environment, weightPercent: 0, shadow: true });
  }
  for (const list of places.values())
    list.sort(
      (a, b) => b.weightPercent - a.weightPercent || a.deploymentName.localeCompare(b.deploymentName),
    );
  return places;
}

/**
 * The versions a revision runs: those with a weight above 0, then the shadows (a version at 0
 * takes no traffic, so loading it would only hold memory).
 */
export function servedVersions(target: RevisionTarget): VersionRef[] {
  return [...target.weights.filter((entry) => entry.weight > 0), ...target.shadows].map(
    ({ versionId, versionNumber }) => ({ versionId, versionNumber }),
  );
}
