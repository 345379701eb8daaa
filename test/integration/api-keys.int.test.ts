import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMlopsClient } from "@/bin/client/create-mlops-client";
import { batchStorePath } from "@/server/contracts/batch";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { createApiKey } from "@/server/services/auth/create-api-key";
import { hashApiKey } from "@/server/services/auth/api-key-secret";
import { startConsoleServer } from "@/test/support/console-server";
import { readDemoFile } from "@/test/support/demo-files";
import { fraudInferRequest } from "@/test/support/fraud-deployment";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

// Access control against the real console (tRPC and downloads over HTTP) and a real gateway with
// a serving worker, in a file where credentials are required everywhere: the console asks for a
// key or a session, the gateway for a key, and the worker reads artifacts with WORKER_TOKEN.
// The gateway trusts a cached key for 10 minutes here, so whatever stops a key sooner is the
// revocation announcement or the clock, not the cache TTL.

process.env.CONSOLE_REQUIRE_AUTH = "true";
process.env.GATEWAY_REQUIRE_API_KEY = "true";
process.env.GATEWAY_API_KEY_CACHE_TTL_MS = "600000";
process.env.WORKER_TOKEN = "worker-token-of-the-api-keys-test-0123456789";
const logFile = path.join(os.tmpdir(), `api-keys-${process.pid}.log`);
process.env.LOG_FILE = logFile;
process.env.LOG_LEVEL = "debug";

const adminA = callerFor("default", "user:ada");
const adminB = callerFor("team-b", "user:bea");
let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;
let stack: Awaited<ReturnType<typeof startServingStack>>;
const keys: Record<string, { id: string; key: string }> = {};
let artifactA: string;
let artifactB: string;
let jobB: string;

const client = (key?: string) =>
  createMlopsClient({ url: consoleServer.url, apiKey: key, timeoutMs: 10_000 });
const bearer = (key?: string): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/** What a tRPC call was refused with: its code and sentence. */
async function refusal(call: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: (error.data as { code?: unknown } | undefined)?.code, message: error.message };
}

async function download(route: string, key?: string) {
  const response = await fetch(`${consoleServer.url}${route}`, { headers: bearer(key) });
  const type = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    body: type.startsWith("application/json") ? await response.json() : await response.text(),
  };
}

