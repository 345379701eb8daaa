import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V2InferResponse } from "@/server/domain/inference/v2-responses";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { deploymentChangedChannel } from "@/server/contracts/channels";
import { connectRedis } from "@/server/contracts/redis-connections";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// The flip test: continuous traffic through the gateway while the deployment is promoted and
// rolled back again and again. No request may fail, and every answer must come from a version
// that was active at some moment between the request being sent and answered.

const api = callerFor();
const DEPLOYMENT = "fraud-flip";
const FLIPS = 20;
/**
 * The pause between changes: at least this, and at least twice the last mutation's time. While a
 * mutation runs, both versions may answer; on a loaded machine mutations took 210 ms (median), and
 * with a fixed 150 ms pause only 16% of requests had one acceptable version (the check's teeth).
 */
const PAUSE_MS = 150;
const LOOPS = 16;
/**
 * How long after a change's mutation returned (or its announcement reached this process, if
 * later) the gateway may still route with the revision before it: the gateway handles the same
 * pub/sub message on this process's event loop, which 16 request loops keep busy.
 */
const SWITCH_SLACK_MS = 50;

let stack: Awaited<ReturnType<typeof startServingStack>>;
let gateway: Awaited<ReturnType<typeof startServingStack>>["gateway"];
const { REDIS_URL, REDIS_KEY_PREFIX } = readGatewayEnv();
const subscriber = connectRedis("subscriber", REDIS_URL);
/** performance.now() of each deployment-changed announcement this process heard, in order. */
const announcedAt: number[] = [];

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx", "fraud-v3.onnx"]) {
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  }
  await api.deployment.create({ name: DEPLOYMENT, modelName: "card-fraud", versionNumber: 1 });
  await subscriber.subscribe(deploymentChangedChannel(REDIS_KEY_PREFIX));
  subscriber.on("message", () => announcedAt.push(performance.now()));

  stack = await startServingStack({ hostName: "flip-test-host" });
  gateway = stack.gateway;
  // Load both versions in the worker first, so the flips measure switching, not model loading.
  expect((await infer()).model_version).toBe("1");
  await api.deployment.changeTraffic({ name: DEPLOYMENT, change: { kind: "promote", versionNumber: 2 } });
  await until(async () => (await infer()).model_version === "2");
  await api.deployment.changeTraffic({ name: DEPLOYMENT, change: { kind: "rollback" } });
  await until(async () => (await infer()).model_version === "1");
});

afterAll(async () => {
  await stack?.stop();
  subscriber.disconnect();
  await getRedis().quit();
});

/** Polls every few ms (expect.poll is only allowed inside a test). */
async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadlineMs = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadlineMs)
      throw new Error(`still not true after ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const ROW = [0.4, -1.2, 2.5, 0.1, 0, 1, -0.3, 0.8, 1.9, -2.2, 0.05, 0.7, -0.6, 1.1];

async function infer(): Promise<V2InferResponse> {
  const response = await send();
  if (response.status !== 200) throw new Error(`status ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as V2InferResponse;
}

