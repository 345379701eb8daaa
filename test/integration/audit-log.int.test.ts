import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as exportAuditEvents } from "@/app/api/audit-events/route";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

// The audit log as users and CI read it (issue 11's history): every change, newest first, named by
// what changed rather than by row ids, filtered, paged, and exported as CSV or JSON lines.
const api = callerFor();

beforeAll(async () => {
  await createTeam("audit-other");
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: "fraud-audited", modelName: "card-fraud", versionNumber: 1 });
  await api.deployment.changeTraffic({
    name: "fraud-audited",
    change: { kind: "promote", versionNumber: 2 },
  });
});

afterAll(() => getRedis().quit());

const ALL_ACTIONS = [
  "deployment.promote",
  "deployment.create",
  "modelVersion.register",
  "modelVersion.register",
  "model.create",
];

describe("the audit log", () => {
  it("lists every change newest first, naming its target, with before and after and no row ids", async () => {
    const { events, nextCursor } = await api.audit.list({});
    expect(events.map((event) => event.action)).toEqual(ALL_ACTIONS);
    expect(nextCursor).toBeNull();
    expect(events.map((event) => event.target)).toEqual([
      { type: "deployment", name: "fraud-audited" },
      { type: "deployment", name: "fraud-audited" },
      { type: "modelVersion", name: "card-fraud v2" },
      { type: "modelVersion", name: "card-fraud v1" },
      { type: "model", name: "card-fraud" },
    ]);
    expect(events[0]).toMatchObject({
      actor: "test",
      before: { revision: { number: 1, target: { weights: [{ versionNumber: 1, weight: 100 }] } } },
      after: { revision: { number: 2, target: { weights: [{ versionNumber: 2, weight: 100 }] } } },
    });
    await expectNoInternals(events);
  });

  it("filters by action, target type, actor and time", async () => {
    const actions = async (filters: Parameters<typeof api.audit.list>[0]) =>
      (await api.audit.list(filters)).events.map((event) => event.action);
    expect(await actions({ action: "deployment.promote" })).toEqual(["deployment.promote"]);
    expect(await actions({ targetType: "modelVersion" })).toEqual([
      "modelVersion.register",
      "modelVersion.register",
    ]);
    expect(await actions({ actor: "someone-else" })).toEqual([]);
    const all = (await api.audit.list({})).events;
    expect(await actions({ from: all[1]!.at })).toEqual(ALL_ACTIONS.slice(0, 2));
    expect(await actions({ to: all[2]!.at })).toEqual(ALL_ACTIONS.slice(2));
  });

  it("pages through with a cursor, each event once, and refuses a cursor it did not make", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.audit.list({ limit: 2, cursor });
      seen.push(...page.events.map((event) => `${event.action} ${event.target.name}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(ALL_ACTIONS.length);
    expect(new Set(seen).size).toBe(ALL_ACTIONS.length);
    await expect(api.audit.list({ cursor: "not-a-cursor" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cursor is not one this API returned; start again without it",
    });
  });

  it("is the team's own", async () => {
    expect((await callerFor("audit-other").audit.list({})).events).toEqual([]);
  });

  it("exports the same events as JSON lines and as CSV, with the filters", async () => {
    const exported = (query: string) =>
      exportAuditEvents(new Request(`http://console/api/audit-events?${query}`));
    const jsonl = await exported("format=jsonl");
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-default-.+\.jsonl"$/,
    );
    const lines = (await jsonl.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.action)).toEqual(ALL_ACTIONS);
    expect(lines[0].target).toEqual({ type: "deployment", name: "fraud-audited" });

    const csv = await exported("format=csv&targetType=deployment");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = (await csv.text()).trim().split("\n");
    expect(rows[0]).toBe("at,actor,action,targetType,target,before,after");
    expect(rows.slice(1).map((row) => row.split(",").slice(1, 5))).toEqual([
      ["test", "deployment.promote", "deployment", "fraud-audited"],
      ["test", "deployment.create", "deployment", "fraud-audited"],
    ]);
    await expectNoInternals(lines, rows);

    expect((await exported("format=xml")).status).toBe(400);
    expect(await (await exported("from=yesterday")).json()).toEqual({
      error: "query.from: must be a date and time (ISO 8601, e.g. 2026-12-01T12:00:00Z)",
    });
  });
});
