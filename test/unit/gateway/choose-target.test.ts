import { describe, expect, it } from "vitest";
import { AppError } from "@/server/domain/app-error";
import { chooseTarget, PendingRequests, routingKeyOf } from "@/server/gateway/choose-target";
import { bodyFor, cachedDeployment } from "@/test/fixtures/cached-deployment";

const call = (overrides: Partial<Parameters<typeof chooseTarget>[0]> = {}) => ({
  deployment: cachedDeployment(),
  pinnedVersion: null,
  body: bodyFor("x", 2, 3),
  stickyKey: null,
  receivedAtMs: Date.now(),
  receivedAtPerfMs: performance.now(),
  timeoutMs: 1_000,
  ...overrides,
});

/** A limit that cannot adapt: its floor is its cap. */
const fixedLimit = (limit: number) =>
  new PendingRequests({
    minPendingPerDeployment: limit,
    maxPendingPerDeployment: limit,
    latencyTolerance: 2,
  });

const appErrorOf = (run: () => unknown): AppError => {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
};

describe("routingKeyOf", () => {
  it("prefers the sticky key, then the body's string id, else none", () => {
    expect(routingKeyOf("user-7", { id: "req-1" })).toBe("user-7");
    expect(routingKeyOf(null, { id: "req-1" })).toBe("req-1");
    expect(routingKeyOf(null, { id: 12 })).toBeNull();
    expect(routingKeyOf(null, "not an object")).toBeNull();
    expect(routingKeyOf(null, null)).toBeNull();
  });
});

describe("chooseTarget", () => {
  it("routes a keyed request where the revision's routing sends that key, and validates it against that version", () => {
    const deployment = cachedDeployment();
    const keys = Array.from({ length: 40 }, (_, index) => `user-${index}`);
    const byVersion = new Map<string, number>();
    for (const key of keys) {
      const expected = deployment.versions.get(deployment.routing.choose(key).versionId)!;
      const width = expected.signature.inputs[0]!.shape[1] as number;
      const body = bodyFor(expected.signature.inputs[0]!.name, width, 2);
      const target = chooseTarget(call({ deployment, stickyKey: key, body }), fixedLimit(100));
      expect(target.version).toBe(expected);
      expect(target.batchRows).toBe(2);
      expect(target.request.inputs[0]!.name).toBe(expected.signature.inputs[0]!.name);
      expect(target.shadowed).toBe(true);
      byVersion.set(expected.versionId, (byVersion.get(expected.versionId) ?? 0) + 1);
      // The same input sent to the other version is refused with that version's signature.
      const other = [...deployment.versions.values()].find(
        (version) => version !== expected && version.versionId !== "ver-3",
      )!;
      const refused = appErrorOf(() =>
        chooseTarget(call({ deployment, stickyKey: key, pinnedVersion: other, body }), fixedLimit(100)),
      );
      expect(refused.code).toBe("BAD_REQUEST");
    }
    // 40 keys over a 50/50 split reach both versions.
    expect(byVersion.size).toBe(2);
  });

  it("routes an unkeyed request by its body id exactly as a sticky key of that id", () => {
    const deployment = cachedDeployment();
    for (let index = 0; index < 20; index += 1) {
      const id = `req-${index}`;
      const version = deployment.versions.get(deployment.routing.choose(id).versionId)!;
      const input = version.signature.inputs[0]!;
      const body = bodyFor(input.name, input.shape[1] as number, 1, id);
      const byId = chooseTarget(call({ deployment, body }), fixedLimit(100));
      expect(byId.version).toBe(version);
      expect(byId.callerId).toBe(id);
    }
  });

  it("takes a pinned version without routing and marks it unshadowed", () => {
    const deployment = cachedDeployment();
    const pinned = deployment.versionsByNumber.get(2)!;
    const target = chooseTarget(
      call({ deployment, pinnedVersion: pinned, body: bodyFor("y", 3, 5) }),
      fixedLimit(100),
    );
    expect(target.version).toBe(pinned);
    expect(target.shadowed).toBe(false);
    expect(target.batchRows).toBe(5);
  });

  it("gives each target a fresh job request id, apart from the caller's id", () => {
    const pending = fixedLimit(100);
    const pinned = cachedDeployment().versionsByNumber.get(1)!;
    const first = chooseTarget(call({ pinnedVersion: pinned, body: bodyFor("x", 2, 1, "same") }), pending);
    const second = chooseTarget(call({ pinnedVersion: pinned, body: bodyFor("x", 2, 1, "same") }), pending);
    expect(first.request.requestId).not.toBe(second.request.requestId);
    expect(first.callerId).toBe("same");
  });

  it("validates before admitting: a bad input to a full deployment is a bad request, and takes no slot", () => {
    const pending = fixedLimit(1);
    const pinned = cachedDeployment().versionsByNumber.get(1)!;
    const admitted = chooseTarget(call({ pinnedVersion: pinned }), pending);
    expect(
      appErrorOf(() => chooseTarget(call({ pinnedVersion: pinned, body: { inputs: [] } }), pending)).code,
    ).toBe("BAD_REQUEST");
    const full = appErrorOf(() => chooseTarget(call({ pinnedVersion: pinned }), pending));
    expect(full.code).toBe("TOO_MANY_REQUESTS");
    admitted.release();
    expect(pending.count("dep-1")).toBe(0);
    const again = chooseTarget(call({ pinnedVersion: pinned }), pending);
    expect(pending.count("dep-1")).toBe(again.batchRows);
  });
});

