import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  planPlacement,
  type CurrentReplica,
  type PlacementHost,
  type PlacementPlan,
  type PlacementRequest,
  type PlanPlacementInput,
} from "@/server/domain/placement/plan-placement";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const gpu = (name: string, gib: number, online = true): PlacementHost => ({
  name,
  device: "cuda",
  capacityBytes: gib * GiB,
  online,
});
const asks = (deploymentId: string, replicas: number, gib: number): PlacementRequest => ({
  deploymentId,
  device: "cuda",
  replicas,
  memoryBytes: gib * GiB,
});

/** The plan's replicas as the next plan's current ones (new ones get ids, kept ones keep theirs). */
const placedOf = (plan: PlacementPlan): CurrentReplica[] => [
  ...plan.kept,
  ...plan.added.map(({ deploymentId, hostName }, index) => ({ id: `new-${index}`, deploymentId, hostName })),
];
const replicasOn = (plan: PlacementPlan, hostName: string, deploymentId?: string) =>
  placedOf(plan).filter(
    (replica) =>
      replica.hostName === hostName && (deploymentId === undefined || replica.deploymentId === deploymentId),
  ).length;

// ---- generators

const arbDevice = fc.constantFrom("cpu" as const, "cuda" as const);
const arbHosts = (device = arbDevice) =>
  fc
    .array(
      fc.record({
        device,
        capacityBytes: fc.integer({ min: 1, max: 80 * 1024 }).map((mib) => mib * MiB),
        // Mostly online: one in five is offline.
        online: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((hosts) => hosts.map((host, index): PlacementHost => ({ name: `h${index}`, ...host })));
const arbRequests = (device = arbDevice, maxReplicas = 6) =>
  fc
    .array(
      fc.record({
        device,
        replicas: fc.integer({ min: 0, max: maxReplicas }),
        memoryBytes: fc.integer({ min: 1, max: 40 * 1024 }).map((mib) => mib * MiB),
      }),
      { maxLength: 6 },
    )
    .map((requests) =>
      requests.map((request, index): PlacementRequest => ({ deploymentId: `d${index}`, ...request })),
    );
const arbCeiling = fc.constantFrom(0.5, 0.8, 0.9, 1);
const arbInput: fc.Arbitrary<PlanPlacementInput> = fc.record({
  hosts: arbHosts(),
  requests: arbRequests(),
  memoryCeiling: arbCeiling,
});

/**
 * Feasible by construction: every online host's ceiling holds all replicas at once, so wherever
 * a replica goes, every host still has room for the next.
 */
const arbRoomyInput = fc
  .record({ requests: arbRequests(fc.constant("cuda" as const)), hostCount: fc.integer({ min: 1, max: 6 }) })
  .chain(({ requests, hostCount }) => {
    const demand = requests.reduce((sum, request) => sum + request.replicas * request.memoryBytes, 0);
    return fc
      .array(fc.integer({ min: 0, max: 8 * GiB }), { minLength: hostCount, maxLength: hostCount })
      .map((extras) => ({
        requests,
        hosts: extras.map((extra, index) => ({
          name: `h${index}`,
          device: "cuda" as const,
          // ceil(demand / 0.9) plus a little: the 90% ceiling still holds all of it.
          capacityBytes: Math.ceil(demand / 0.9) + 1 + extra,
          online: true,
        })),
      }));
  });

/** Feasible by construction: equal footprints, and no more replicas than the hosts' slots. */
const arbSlotInput = fc
  .record({
    footprint: fc.integer({ min: 1, max: 16 * 1024 }).map((mib) => mib * MiB),
    slots: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }),
    deployments: fc.integer({ min: 1, max: 5 }),
  })
  .chain(({ footprint, slots, deployments }) => {
    const total = slots.reduce((sum, n) => sum + n, 0);
    return fc
      .array(fc.integer({ min: 0, max: total }), { minLength: deployments, maxLength: deployments })
      .filter((counts) => counts.reduce((sum, n) => sum + n, 0) <= total)
      .map((counts) => ({
        hosts: slots.map((n, index): PlacementHost => ({
          name: `h${index}`,
          device: "cuda",
          // n slots under the 90% ceiling, and not quite n + 1.
          capacityBytes: Math.ceil((n * footprint) / 0.9) + Math.floor(footprint / 2),
          online: true,
        })),
        requests: counts.map((replicas, index): PlacementRequest => ({
          deploymentId: `d${index}`,
          device: "cuda",
          replicas,
          memoryBytes: footprint,
        })),
      }));
  });

// ---- properties

function expectWithinCeilings(input: PlanPlacementInput, plan: PlacementPlan) {
  const ceiling = input.memoryCeiling ?? 0.9;
  const requests = new Map(input.requests.map((request) => [request.deploymentId, request]));
  for (const host of input.hosts) {
    const on = placedOf(plan).filter((replica) => replica.hostName === host.name);
    if (!host.online) {
      expect(on).toEqual([]);
      continue;
    }
    const used = on.reduce((sum, replica) => sum + requests.get(replica.deploymentId)!.memoryBytes, 0);
    expect(used).toBeLessThanOrEqual(host.capacityBytes * ceiling);
    for (const replica of on) expect(requests.get(replica.deploymentId)!.device).toBe(host.device);
  }
}

describe("planPlacement, properties", () => {
  it("never puts a host over its ceiling, nor a replica on an offline host or another device", () => {
    fc.assert(
      fc.property(arbInput, arbInput, (before, now) => {
        // Replicas placed under another set of hosts and requests, then planned again under these.
        const current = placedOf(planPlacement(before));
        const input = { ...now, current };
        const plan = planPlacement(input);
        expectWithinCeilings(input, plan);
        for (const request of now.requests) {
          const placed = placedOf(plan).filter(
            (replica) => replica.deploymentId === request.deploymentId,
          ).length;
          const refused = plan.refusals.find((refusal) => refusal.deploymentId === request.deploymentId);
          expect(placed + (refused?.unplaced ?? 0)).toBe(request.replicas);
        }
      }),
    );
  });

  it("places every replica of a feasible request", () => {
    fc.assert(
      fc.property(fc.oneof(arbRoomyInput, arbSlotInput), (input) => {
        const plan = planPlacement(input);
        expect(plan.refusals).toEqual([]);
        expectWithinCeilings(input, plan);
      }),
    );
  });

  it("spreads a deployment's replicas across hosts when they have room: counts differ by at most one", () => {
    fc.assert(
      fc.property(arbRoomyInput, (input) => {
        const plan = planPlacement(input);
        for (const request of input.requests) {
          const counts = input.hosts.map((host) => replicasOn(plan, host.name, request.deploymentId));
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("moves nothing when planned again with an unchanged input", () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const first = planPlacement(input);
        const again = planPlacement({ ...input, current: placedOf(first) });
        expect(again.added).toEqual([]);
        expect(again.removed).toEqual([]);
        expect(again.kept).toHaveLength(placedOf(first).length);
      }),
    );
  });

  it("moves only the replicas of a host that goes offline", () => {
    fc.assert(
      fc.property(arbInput, fc.nat(), (input, pick) => {
        const first = planPlacement(input);
        const current = placedOf(first);
        const online = input.hosts.filter((host) => host.online);
        fc.pre(online.length > 0);
        const dead = online[pick % online.length]!.name;
        const hosts = input.hosts.map((host) => (host.name === dead ? { ...host, online: false } : host));
        const after = planPlacement({ ...input, hosts, current });
        const onDead = current.filter((replica) => replica.hostName === dead);
        expect(after.removed.map(({ reason: _reason, ...replica }) => replica)).toEqual(
          expect.arrayContaining(onDead),
        );
        expect(after.removed).toHaveLength(onDead.length);
        for (const removal of after.removed) expect(removal.reason).toBe("host-offline");
        // What is placed anew is at most the dead host's replicas, deployment by deployment.
        for (const added of after.added) {
          const of = (replicas: readonly { deploymentId: string }[]) =>
            replicas.filter((replica) => replica.deploymentId === added.deploymentId).length;
          expect(of(after.added)).toBeLessThanOrEqual(of(onDead));
          expect(added.hostName).not.toBe(dead);
        }
      }),
    );
  });
});

describe("planPlacement, cases", () => {
  it("packs the largest first and spreads one deployment's replicas over hosts", () => {
    const plan = planPlacement({
      hosts: [gpu("a", 24), gpu("b", 24)],
      requests: [asks("small", 2, 4), asks("large", 2, 12)],
    });
    expect(plan.refusals).toEqual([]);
    expect(replicasOn(plan, "a", "large")).toBe(1);
    expect(replicasOn(plan, "b", "large")).toBe(1);
    expect(replicasOn(plan, "a", "small")).toBe(1);
    expect(plan.hosts.map((host) => host.usedBytes)).toEqual([16 * GiB, 16 * GiB]);
  });

  it("fails over: only the dead host's replicas move, onto the survivors", () => {
    const hosts = [gpu("a", 24), gpu("b", 24), gpu("c", 24)];
    const first = planPlacement({ hosts, requests: [asks("m", 3, 6)] });
    const current = placedOf(first);
    const after = planPlacement({
      hosts: [hosts[0]!, gpu("b", 24, false), hosts[2]!],
      requests: [asks("m", 3, 6)],
      current,
    });
    expect(after.kept.map((replica) => replica.hostName).sort()).toEqual(["a", "c"]);
    expect(after.removed).toEqual([{ ...current.find((r) => r.hostName === "b")!, reason: "host-offline" }]);
    expect(after.added).toHaveLength(1);
    expect(after.added[0]!.hostName).not.toBe("b");
  });

  it("scales down from the host holding most of the deployment's replicas", () => {
    const current = [
      { id: "1", deploymentId: "m", hostName: "a" },
      { id: "2", deploymentId: "m", hostName: "a" },
      { id: "3", deploymentId: "m", hostName: "b" },
    ];
    const plan = planPlacement({ hosts: [gpu("a", 24), gpu("b", 24)], requests: [asks("m", 2, 4)], current });
    expect(plan.removed).toEqual([{ id: "2", deploymentId: "m", hostName: "a", reason: "scaled-down" }]);
    expect(plan.added).toEqual([]);
  });

  it("moves a replica whose grown footprint no longer fits beside the others", () => {
    const current = [
      { id: "1", deploymentId: "m", hostName: "a" },
      { id: "2", deploymentId: "m", hostName: "a" },
    ];
    const plan = planPlacement({
      hosts: [gpu("a", 24), gpu("b", 24)],
      requests: [asks("m", 2, 12)],
      current,
    });
    expect(plan.removed).toEqual([{ id: "2", deploymentId: "m", hostName: "a", reason: "over-ceiling" }]);
    expect(plan.added).toEqual([{ deploymentId: "m", hostName: "b", memoryBytes: 12 * GiB }]);
  });

  it("explains a refusal: which deployment, how many replicas, what each host lacks", () => {
    const plan = planPlacement({
      hosts: [gpu("a", 24), gpu("b", 16)],
      requests: [asks("llm", 4, 10)],
    });
    expect(plan.refusals).toHaveLength(1);
    const [refusal] = plan.refusals;
    expect(refusal).toMatchObject({
      deploymentId: "llm",
      requested: 4,
      placed: 3,
      unplaced: 1,
      reason: "hosts-full",
    });
    // a: 21.6 GiB under its ceiling, two taken; b: 14.4 GiB, one taken.
    expect(refusal!.hosts.map((host) => host.hostName)).toEqual(["a", "b"]);
    expect(refusal!.message).toBe(
      "deployment llm: 1 of 4 replicas (10 GiB each) could not be placed on cuda hosts: " +
        "a lacks 8.4 GiB (1.6 GiB free under its ceiling), b lacks 5.6 GiB (4.4 GiB free under its ceiling)",
    );
  });

  it("refuses a deployment larger than any host, and one whose device has no host online", () => {
    const plan = planPlacement({
      hosts: [gpu("a", 24), { name: "c", device: "cpu", capacityBytes: 64 * GiB, online: false }],
      requests: [
        asks("huge", 1, 40),
        { deploymentId: "cpu-model", device: "cpu", replicas: 1, memoryBytes: GiB },
      ],
    });
    const byId = new Map(plan.refusals.map((refusal) => [refusal.deploymentId, refusal]));
    expect(byId.get("huge")!.reason).toBe("larger-than-any-host");
    expect(byId.get("huge")!.hosts).toEqual([
      { hostName: "a", freeBytes: 23192823398, lacksBytes: 40 * GiB - 23192823398 },
    ]);
    expect(byId.get("huge")!.message).toBe(
      "deployment huge: 1 of 1 replicas (40 GiB each) could not be placed: one replica needs more memory " +
        "than any cuda host allows (a takes at most 21.6 GiB)",
    );
    expect(byId.get("cpu-model")!.message).toBe(
      "deployment cpu-model: 1 of 1 replicas (1 GiB each) could not be placed: no cpu host is online",
    );
  });

  it("refuses nonsense input with a message naming it", () => {
    expect(() => planPlacement({ hosts: [gpu("a", 24)], requests: [asks("m", -1, 1)] })).toThrow(
      "deployment m: replicas must be a whole number of at least 0, not -1",
    );
    expect(() => planPlacement({ hosts: [gpu("a", 24), gpu("a", 8)], requests: [] })).toThrow(
      "host a is listed twice",
    );
    expect(() => planPlacement({ hosts: [], requests: [], memoryCeiling: 1.5 })).toThrow("memoryCeiling");
  });
});