async function gateway(route: string, key?: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.gateway.url}${route}`, {
    ...init,
    headers: { ...bearer(key), ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

function infer(deployment: string, key?: string, headers: Record<string, string> = {}) {
  return gateway(`/v2/models/${deployment}/infer`, key, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: fraudInferRequest(deployment).body.toString(),
  });
}

async function makeKey(
  name: string,
  caller: typeof adminA,
  input: Omit<Parameters<typeof adminA.apiKey.create>[0], "name">,
) {
  const created = await caller.apiKey.create({ name, ...input });
  keys[name] = { id: created.id, key: created.key };
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) {
  const startedMs = performance.now();
  let value = await probe();
  while (!done(value) && performance.now() - startedMs < timeoutMs) {
    await sleep(20);
    value = await probe();
  }
  return { value, afterMs: performance.now() - startedMs };
}

beforeAll(async () => {
  await createTeam("team-b");
  await adminA.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"]) {
    const version = await adminA.modelVersion.upload(
      uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }),
    );
    artifactA ??= version.artifactSha256;
  }
  await adminA.deployment.create({ name: "fraud", modelName: "card-fraud", versionNumber: 1 });
  await adminA.deployment.create({ name: "fraud-other", modelName: "card-fraud", versionNumber: 1 });

  await adminB.model.create({ name: "b-model" });
  const versionB = await adminB.modelVersion.upload(
    uploadForm({ modelName: "b-model", file: await readDemoFile("fraud-v3.onnx") }),
  );
  artifactB = versionB.artifactSha256;
  await adminB.deployment.create({ name: "b-only", modelName: "b-model", versionNumber: 1 });
  // A finished job of team B with an output file: only the team's check keeps it from team A.
  const teamB = await getDb().team.findUniqueOrThrow({ where: { slug: "team-b" } });
  const outputKey = "batch/b-job/output.csv";
  const versionRowB = await getDb().modelVersion.findFirstOrThrow({ where: { teamId: teamB.id } });
  const job = await getDb().batchJob.create({
    data: {
      teamId: teamB.id,
      modelVersionId: versionRowB.id,
      status: "succeeded",
      inputKey: "batch/b-job/input.csv",
      outputKey,
      totalRows: 1,
      processedRows: 1,
    },
  });
  jobB = job.id;
  const outputPath = batchStorePath(readEnv().ARTIFACT_DIR, outputKey);
  await mkdir(path.dirname(outputPath), { recursive: true });
  await writeFile(outputPath, "id,probability\n1,0.5\n");

  await makeKey("admin-a", adminA, { role: "admin" });
  await makeKey("editor-a", adminA, { role: "editor" });
  await makeKey("viewer-a", adminA, { role: "viewer" });
  await makeKey("scoped-a", adminA, { role: "editor", deploymentNames: ["fraud"] });
  await makeKey("admin-b", adminB, { role: "admin" });

  consoleServer = await startConsoleServer();
  stack = await startServingStack({ hostName: "api-keys-host" });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await consoleServer?.close();
  await rm(logFile, { force: true });
});

describe("without credentials", () => {
  it("tRPC, the gateway and every download answer 401 with what to send", async () => {
    expect(await refusal(client().model.list.query({}))).toEqual({
      code: "UNAUTHORIZED",
      message: "sign in, or send an API key as 'Authorization: Bearer mlk_…'",
    });
    const raw = await fetch(`${consoleServer.url}/api/trpc/deployment.list`);
    expect(raw.status).toBe(401);

    expect(await infer("fraud")).toMatchObject({
      status: 401,
      body: { error: "this gateway needs an API key: send 'Authorization: Bearer mlk_…'" },
    });
    expect((await gateway("/v2/models/fraud")).status).toBe(401);
    expect((await gateway("/v2/tasks/some-task")).status).toBe(401);
    // Health and the metrics scrape stay open: a load balancer has no key.
    expect((await gateway("/v2/health/live")).status).toBe(200);

    for (const route of [
      `/api/artifacts/${artifactA}`,
      `/api/batch-jobs/${jobB}/output`,
      "/api/audit-events",
    ])
      expect([route, await download(route)]).toEqual([
        route,
        { status: 401, body: { error: "sign in, or send an API key as 'Authorization: Bearer mlk_…'" } },
      ]);
  });

  it("a token that is not a key, or a key that does not exist, is refused the same way everywhere", async () => {
    const made = keys["viewer-a"]!.key;
    const forged = `${made.slice(0, 13)}${"A".repeat(43)}`;
    for (const [token, message] of [
      ["not-a-key", "the bearer token is not an API key of this console (mlk_…)"],
      [forged, "API key is not valid"],
      ["mlk_ZZZZZZZZ_" + "B".repeat(43), "API key is not valid"],
    ] as const) {
      expect(await refusal(client(token).model.list.query({}))).toEqual({ code: "UNAUTHORIZED", message });
      expect(await gateway("/v2/models/fraud", token)).toMatchObject({
        status: 401,
        body: { error: message },
      });
      expect(await download(`/api/artifacts/${artifactA}`, token)).toEqual({
        status: 401,
        body: { error: message },
      });
    }
  });
});

describe("a key", () => {
  it("is shown once, on creation, and stored only as its sha256", async () => {
    const created = await makeKey("shown-once", adminA, { role: "viewer" });
    expect(created.key).toMatch(new RegExp(`^mlk_${created.id}_[A-Za-z0-9_-]{43}$`));
    expect(created).toMatchObject({ prefix: `mlk_${created.id}`, role: "viewer", createdBy: "user:ada" });
    const secret = created.key.slice(`mlk_${created.id}_`.length);

    const listed = await client(keys["admin-a"]!.key).apiKey.list.query();
    const entry = listed.find((key) => key.id === created.id)!;
    expect(Object.keys(entry).sort()).toEqual(
      [
        "createdAt",
        "createdBy",
        "deploymentNames",
        "expiresAt",
        "id",
        "lastUsedAt",
        "name",
        "prefix",
        "requestsPerMinute",
        "revokedAt",
        "role",
      ].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(secret);

    const row = await getDb().apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.keyHash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(row)).not.toContain(secret);
    const events = await getDb().auditEvent.findMany({ where: { targetId: created.id } });
    expect(events.map((event) => event.action)).toEqual(["apiKey.create"]);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it("acts in its own team, recorded as apikey:<id> in revisions and the audit log", async () => {
    const editor = client(keys["editor-a"]!.key);
    expect((await editor.model.list.query({})).map((model) => model.name)).toEqual(["card-fraud"]);
    await editor.deployment.changeTraffic.mutate({
      name: "fraud-other",
      change: { kind: "canary", versionNumber: 2, weightPercent: 10 },
    });
    const deployment = await adminA.deployment.byName({ name: "fraud-other" });
    expect(deployment.revisions[0]).toMatchObject({
      strategy: "canary",
      createdBy: `apikey:${keys["editor-a"]!.id}`,
    });
    const events = await adminA.audit.list({ action: "deployment.canary" });
    expect(events.events[0]).toMatchObject({ actor: `apikey:${keys["editor-a"]!.id}` });
    await editor.deployment.changeTraffic.mutate({ name: "fraud-other", change: { kind: "rollback" } });
  });

  it("of a viewer reads but cannot promote, and an editor's cannot promote or manage keys", async () => {
    const viewer = client(keys["viewer-a"]!.key);
    expect((await viewer.deployment.list.query()).map((row) => row.name)).toEqual(["fraud", "fraud-other"]);
    expect(
      await refusal(
        viewer.deployment.changeTraffic.mutate({
          name: "fraud",
          change: { kind: "promote", versionNumber: 2 },
        }),
      ),
    ).toEqual({
      code: "FORBIDDEN",
      message: "promoting to production needs the admin role; this key has viewer",
    });
    expect(await refusal(viewer.model.create.mutate({ name: "sneaky" }))).toEqual({
      code: "FORBIDDEN",
      message: "registering models and versions needs the editor role; this key has viewer",
    });
    const editor = client(keys["editor-a"]!.key);
    expect(
      await refusal(
        editor.deployment.changeTraffic.mutate({
          name: "fraud",
          change: { kind: "promote", versionNumber: 2 },
        }),
      ),
    ).toEqual({
      code: "FORBIDDEN",
      message: "promoting to production needs the admin role; this key has editor",
    });
    expect(await refusal(editor.apiKey.create.mutate({ name: "mine", role: "admin" }))).toEqual({
      code: "FORBIDDEN",
      message: "managing API keys needs the admin role; this key has editor",
    });
    expect(
      await refusal(editor.deployment.setApproval.mutate({ name: "fraud", required: false })),
    ).toMatchObject({
      code: "FORBIDDEN",
    });
    // Nothing moved: v1 still takes everything.
    const { activeRevision } = await adminA.deployment.byName({ name: "fraud" });
    expect(activeRevision.target.weights).toEqual([{ versionNumber: 1, weight: 100 }]);

    const admin = client(keys["admin-a"]!.key);
    expect(
      await admin.deployment.changeTraffic.mutate({
        name: "fraud",
        change: { kind: "promote", versionNumber: 2 },
      }),
    ).toMatchObject({ strategy: "promote" });
    await admin.deployment.changeTraffic.mutate({ name: "fraud", change: { kind: "rollback" } });
  });

  it("is never made with a role or a reach above its creator's, nor with an expiry in the past", async () => {
    const teamA = await getDb().team.findUniqueOrThrow({ where: { slug: "default" } });
    await expect(
      createApiKey({
        teamId: teamA.id,
        actor: "user:ed",
        creatorRole: "editor",
        name: "x",
        role: "admin",
        deploymentNames: [],
      }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "a key cannot have a role above its creator's: the key would be admin, its creator is editor",
    });
    await expect(
      createApiKey({
        teamId: teamA.id,
        actor: "apikey:x",
        creatorRole: "admin",
        creatorDeploymentNames: ["fraud"],
        name: "x",
        role: "viewer",
        deploymentNames: [],
      }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "a key cannot reach more than its creator, which reaches only 'fraud'",
    });
    const admin = client(keys["admin-a"]!.key);
    expect(
      await refusal(
        admin.apiKey.create.mutate({
          name: "old",
          role: "viewer",
          expiresAt: new Date("2020-01-01T00:00:00Z"),
        }),
      ),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "expiresAt 2020-01-01T00:00:00.000Z is in the past; give a later time or none",
    });
    expect(
      await refusal(admin.apiKey.create.mutate({ name: "typo", role: "viewer", deploymentNames: ["frud"] })),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "no deployment named 'frud' in this team",
    });
  });
});

describe("team A's key", () => {
  it("cannot read or change team B's models, deployments, jobs or keys by name or id", async () => {
    const a = client(keys["admin-a"]!.key);
    expect(await refusal(a.model.byName.query({ name: "b-model" }))).toEqual({
      code: "NOT_FOUND",
      message: "model 'b-model' does not exist",
    });
    expect((await refusal(a.modelVersion.byNumber.query({ modelName: "b-model", number: 1 }))).code).toBe(
      "NOT_FOUND",
    );
    expect(await refusal(a.deployment.byName.query({ name: "b-only" }))).toEqual({
      code: "NOT_FOUND",
      message: "deployment 'b-only' does not exist",
    });
    expect(
      (await refusal(a.deployment.changeTraffic.mutate({ name: "b-only", change: { kind: "rollback" } })))
        .code,
    ).toBe("NOT_FOUND");
    expect((await refusal(a.batchJob.get.query({ id: jobB }))).code).toBe("NOT_FOUND");
    expect((await refusal(a.batchJob.cancel.mutate({ id: jobB }))).code).toBe("NOT_FOUND");
    expect(await refusal(a.apiKey.revoke.mutate({ id: keys["admin-b"]!.id }))).toEqual({
      code: "NOT_FOUND",
      message: `API key '${keys["admin-b"]!.id}' does not exist`,
    });
    const listed = await a.apiKey.list.query();
    expect(listed.map((key) => key.id)).not.toContain(keys["admin-b"]!.id);
    expect((await a.deployment.list.query()).map((row) => row.name)).not.toContain("b-only");
    // B's own key sees what A's cannot.
    const b = client(keys["admin-b"]!.key);
    expect((await b.deployment.list.query()).map((row) => row.name)).toEqual(["b-only"]);
    expect((await b.batchJob.get.query({ id: jobB })).status).toBe("succeeded");
  });

  it("gets 404 for team B's deployments on the gateway, as for a name nobody uses", async () => {
    const a = keys["admin-a"]!.key;
    expect(await gateway("/v2/models/b-only", a)).toMatchObject({
      status: 404,
      body: { error: "unknown model 'b-only': no deployment has that name" },
    });
    expect(await infer("b-only", a)).toMatchObject({
      status: 404,
      body: { error: "unknown model 'b-only': no deployment has that name" },
    });
    expect((await gateway("/v2/models/b-only", keys["admin-b"]!.key)).status).toBe(200);
    // Names are per team: B has no deployment called 'fraud'.
    expect((await infer("fraud", keys["admin-b"]!.key)).status).toBe(404);
    expect(await infer("fraud", a)).toMatchObject({ status: 200 });
  });

  it("cannot read an async task that team B's key started", async () => {
    const started = await infer("b-only", keys["admin-b"]!.key, { prefer: "respond-async" });
    expect(started.status).toBe(202);
    const location = started.headers.get("location")!;
    expect(await gateway(location, keys["admin-a"]!.key)).toMatchObject({ status: 404 });
    const { value } = await until(
      () => gateway(location, keys["admin-b"]!.key),
      (answer) => answer.status !== 202,
      20_000,
    );
    expect(value).toMatchObject({ status: 200, body: { model_name: "b-only" } });
    expect((await gateway(location, keys["admin-a"]!.key)).status).toBe(404);
  });

  it("downloads its own artifacts, jobs and audit log only", async () => {
    const a = keys["admin-a"]!.key;
    const b = keys["admin-b"]!.key;
    expect((await download(`/api/artifacts/${artifactA}`, a)).status).toBe(200);
    expect(await download(`/api/artifacts/${artifactB}`, a)).toEqual({
      status: 404,
      body: { error: `no artifact with sha256 ${artifactB}` },
    });
    expect((await download(`/api/artifacts/${artifactB}`, b)).status).toBe(200);
    expect(await download(`/api/batch-jobs/${jobB}/output`, a)).toEqual({
      status: 404,
      body: { error: `batch job '${jobB}' does not exist` },
    });
    expect(await download(`/api/batch-jobs/${jobB}/output`, b)).toEqual({
      status: 200,
      body: "id,probability\n1,0.5\n",
    });
    const audit = await download("/api/audit-events?format=jsonl", a);
    expect(audit.status).toBe(200);
    expect(audit.body).toContain("card-fraud");
    expect(audit.body).not.toContain("b-model");
    expect(audit.body).not.toContain("b-only");
  });
});

describe("a key scoped to deployments", () => {
  it("reaches only those, on tRPC and on the gateway (403 by name)", async () => {
    const scoped = keys["scoped-a"]!.key;
    expect((await client(scoped).deployment.list.query()).map((row) => row.name)).toEqual(["fraud"]);
    expect((await client(scoped).deployment.byName.query({ name: "fraud" })).name).toBe("fraud");
    expect(await refusal(client(scoped).deployment.byName.query({ name: "fraud-other" }))).toEqual({
      code: "FORBIDDEN",
      message: "this API key may reach only deployment 'fraud', not 'fraud-other'",
    });
    expect(
      (
        await refusal(
          client(scoped).deployment.changeTraffic.mutate({
            name: "fraud-other",
            change: { kind: "canary", versionNumber: 2, weightPercent: 5 },
          }),
        )
      ).code,
    ).toBe("FORBIDDEN");
    expect(await infer("fraud", scoped)).toMatchObject({ status: 200 });
    expect(await infer("fraud-other", scoped)).toMatchObject({
      status: 403,
      body: { error: "this API key may reach only deployment 'fraud', not 'fraud-other'" },
    });
  });
});

describe("stopping a key", () => {
  it("a revoked key stops at once in the console and in a gateway that had cached it", async () => {
    await makeKey("to-revoke", adminA, { role: "viewer" });
    const key = keys["to-revoke"]!.key;
    expect((await gateway("/v2/models/fraud", key)).status).toBe(200);
    expect((await client(key).model.list.query({})).length).toBe(1);

    const revoked = await client(keys["admin-a"]!.key).apiKey.revoke.mutate({ id: keys["to-revoke"]!.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await refusal(client(key).model.list.query({}))).toEqual({
      code: "UNAUTHORIZED",
      message: "API key was revoked",
    });
    // The gateway holds the key for 10 minutes; the announcement drops it within moments.
    const { value, afterMs } = await until(
      () => gateway("/v2/models/fraud", key),
      (answer) => answer.status === 401,
      3_000,
    );
    expect(value).toMatchObject({ status: 401, body: { error: "API key was revoked" } });
    console.log(`revoked key refused by the gateway ${afterMs.toFixed(0)} ms after the revocation answered`);
    expect(await download(`/api/artifacts/${artifactA}`, key)).toEqual({
      status: 401,
      body: { error: "API key was revoked" },
    });
    expect(
      await refusal(client(keys["admin-a"]!.key).apiKey.revoke.mutate({ id: keys["to-revoke"]!.id })),
    ).toMatchObject({
      code: "CONFLICT",
    });
  });

  it("an expired key is refused by the console and by a gateway that cached it before", async () => {
    const expiresAt = new Date(Date.now() + 3_000);
    await makeKey("short-lived", adminA, { role: "viewer", expiresAt });
    const key = keys["short-lived"]!.key;
    expect((await gateway("/v2/models/fraud", key)).status).toBe(200);
    expect((await client(key).model.list.query({})).length).toBe(1);
    await sleep(expiresAt.getTime() - Date.now() + 50);
    const message = `API key expired on ${expiresAt.toISOString()}`;
    expect(await refusal(client(key).model.list.query({}))).toEqual({ code: "UNAUTHORIZED", message });
    expect(await gateway("/v2/models/fraud", key)).toMatchObject({ status: 401, body: { error: message } });
  });
});

describe("a key's use", () => {
  it("is limited to its requests per minute on the gateway: 429 with retry-after past it", async () => {
    await makeKey("limited", adminA, { role: "viewer", requestsPerMinute: 3 });
    const key = keys["limited"]!.key;
    // The window is the wall-clock minute: start well inside one.
    const leftMs = 60_000 - (Date.now() % 60_000);
    if (leftMs < 10_000) await sleep(leftMs + 100);
    for (let request = 1; request <= 3; request++)
      expect([request, (await gateway("/v2/models/fraud", key)).status]).toEqual([request, 200]);
    const refused = await gateway("/v2/models/fraud", key);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      error: `this API key may make 3 requests a minute; retry in ${retryAfter} s`,
    });
    // Another key is not held back by this one's count.
    expect((await gateway("/v2/models/fraud", keys["viewer-a"]!.key)).status).toBe(200);
  });

  it("is recorded as lastUsedAt at most once a minute, not per request", async () => {
    await makeKey("tracked", adminA, { role: "viewer" });
    const key = keys["tracked"]!.key;
    const lastUsedAt = async () =>
      (await getDb().apiKey.findUniqueOrThrow({ where: { id: keys["tracked"]!.id } })).lastUsedAt;
    expect(await lastUsedAt()).toBeNull();
    await client(key).model.list.query({});
    const { value: first } = await until(lastUsedAt, (value) => value !== null, 5_000);
    expect(first).toBeInstanceOf(Date);
    for (let call = 0; call < 5; call++) {
      await client(key).model.list.query({});
      await gateway("/v2/models/fraud", key);
    }
    await sleep(300);
    expect(await lastUsedAt()).toEqual(first);
  });

  it("never puts a key in the log", async () => {
    const log = await readFile(logFile, "utf8");
    expect(log.length).toBeGreaterThan(0);
    for (const [name, { key }] of Object.entries(keys)) {
      const secret = key.split("_").slice(2).join("_");
      expect([name, log.includes(secret)]).toEqual([name, false]);
    }
  });
});