describe("PendingRequests", () => {
  const deployment = { id: "dep-1", name: "fraud", maxBatchSize: 1 };

  it("refuses past the limit with TOO_MANY_REQUESTS, retry after 1 s, naming the deployment and its limit", () => {
    const pending = fixedLimit(2);
    pending.admit(deployment, 1);
    pending.admit(deployment, 1);
    const refused = appErrorOf(() => pending.admit(deployment, 1));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.retryAfterSeconds).toBe(1);
    expect(refused.message).toBe(
      "deployment 'fraud' is at its limit of 2 rows in flight (it follows the deployment's latency, " +
        "up to 2); retry later",
    );
    // Other deployments have limits of their own.
    expect(() => pending.admit({ id: "dep-2", name: "churn", maxBatchSize: 1 }, 1)).not.toThrow();
  });

  it("frees a slot once per release, however often release is called", () => {
    const pending = fixedLimit(2);
    const release = pending.admit(deployment, 1);
    pending.admit(deployment, 1);
    release();
    release();
    expect(pending.count("dep-1")).toBe(1);
  });

  it("leaves room for shadows only while at most half of the limit is taken", () => {
    const pending = fixedLimit(4);
    pending.admit(deployment, 1);
    pending.admit(deployment, 1);
    expect(pending.hasRoomForShadows(deployment)).toBe(true);
    pending.admit(deployment, 1);
    expect(pending.hasRoomForShadows(deployment)).toBe(false);
  });

  it("lowers a deployment's limit when its answers slow down, and refuses past the lowered limit", () => {
    const pending = new PendingRequests({
      minPendingPerDeployment: 2,
      maxPendingPerDeployment: 100,
      latencyTolerance: 2,
    });
    // It starts at its cap; a window of fast answers sets the deployment's baseline.
    let nowMs = 0;
    expect(pending.limitOf(deployment)).toBe(100);
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(deployment, 2, 1, (nowMs += 10));
    // Answers at 10x the baseline: the limit is cut, and admission follows it.
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(deployment, 20, 1, (nowMs += 10));
    const cut = pending.limitOf(deployment);
    expect(cut).toBeLessThan(100);
    for (let admitted = 0; admitted < cut; admitted += 1) pending.admit(deployment, 1);
    expect(appErrorOf(() => pending.admit(deployment, 1)).code).toBe("TOO_MANY_REQUESTS");
  });

  it("counts rows, keeps two full batches as its floor, and lets a request larger than the limit run alone", () => {
    const pending = new PendingRequests({
      minPendingPerDeployment: 2,
      maxPendingPerDeployment: 100,
      latencyTolerance: 2,
    });
    const batching = { id: "dep-3", name: "batched", maxBatchSize: 16 };
    let nowMs = 0;
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(batching, 2, 1, (nowMs += 10));
    for (let answer = 0; answer < 400; answer += 1) pending.recordLatency(batching, 2_000, 1, (nowMs += 10));
    // However slow the answers, a batch running and one gathering are always admitted.
    expect(pending.limitOf(batching)).toBe(32);
    const release = pending.admit(batching, 32);
    expect(appErrorOf(() => pending.admit(batching, 1)).message).toMatch(/limit of 32 rows in flight/);
    release();
    // Alone, a request larger than the limit still runs.
    pending.admit(batching, 40);
    expect(pending.count("dep-3")).toBe(40);
  });

  it("refuses above its floor while its oldest request in flight is older than the limit allows", () => {
    const pending = new PendingRequests({
      minPendingPerDeployment: 2,
      maxPendingPerDeployment: 100,
      latencyTolerance: 2,
    });
    // No baseline yet: nothing but the limit refuses.
    pending.admit(deployment, 1, 0);
    pending.admit(deployment, 1, 0);
    expect(() => pending.admit(deployment, 1, 1_000)).not.toThrow();
    // A window of 5 ms answers: a queue is a request in flight over 5 x 2 x 2 = 20 ms.
    let nowMs = 1_000;
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(deployment, 5, 1, (nowMs += 10));
    const fresh = { id: "dep-4", name: "queued", maxBatchSize: 1 };
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(fresh, 5, 1, (nowMs += 10));
    const oldest = pending.admit(fresh, 1, nowMs);
    pending.admit(fresh, 1, nowMs + 15);
    // Answers keep coming (others'): the age is a queue's.
    pending.recordLatency(fresh, 5, 1, nowMs + 10);
    expect(() => pending.admit(fresh, 1, nowMs + 20)).not.toThrow();
    const refused = appErrorOf(() => pending.admit(fresh, 1, nowMs + 21));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toBe(
      "deployment 'queued' has requests waiting 21 ms (over the 20 ms its latency allows); retry later",
    );
    // With no answer for longer than the bound, the deployment is stalled (a worker loading the
    // model), not queueing: requests wait within their deadlines rather than being refused.
    expect(() => pending.admit(fresh, 1, nowMs + 60)).not.toThrow();
    // Answers again, and the oldest gone: the next oldest (admitted at +15) is 50 ms old, refused.
    oldest();
    pending.recordLatency(fresh, 5, 1, nowMs + 64);
    expect(appErrorOf(() => pending.admit(fresh, 1, nowMs + 65)).message).toMatch(/waiting 50 ms/);
  });

  it("never refuses by age below its floor, where batches still gather", () => {
    const batching = { id: "dep-5", name: "batched", maxBatchSize: 8 };
    const pending = new PendingRequests({
      minPendingPerDeployment: 2,
      maxPendingPerDeployment: 100,
      latencyTolerance: 2,
    });
    let nowMs = 0;
    for (let answer = 0; answer < 40; answer += 1) pending.recordLatency(batching, 5, 1, (nowMs += 10));
    pending.admit(batching, 8, nowMs);
    // 8 of a floor of 16 rows in flight for a second: still admitted.
    expect(() => pending.admit(batching, 1, nowMs + 1_000)).not.toThrow();
  });

  it("refuses on arrival only when not even one row fits, and counts nothing otherwise", () => {
    const pending = fixedLimit(2);
    expect(pending.refusalOnArrival(deployment)).toBeNull();
    pending.admit(deployment, 1);
    expect(pending.refusalOnArrival(deployment)).toBeNull();
    pending.admit(deployment, 1);
    expect(pending.refusalOnArrival(deployment)).toBe(
      "deployment 'fraud' is at its limit of 2 rows in flight (it follows the deployment's latency, " +
        "up to 2); retry later",
    );
  });
});
