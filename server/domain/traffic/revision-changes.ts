import { AppError } from "@/server/domain/app-error";
import { canaryShareProblem } from "@/server/domain/traffic/canary-share";
import {
  type RevisionTarget,
  type VersionRef,
  type VersionWeight,
  ZRevisionTarget,
} from "@/server/domain/traffic/revision-target";
import { formatZodIssues } from "@/server/domain/zod-message";

/**
 * The traffic changes an operator asks for, each turning the active revision's target into the
 * next one. Versions are matched by versionId; versionNumber is only for messages. Outputs list
 * their weights by version number, drop 0% entries, and are parsed through ZRevisionTarget.
 * A request that would change nothing is refused, so the revision history holds only changes.
 */

export type WeightRequest = { version: VersionRef; weight: number };

/** `version` takes all the traffic; if it was a shadow it stops shadowing, other shadows stay. */
export function promoteTarget(current: RevisionTarget, version: VersionRef): RevisionTarget {
  checkSameNumber(current, version);
  const only = current.weights.filter((entry) => entry.weight > 0);
  if (only.length === 1 && only[0]!.versionId === version.versionId) {
    throw new AppError(
      "BAD_REQUEST",
      `v${version.versionNumber} already takes 100% of the traffic; nothing to promote`,
    );
  }
  return build([{ ...ref(version), weight: 100 }], withoutShadow(current.shadows, version.versionId));
}

/**
 * `version` takes `weightPercent` (1..99); the rest is split over the other versions that take
 * traffic in proportion to their current weights, rounded by largest remainder. None of them
 * gains weight, so sticky keys already on the canary stay on it as it grows (see route-request).
 */
export function canaryTarget(
  current: RevisionTarget,
  version: VersionRef,
  weightPercent: number,
): RevisionTarget {
  checkSameNumber(current, version);
  const shareProblem = canaryShareProblem(weightPercent);
  if (shareProblem !== null) throw new AppError("BAD_REQUEST", shareProblem);
  const others = current.weights.filter((entry) => entry.weight > 0 && entry.versionId !== version.versionId);
  if (others.length === 0) {
    throw new AppError(
      "BAD_REQUEST",
      `v${version.versionNumber} takes all the traffic, so no other version is left to keep the other ${100 - weightPercent}%; canary a new version instead`,
    );
  }
  if (weightOf(current, version.versionId) === weightPercent) {
    throw new AppError(
      "BAD_REQUEST",
      `v${version.versionNumber} already takes ${weightPercent}% of the traffic; nothing to change`,
    );
  }
  const rest = splitLargestRemainder(others, 100 - weightPercent);
  return build(
    [{ ...ref(version), weight: weightPercent }, ...rest],
    withoutShadow(current.shadows, version.versionId),
  );
}

/** Explicit weights summing to 100; 0% entries are dropped, shadows that now take traffic stop shadowing. */
export function setWeightsTarget(current: RevisionTarget, weights: WeightRequest[]): RevisionTarget {
  if (weights.length === 0) throw new AppError("BAD_REQUEST", "give a weight for at least one version");
  const seen = new Set<string>();
  for (const { version, weight } of weights) {
    checkSameNumber(current, version);
    if (seen.has(version.versionId))
      throw new AppError("BAD_REQUEST", `v${version.versionNumber} is given a weight twice`);
    seen.add(version.versionId);
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new AppError(
        "BAD_REQUEST",
        `the weight of v${version.versionNumber} must be a whole percentage from 0 to 100, not ${weight}`,
      );
    }
  }
  const total = weights.reduce((sum, entry) => sum + entry.weight, 0);
  if (total !== 100) {
    const listed = weights.map((entry) => `v${entry.version.versionNumber} ${entry.weight}%`).join(", ");
    throw new AppError("BAD_REQUEST", `weights must sum to 100%, but ${listed} sum to ${total}%`);
  }
  const next = weights
    .filter((entry) => entry.weight > 0)
    .map((entry) => ({ ...ref(entry.version), weight: entry.weight }));
  const shadows = current.shadows.filter(
    (shadow) => !next.some((entry) => entry.versionId === shadow.versionId),
  );
  if (sameWeights(current.weights, next) && shadows.length === current.shadows.length) {
    throw new AppError(
      "BAD_REQUEST",
      `the deployment already serves ${describeWeights(next)}; nothing to change`,
    );
  }
  return build(next, shadows);
}

/** `version` receives a copy of every request; its answers are compared, never returned. */
export function addShadowTarget(current: RevisionTarget, version: VersionRef): RevisionTarget {
  checkSameNumber(current, version);
  const weight = weightOf(current, version.versionId);
  if (weight !== null && weight > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `v${version.versionNumber} takes ${weight}% of the traffic, so it cannot also shadow it`,
    );
  }
  if (current.shadows.some((shadow) => shadow.versionId === version.versionId)) {
    throw new AppError("BAD_REQUEST", `v${version.versionNumber} already shadows this deployment`);
  }
  return build(
    current.weights.filter((entry) => entry.versionId !== version.versionId),
    [...current.shadows, ref(version)],
  );
}

export function removeShadowTarget(current: RevisionTarget, versionId: string): RevisionTarget {
  if (!current.shadows.some((shadow) => shadow.versionId === versionId)) {
    const serving = current.weights.find((entry) => entry.versionId === versionId);
    const shadowList =
      current.shadows.length === 0
        ? "none"
        : current.shadows.map((shadow) => `v${shadow.versionNumber}`).join(", ");
    throw new AppError(
      "BAD_REQUEST",
      serving
        ? `v${serving.versionNumber} takes traffic, it is not a shadow (shadows: ${shadowList})`
        : `version ${versionId} does not shadow this deployment (shadows: ${shadowList})`,
    );
  }
  return build(current.weights, withoutShadow(current.shadows, versionId));
}

