import { describe, expect, it } from "vitest";
import { VersionBatcher } from "@/server/gateway/version-batcher";
import type { ServingJobResult, ServingRequest } from "@/server/contracts/serving";

/** A dispatch that records each job and lets the test decide when it returns. */
function controlledDispatch() {
  const jobs: {
    requests: ServingRequest[];
    cancelled: AbortSignal;
    finish: () => void;
    fail: (error: Error) => void;
  }[] = [];
  const dispatch = (requests: ServingRequest[], _deadlineAtMs: number, cancelled: AbortSignal) =>
    new Promise<ServingJobResult>((resolve, reject) => {
      jobs.push({
        requests,
        cancelled,
        finish: () =>
          resolve({
            results: requests.map((request) => ({
              requestId: request.requestId,
              ok: true as const,
              outputs: [],
            })),
            hostName: "test",
            executionProvider: "cpu",
            computeUs: 10,
            batchRows: requests.length,
            queueWaitUs: 1,
          }),
        fail: reject,
      });
    });
  return { jobs, dispatch };
}

const request = (id: string): ServingRequest => ({ requestId: id, inputs: [] });
/** A deadline none of these tests reaches. */
const FAR_DEADLINE_MS = Date.now() + 3_600_000;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("version batcher", () => {
  it("sends a lone request at once, without waiting for the queue delay", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 10_000 }));
    const answer = batcher.submit(request("a"), 1, FAR_DEADLINE_MS);
    await tick();
    expect(jobs.map((job) => job.requests.map((r) => r.requestId))).toEqual([["a"]]);
    jobs[0]!.finish();
    expect((await answer).result).toMatchObject({ requestId: "a", ok: true });
  });

  it("merges requests of the same turn, and gathers the next ones while a job is in flight", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 10_000 }));
    const first = ["a", "b", "c"].map((id) => batcher.submit(request(id), 1, FAR_DEADLINE_MS));
    await tick();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.requests.map((r) => r.requestId)).toEqual(["a", "b", "c"]);

    const second = ["d", "e"].map((id) => batcher.submit(request(id), 1, FAR_DEADLINE_MS));
    await tick();
    expect(jobs).toHaveLength(1); // d and e wait for the job in flight
    jobs[0]!.finish();
    await Promise.all(first);
    await tick();
    expect(jobs[1]!.requests.map((r) => r.requestId)).toEqual(["d", "e"]);
    jobs[1]!.finish();
    await Promise.all(second);
  });

  it("keeps gathering when a job returns while another is still out, until the queue delay", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 20 }));
    void batcher.submit(request("a"), 1, FAR_DEADLINE_MS);
    await tick();
    void batcher.submit(request("b"), 1, FAR_DEADLINE_MS);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(jobs).toHaveLength(2); // b left on the queue delay while a was out
    void batcher.submit(request("c"), 1, FAR_DEADLINE_MS);
    jobs[0]!.finish();
    await tick();
    expect(jobs).toHaveLength(2); // b is still out: c waits for company
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(jobs.map((job) => job.requests.map((r) => r.requestId))).toEqual([["a"], ["b"], ["c"]]);
  });

  it("sends a full batch without waiting, and never more rows than the batch size", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 4, maxQueueDelayMs: 10_000 }));
    batcher.submit(request("warm"), 1, FAR_DEADLINE_MS);
    await tick();
    for (const id of ["a", "b", "c", "d", "e", "f"]) void batcher.submit(request(id), 2, FAR_DEADLINE_MS);
    expect(jobs.map((job) => job.requests.map((r) => r.requestId))).toEqual([
      ["warm"],
      ["a", "b"],
      ["c", "d"],
      ["e", "f"],
    ]);
  });

  it("lets one request larger than the batch size go alone", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 4, maxQueueDelayMs: 5 }));
    void batcher.submit(request("big"), 100, FAR_DEADLINE_MS);
    expect(jobs.map((job) => job.requests.length)).toEqual([1]);
  });

  it("sends what gathered after the queue delay even while a job is still in flight", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 5 }));
    void batcher.submit(request("slow"), 1, FAR_DEADLINE_MS);
    await tick();
    void batcher.submit(request("next"), 1, FAR_DEADLINE_MS);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(jobs.map((job) => job.requests.map((r) => r.requestId))).toEqual([["slow"], ["next"]]);
  });

  it("fails every request of a job that fails, and keeps serving afterwards", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 5 }));
    const answers = ["a", "b"].map((id) => batcher.submit(request(id), 1, FAR_DEADLINE_MS));
    await tick();
    jobs[0]!.fail(new Error("Redis is down"));
    for (const answer of answers) await expect(answer).rejects.toThrow("Redis is down");
    const later = batcher.submit(request("c"), 1, FAR_DEADLINE_MS);
    await tick();
    jobs[1]!.finish();
    expect((await later).result.requestId).toBe("c");
  });

  it("drops a request whose caller went away while it gathered, and sends the rest", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 10_000 }));
    const first = batcher.submit(request("a"), 1, FAR_DEADLINE_MS);
    await tick();
    const gone = new AbortController();
    const left = batcher.submit(request("b"), 1, FAR_DEADLINE_MS, gone.signal);
    const stays = batcher.submit(request("c"), 1, FAR_DEADLINE_MS);
    gone.abort();
    await expect(left).rejects.toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    jobs[0]!.finish();
    await first;
    await tick();
    expect(jobs[1]!.requests.map((r) => r.requestId)).toEqual(["c"]);
    jobs[1]!.finish();
    await stays;
  });

  it("cancels a sent job only once every caller in it went away", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 10_000 }));
    const callers = [new AbortController(), new AbortController()];
    const answers = callers.map((caller, i) =>
      batcher.submit(request(`r${i}`), 1, FAR_DEADLINE_MS, caller.signal),
    );
    await tick();
    callers[0]!.abort();
    await expect(answers[0]).rejects.toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(jobs[0]!.cancelled.aborted).toBe(false);
    callers[1]!.abort();
    await expect(answers[1]).rejects.toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(jobs[0]!.cancelled.aborted).toBe(true);
  });

  it("ignores a caller leaving after its answer came", async () => {
    const { jobs, dispatch } = controlledDispatch();
    const batcher = new VersionBatcher(dispatch, () => ({ maxBatchSize: 32, maxQueueDelayMs: 10_000 }));
    const caller = new AbortController();
    const answer = batcher.submit(request("a"), 1, FAR_DEADLINE_MS, caller.signal);
    await tick();
    jobs[0]!.finish();
    await answer;
    caller.abort();
    expect(jobs[0]!.cancelled.aborted).toBe(false);
  });

  describe("release reasons", () => {
    const recording = (maxBatchSize: number, maxQueueDelayMs: number) => {
      const { jobs, dispatch } = controlledDispatch();
      const reasons: string[] = [];
      const batcher = new VersionBatcher(
        dispatch,
        () => ({ maxBatchSize, maxQueueDelayMs }),
        (reason) => reasons.push(reason),
      );
      return { jobs, batcher, reasons };
    };

    it("says idle for a job sent at once because nothing was in flight", async () => {
      const { jobs, batcher, reasons } = recording(32, 10_000);
      void batcher.submit(request("a"), 1, FAR_DEADLINE_MS);
      void batcher.submit(request("b"), 1, FAR_DEADLINE_MS);
      await tick();
      expect(jobs).toHaveLength(1);
      expect(reasons).toEqual(["idle"]);
    });

    it("says full for a batch that filled up, and timer for one the queue delay sent", async () => {
      const { jobs, batcher, reasons } = recording(4, 5);
      void batcher.submit(request("warm"), 1, FAR_DEADLINE_MS);
      await tick();
      for (const id of ["a", "b", "c", "d", "e"]) void batcher.submit(request(id), 1, FAR_DEADLINE_MS);
      expect(reasons).toEqual(["idle", "full"]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(jobs.map((job) => job.requests.length)).toEqual([1, 4, 1]);
      expect(reasons).toEqual(["idle", "full", "timer"]);
    });

    it("says idle for what gathered when the last job in flight returned", async () => {
      const { jobs, batcher, reasons } = recording(32, 10_000);
      const first = batcher.submit(request("a"), 1, FAR_DEADLINE_MS);
      await tick();
      void batcher.submit(request("b"), 1, FAR_DEADLINE_MS);
      jobs[0]!.finish();
      await first;
      await tick();
      expect(jobs.map((job) => job.requests.map((r) => r.requestId))).toEqual([["a"], ["b"]]);
      expect(reasons).toEqual(["idle", "idle"]);
    });
  });
});
