import { describe, expect, it } from "vitest";
import {
  addRequestObservation,
  decodeTrafficHash,
  emptyRoleCounts,
  encodeJobRelease,
  encodeJobReleases,
  encodeRequestObservation,
  encodeRoleCounts,
  type RequestObservation,
} from "@/server/contracts/live-counters";

/** Applies increments to a hash as HINCRBY would. */
function applied(increments: [string, number][]): Record<string, string> {
  const hash: Record<string, number> = {};
  for (const [field, by] of increments) hash[field] = (hash[field] ?? 0) + by;
  return Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, String(value)]));
}

const observations: RequestObservation[] = [
  {
    versionId: "v1",
    role: "primary",
    error: null,
    latencyUs: 812.4,
    ran: { rows: 3, queueWaitUs: 55.5, computeUs: 300.2 },
  },
  {
    versionId: "v1",
    role: "primary",
    error: null,
    latencyUs: 12_000,
    ran: { rows: 1, queueWaitUs: 20, computeUs: 9_000 },
  },
  { versionId: "v1", role: "primary", error: "deadline", latencyUs: 30_000, ran: null },
  {
    versionId: "v1",
    role: "primary",
    error: "modelError",
    latencyUs: 900,
    ran: { rows: 2, queueWaitUs: 10, computeUs: 40 },
  },
  { versionId: "v1", role: "primary", error: "badInput", latencyUs: 0, ran: null },
];

describe("counts summed in memory", () => {
  it("write the same hash as one encodeRequestObservation per request", () => {
    const counts = emptyRoleCounts();
    for (const observation of observations) addRequestObservation(counts, observation);
    const summed = applied(encodeRoleCounts("v1", "primary", counts));
    const oneByOne = applied(observations.flatMap(encodeRequestObservation));
    expect(summed).toEqual(oneByOne);
    expect(decodeTrafficHash(summed).get("v1")!.roles.primary).toEqual(counts);
  });

  it("leave out zeros, and write jobs by reason as encodeJobRelease would one by one", () => {
    expect(encodeRoleCounts("v1", "shadow", emptyRoleCounts())).toEqual([]);
    const jobs = { full: 2, timer: 0, idle: 3 };
    expect(applied(encodeJobReleases("v1", jobs))).toEqual(
      applied([
        ...encodeJobRelease("v1", "full"),
        ...encodeJobRelease("v1", "full"),
        ...[1, 2, 3].flatMap(() => encodeJobRelease("v1", "idle")),
      ]),
    );
  });
});
