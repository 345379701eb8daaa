import { AppError } from "@/server/domain/app-error";
import type { RevisionTarget, VersionWeight } from "@/server/domain/traffic/revision-target";

/**
 * Which version serves a request.
 *
 * Layout: the versions with weight > 0, sorted by versionId, each own one contiguous interval of
 * [0, 100) whose length is its weight (v_a [0, 90), v_b [90, 100) for 90/10). A request lands on
 * a point of that line: a uniform random point, or, with a routing key (sticky key or request
 * id), the point the key hashes to, so a key always lands on the same version for the same
 * weights, in every gateway process.
 *
 * Monotone buckets: when one version's weight grows and no other version's weight grows, its
 * interval only widens (the versions sorted before it shrink or stay, so its start moves left;
 * those after it shrink or stay, so its end moves right). So every key that was on a canary at 5%
 * is still on it at 10%, and a key leaves the canary only when its weight goes down.
 * `canaryTarget` rescales the other versions without ever raising one, so its steps keep this.
 */
export type CompiledRouting = {
  /** `routingKey` null: a random choice by `random()` in [0, 1). Allocates nothing. */
  choose(routingKey: string | null, random?: () => number): VersionWeight;
};

/** Compile once per revision (the gateway does it when it loads or reloads a revision). */
export function compileRouting(target: RevisionTarget): CompiledRouting {
  const entries = target.weights
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => (a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0));
  const versions: readonly VersionWeight[] = entries;
  const ends = new Float64Array(entries.length);
  let total = 0;
  entries.forEach((entry, index) => {
    total += entry.weight;
    ends[index] = total;
  });
  if (total === 0)
    throw new AppError(
      "BAD_REQUEST",
      "the revision sends traffic to no version: at least one weight must be above 0",
    );
  // A validated target sums to 100; scaling by the actual total keeps the line [0, 100) anyway.
  const scale = total / 100;
  const last = versions.length - 1;

  return {
    choose(routingKey, random = Math.random) {
      const point = (routingKey === null ? random() * 100 : routingPoint(routingKey)) * scale;
      for (let index = 0; index < last; index += 1) {
        if (point < ends[index]!) return versions[index]!;
      }
      return versions[last]!;
    },
  };
}

/** One-off choice; a caller routing many requests for one revision should `compileRouting` it once. */
export function chooseVersion(
  target: RevisionTarget,
  routingKey: string | null,
  random: () => number = Math.random,
): VersionWeight {
  return compileRouting(target).choose(routingKey, random);
}

/**
 * The point in [0, 100) a routing key lands on: FNV-1a 32-bit over the key's UTF-8 bytes, then
 * murmur3's fmix32 finalizer (FNV alone spreads near-identical keys like "req-1", "req-2" poorly
 * in its high bits), divided by 2^32. Reproducible in any language from that description.
 */
export function routingPoint(routingKey: string): number {
  return (fmix32(fnv1a32Utf8(routingKey)) / 4_294_967_296) * 100;
}

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a32Utf8(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < text.length; index += 1) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      hash = fnv(hash, code);
      continue;
    }
    if (code < 0x800) {
      hash = fnv(hash, 0xc0 | (code >> 6));
      hash = fnv(hash, 0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index += 1;
        hash = fnv(hash, 0xf0 | (code >> 18));
        hash = fnv(hash, 0x80 | ((code >> 12) & 0x3f));
        hash = fnv(hash, 0x80 | ((code >> 6) & 0x3f));
        hash = fnv(hash, 0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd; // a lone surrogate, encoded as TextEncoder does
    }
    hash = fnv(hash, 0xe0 | (code >> 12));
    hash = fnv(hash, 0x80 | ((code >> 6) & 0x3f));
    hash = fnv(hash, 0x80 | (code & 0x3f));
  }
  return hash >>> 0;
}

function fnv(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, FNV_PRIME);
}

function fmix32(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
