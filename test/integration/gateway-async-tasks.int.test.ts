import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asyncTaskKey } from "@/server/contracts/batch";
import { getRedis } from "@/server/redis";
import { createFraudDeployment, fraudInferRequest } from "@/test/support/fraud-deployment";
import { startServingStack } from "@/test/support/serving-stack";

// Async inference (prefer: respond-async) on the gateway in this process, a real serving worker.

/** Read when the gateway starts: answers are kept this long. */
const TTL_SECONDS = 120;
process.env.GATEWAY_ASYNC_TASK_TTL_SECONDS = String(TTL_SECONDS);

let stack: Awaited<ReturnType<typeof startServingStack>>;
let url: string;

beforeAll(async () => {
  await createFraudDeployment();
  stack = await startServingStack({ hostName: "async-tasks-1" });
  url = stack.gateway.url;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v2/models/fraud/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });

async function awaitTask(location: string): Promise<Response> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const answer = await fetch(`${url}${location}`);
    if (answer.status !== 202) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${location} still pending`);
}

describe("async inference tasks", () => {
  it("answers 202 with a task, and the task answers exactly what the synchronous call does", async () => {
    const { body } = fraudInferRequest();
    const sync = await post(body);
    expect(sync.status).toBe(200);
    const accepted = await post(body, { prefer: "respond-async, wait=5" });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("preference-applied")).toBe("respond-async");
    const location = accepted.headers.get("location")!;
    const { id } = (await accepted.json()) as { id: string };
    expect(location).toBe(`/v2/tasks/${id}`);
    const done = await awaitTask(location);
    expect(done.status).toBe(200);
    expect(done.headers.get("x-model-version")).toBe(sync.headers.get("x-model-version"));
    expect(await done.text()).toBe(await sync.text());
    // Kept for the configured time from when it finished, then gone.
    const ttlMs = await getRedis().pttl(asyncTaskKey(id));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(TTL_SECONDS * 1000);
  });

  it("keeps a refused request's answer too, and says when a task is unknown", async () => {
    const bad = JSON.stringify({
      inputs: [{ name: "features", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }],
    });
    const sync = await post(bad);
    expect(sync.status).toBe(400);
    const accepted = await post(bad, { prefer: "respond-async" });
    const done = await awaitTask(accepted.headers.get("location")!);
    expect(done.status).toBe(400);
    expect(await done.json()).toEqual(await sync.json());
    const unknown = await fetch(`${url}/v2/tasks/00000000-0000-0000-0000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no task '0{8}-/);
  });
});