/**
 * One line for the revision's reason: "promote v3 to 100%", "v2 90% → 80%, v3 10% → 20%",
 * "shadow v4", "stop shadowing v4"; a shadow that starts taking traffic reads "v4 shadow → 10%".
 */
export function describeChange(before: RevisionTarget, after: RevisionTarget): string {
  const afterServing = after.weights.filter((entry) => entry.weight > 0);
  const beforeServing = before.weights.filter((entry) => entry.weight > 0);
  const parts: string[] = [];
  const promoted = afterServing.length === 1 ? afterServing[0]! : null;
  const wasPromoted =
    promoted !== null && beforeServing.length === 1 && beforeServing[0]!.versionId === promoted.versionId;
  if (promoted && !wasPromoted) {
    parts.push(`promote v${promoted.versionNumber} to 100%`);
  } else {
    const refs = new Map<string, VersionRef>();
    for (const entry of [...before.weights, ...after.weights]) refs.set(entry.versionId, ref(entry));
    for (const version of sortByNumber([...refs.values()])) {
      const from = weightOf(before, version.versionId) ?? 0;
      const to = weightOf(after, version.versionId) ?? 0;
      if (from === to) continue;
      const wasShadow = from === 0 && before.shadows.some((shadow) => shadow.versionId === version.versionId);
      parts.push(`v${version.versionNumber} ${wasShadow ? "shadow" : `${from}%`} → ${to}%`);
    }
  }
  const servingAfter = new Set(afterServing.map((entry) => entry.versionId));
  for (const shadow of sortByNumber(before.shadows)) {
    const stays = after.shadows.some((other) => other.versionId === shadow.versionId);
    if (!stays && !servingAfter.has(shadow.versionId)) parts.push(`stop shadowing v${shadow.versionNumber}`);
  }
  for (const shadow of sortByNumber(after.shadows)) {
    if (!before.shadows.some((other) => other.versionId === shadow.versionId))
      parts.push(`shadow v${shadow.versionNumber}`);
  }
  return parts.length === 0 ? "no change" : parts.join(", ");
}

/**
 * Integer shares of `total` in proportion to the entries' weights: each gets the floor of its exact
 * share, and the units left go to the largest remainders (ties: larger weight, then versionId).
 * Exact integer arithmetic, so no float ties; entries whose share rounds to 0 are dropped.
 */
export function splitLargestRemainder(entries: readonly VersionWeight[], total: number): VersionWeight[] {
  const sum = entries.reduce((acc, entry) => acc + entry.weight, 0);
  const shares = entries.map((entry) => ({
    entry,
    floor: Math.floor((entry.weight * total) / sum),
    remainder: (entry.weight * total) % sum,
  }));
  let left = total - shares.reduce((acc, share) => acc + share.floor, 0);
  const byRemainder = [...shares].sort(
    (a, b) =>
      b.remainder - a.remainder ||
      b.entry.weight - a.entry.weight ||
      compareIds(a.entry.versionId, b.entry.versionId),
  );
  for (const share of byRemainder) {
    if (left === 0) break;
    share.floor += 1;
    left -= 1;
  }
  return shares
    .filter((share) => share.floor > 0)
    .map((share) => ({ ...ref(share.entry), weight: share.floor }));
}

function build(weights: VersionWeight[], shadows: VersionRef[]): RevisionTarget {
  const parsed = ZRevisionTarget.safeParse({
    kind: "versions",
    weights: sortByNumber(weights.filter((entry) => entry.weight > 0)),
    shadows: sortByNumber(shadows),
  });
  if (!parsed.success) throw new AppError("BAD_REQUEST", formatZodIssues(parsed.error, "target"));
  return parsed.data;
}

/** The same versionId under another number means the caller mixed up its versions. */
function checkSameNumber(current: RevisionTarget, version: VersionRef): void {
  for (const known of [...current.weights, ...current.shadows]) {
    if (known.versionId === version.versionId && known.versionNumber !== version.versionNumber) {
      throw new AppError(
        "BAD_REQUEST",
        `version ${version.versionId} is v${known.versionNumber} in this deployment, not v${version.versionNumber}`,
      );
    }
  }
}

function weightOf(target: RevisionTarget, versionId: string): number | null {
  return target.weights.find((entry) => entry.versionId === versionId)?.weight ?? null;
}

function withoutShadow(shadows: VersionRef[], versionId: string): VersionRef[] {
  return shadows.filter((shadow) => shadow.versionId !== versionId);
}

function sameWeights(a: VersionWeight[], b: VersionWeight[]): boolean {
  const positive = (entries: VersionWeight[]) => entries.filter((entry) => entry.weight > 0);
  const left = positive(a);
  const right = positive(b);
  return (
    left.length === right.length &&
    left.every((entry) =>
      right.some((other) => other.versionId === entry.versionId && other.weight === entry.weight),
    )
  );
}

function describeWeights(weights: VersionWeight[]): string {
  return sortByNumber(weights)
    .map((entry) => `v${entry.versionNumber} ${entry.weight}%`)
    .join(", ");
}

function ref(version: VersionRef): VersionRef {
  return { versionId: version.versionId, versionNumber: version.versionNumber };
}

function sortByNumber<T extends VersionRef>(versions: readonly T[]): T[] {
  return [...versions].sort(
    (a, b) => a.versionNumber - b.versionNumber || compareIds(a.versionId, b.versionId),
  );
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