async function send(): Promise<{ status: number; body: unknown; revision: number }> {
  const response = await fetch(`${gateway.url}/v2/models/${DEPLOYMENT}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: ROW }] }),
  });
  return {
    status: response.status,
    body: await response.json(),
    revision: Number(response.headers.get("x-revision")),
  };
}

/** A revision of the timeline: active from when its mutation was called until the next one took over. */
interface Activation {
  revision: number;
  version: string;
  /** The commit happens after the mutation is called; a gateway cannot see it before. */
  fromMs: number;
  /** The gateway may route with it until the next revision is announced, plus the slack. */
  untilMs: number;
  /** When the mutation that replaced it returned. */
  replacedMs: number;
}

interface Observation {
  sentMs: number;
  answeredMs: number;
  status: number;
  version: string | null;
  revision: number;
}

describe("promote and rollback under continuous traffic", () => {
  it(`flips ${FLIPS} times with no failed request, and every answer comes from a revision active while it was in flight`, async () => {
    const start = await api.deployment.byName({ name: DEPLOYMENT });
    const timeline: Activation[] = [
      {
        revision: start.activeRevision.number,
        version: "1",
        fromMs: -Infinity,
        untilMs: Infinity,
        replacedMs: Infinity,
      },
    ];
    const observations: Observation[] = [];
    let stop = false;

    const loop = async () => {
      while (!stop) {
        const sentMs = performance.now();
        const answer = await send();
        const version = answer.status === 200 ? (answer.body as V2InferResponse).model_version : null;
        observations.push({
          sentMs,
          answeredMs: performance.now(),
          status: answer.status,
          version,
          revision: answer.revision,
        });
      }
    };

    const change = async (kind: "promote" | "rollback", version: string) => {
      const calledMs = performance.now();
      const heardBefore = announcedAt.length;
      const made = await api.deployment.changeTraffic({
        name: DEPLOYMENT,
        change: kind === "promote" ? { kind, versionNumber: 2 } : { kind },
      });
      const returnedMs = performance.now();
      // This process hears the announcement on its own connection, about when the gateway does.
      await until(async () => announcedAt.length > heardBefore);
      const announcedMs = announcedAt[heardBefore]!;
      Object.assign(timeline.at(-1)!, {
        untilMs: Math.max(returnedMs, announcedMs) + SWITCH_SLACK_MS,
        replacedMs: returnedMs,
      });
      timeline.push({
        revision: made.number,
        version,
        fromMs: calledMs,
        untilMs: Infinity,
        replacedMs: Infinity,
      });
      return { mutationMs: returnedMs - calledMs, announcedAfterReturnMs: announcedMs - returnedMs };
    };

    const loops = Array.from({ length: LOOPS }, loop);
    const changes: Awaited<ReturnType<typeof change>>[] = [];
    const pause = () => {
      const pauseMs = Math.max(PAUSE_MS, 2 * (changes.at(-1)?.mutationMs ?? 0));
      return new Promise((resolve) => setTimeout(resolve, pauseMs));
    };
    const startedMs = performance.now();
    await pause();
    for (let flip = 0; flip < FLIPS; flip++) {
      changes.push(await change("promote", "2"));
      await pause();
      changes.push(await change("rollback", "1"));
      await pause();
    }
    stop = true;
    await Promise.all(loops);
    const elapsedMs = performance.now() - startedMs;

    const failed = observations.filter((observation) => observation.status !== 200);
    expect(failed).toEqual([]);

    const byRevision = new Map(timeline.map((activation) => [activation.revision, activation]));
    const wrong: (Observation & { allowed: number[] })[] = [];
    let singleCandidate = 0;
    for (const observation of observations) {
      const allowed = timeline.filter(
        (activation) =>
          activation.fromMs <= observation.answeredMs && activation.untilMs >= observation.sentMs,
      );
      const versions = new Set(allowed.map((activation) => activation.version));
      if (versions.size === 1) singleCandidate += 1;
      // The version answered, and the revision the gateway says it routed with, were active while the request was in flight...
      const routedWith = byRevision.get(observation.revision);
      const inFlightRevision = allowed.some((activation) => activation.revision === observation.revision);
      // ...and that revision serves the version that answered.
      if (
        !versions.has(observation.version!) ||
        !inFlightRevision ||
        routedWith?.version !== observation.version
      ) {
        wrong.push({ ...observation, allowed: allowed.map((activation) => activation.revision) });
      }
    }

    // How late, after a mutation returned, a request was still routed with the revision it replaced.
    const lagMs = Math.max(
      0,
      ...observations.map(
        (observation) => observation.sentMs - byRevision.get(observation.revision)!.replacedMs,
      ),
    );
    const count = (version: string) =>
      observations.filter((observation) => observation.version === version).length;
    const mutationMs = changes.map((one) => one.mutationMs).sort((a, b) => a - b);
    const announceMs = changes.map((one) => one.announcedAfterReturnMs).sort((a, b) => a - b);
    console.log(
      [
        `flip: ${observations.length} requests in ${(elapsedMs / 1000).toFixed(1)} s over ${timeline.length - 1} revision changes: v1 ${count("1")}, v2 ${count("2")}`,
        `latest request routed with a replaced revision was sent ${lagMs.toFixed(1)} ms after the change returned`,
        `${singleCandidate} requests (${((singleCandidate / observations.length) * 100).toFixed(0)}%) were in flight while only one version could answer`,
        `mutation median ${mutationMs[mutationMs.length >> 1]!.toFixed(1)} ms, max ${mutationMs.at(-1)!.toFixed(1)} ms; announcement heard max ${announceMs.at(-1)!.toFixed(1)} ms after the mutation returned`,
      ].join("\n"),
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(count("1")).toBeGreaterThan(200);
    expect(count("2")).toBeGreaterThan(200);
    // The check has teeth: many requests had exactly one acceptable version.
    expect(singleCandidate / observations.length).toBeGreaterThan(0.3);
    expect((await api.deployment.byName({ name: DEPLOYMENT })).activeRevision.number).toBe(
      timeline.at(-1)!.revision,
    );
  });
});
