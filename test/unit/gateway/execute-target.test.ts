import { describe, expect, it } from "vitest";
import type { ServingJobResult } from "@/server/contracts/serving";
import { AppError } from "@/server/domain/app-error";
import { TargetExecutor } from "@/server/gateway/execute-target";
import type { DispatchedJob, JobDispatcher } from "@/server/gateway/job-dispatcher";
import { cachedDeployment } from "@/test/fixtures/cached-deployment";

/** A dispatcher that records each job and lets the test decide when and how it ends. */
function controlledDispatcher() {
  const jobs: { job: DispatchedJob; finish: () => void; fail: (error: Error) => void }[] = [];
  const dispatcher: JobDispatcher = {
    dispatch: (job) =>
      new Promise<ServingJobResult>((resolve, reject) => {
        jobs.push({
          job,
          finish: () =>
            resolve({
              results: job.requests.map((request) => ({
                requestId: request.requestId,
                ok: true as const,
                outputs: [{ name: "score", datatype: "FP32", shape: [1, 1], data: [0.5] }],
              })),
              hostName: "test",
              executionProvider: "cpu",
              computeUs: 40,
              batchRows: job.requests.length,
              queueWaitUs: 7,
            }),
          fail: reject,
        });
      }),
    workerCount: async () => 1,
    waitingJobs: async () => [],
    close: async () => undefined,
  };
  return { jobs, dispatcher };
}

const target = (requestId: string) => {
  const deployment = cachedDeployment();
  return {
    deployment,
    version: deployment.versionsByNumber.get(2)!,
    request: { requestId, inputs: [], outputNames: undefined },
    batchRows: 1,
  };
};

/** A deadline timeoutMs from now, as a request that just arrived has. */
const within = (timeoutMs: number) => ({ atMs: Date.now() + timeoutMs, timeoutMs });

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("TargetExecutor", () => {
  it("sends the request as a job of its version, with its deadline, and answers with the job's result", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const deadline = within(1_000);
    const { execution, jobDone } = executor.execute(target("r-1"), deadline);
    await new Promise((resolve) => setImmediate(resolve));
    expect(jobs).toHaveLength(1);
    const version = cachedDeployment().versionsByNumber.get(2)!;
    expect(jobs[0]!.job).toMatchObject({
      deploymentId: "dep-1",
      versionId: version.versionId,
      artifactSha256: version.artifactSha256,
      device: "cpu",
    });
    expect(jobs[0]!.job.deadlineAtMs).toBe(deadline.atMs);
    jobs[0]!.finish();
    const outcome = await execution;
    await jobDone;
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.answer.result).toMatchObject({ requestId: "r-1", ok: true });
    expect(outcome.answer.job.queueWaitUs).toBe(7);
    expect(outcome.latencyUs).toBeGreaterThan(0);
  });

  it("gives up at the deadline while the job itself is still running, and says so when it ends", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const { execution, jobDone } = executor.execute(target("r-1"), within(20));
    const outcome = await execution;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(AppError);
    expect((outcome.error as AppError).code).toBe("DEADLINE_EXCEEDED");
    expect(outcome.error.message).toBe("no answer within 20 ms");
    expect(outcome.latencyUs).toBeGreaterThanOrEqual(19_000);
    expect(await settled(jobDone)).toBe(false);
    jobs[0]!.finish();
    expect(await settled(jobDone)).toBe(true);
  });

  it("reports a queue failure as a failed execution, and the job as done", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const { execution, jobDone } = executor.execute(target("r-1"), within(1_000));
    await new Promise((resolve) => setImmediate(resolve));
    jobs[0]!.fail(new Error("Connection is closed."));
    const outcome = await execution;
    expect(outcome).toMatchObject({ ok: false, error: { message: "Connection is closed." } });
    expect(await settled(jobDone)).toBe(true);
  });

  it("batches concurrent requests for one version into one job, and keeps versions apart", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const deployment = cachedDeployment();
    const v1 = deployment.versionsByNumber.get(1)!;
    const v2 = deployment.versionsByNumber.get(2)!;
    const run = (requestId: string, version: typeof v1) =>
      executor.execute(
        { deployment, version, request: { requestId, inputs: [], outputNames: undefined }, batchRows: 1 },
        within(1_000),
      );
    const runs = [run("a", v1), run("b", v1), run("c", v2)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(jobs.map((entry) => [entry.job.versionId, entry.job.requests.map((r) => r.requestId)])).toEqual([
      [v1.versionId, ["a", "b"]],
      [v2.versionId, ["c"]],
    ]);
    jobs.forEach((entry) => entry.finish());
    const outcomes = await Promise.all(runs.map((entry) => entry.execution));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it("does not send a request whose deadline passed before it got here (a slow body)", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const { execution, jobDone } = executor.execute(target("r-1"), { atMs: Date.now() - 5, timeoutMs: 50 });
    const outcome = await execution;
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "DEADLINE_EXCEEDED", message: "no answer within 50 ms" },
    });
    expect(await settled(jobDone)).toBe(true);
    expect(jobs).toHaveLength(0);
  });

  it("gives a job of several requests the latest of their deadlines", async () => {
    const { jobs, dispatcher } = controlledDispatcher();
    const executor = new TargetExecutor(dispatcher);
    const early = within(200);
    const late = within(5_000);
    const runs = [executor.execute(target("a"), early), executor.execute(target("b"), late)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(jobs.map((entry) => entry.job.requests.map((r) => r.requestId))).toEqual([["a", "b"]]);
    expect(jobs[0]!.job.deadlineAtMs).toBe(late.atMs);
    jobs[0]!.finish();
    await Promise.all(runs.map((entry) => entry.execution));
  });
});
