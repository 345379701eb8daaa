import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { makeFirstAdmin } from "@/server/services/team/make-first-admin";
import { callerFor, createTeam } from "@/test/support/trpc-caller";

const caller = callerFor("default", "user:admin");
const other = callerFor("other", "user:other-admin");

/** A user as better-auth leaves one after their first sign-in. */
async function signedInOnce(email: string, name: string) {
  return getDb().user.create({ data: { email, name }, select: { id: true, email: true } });
}

beforeAll(async () => {
  await createTeam("other");
  const ann = await signedInOnce("ann@example.com", "Ann");
  expect(await makeFirstAdmin({ user: ann })).toBe(true);
  await signedInOnce("bob@example.com", "Bob");
  await signedInOnce("cy@example.com", "Cy");
  const otherAdmin = await signedInOnce("olga@example.com", "Olga");
  expect(await makeFirstAdmin({ user: otherAdmin, teamSlug: "other" })).toBe(true);
});

describe("members", () => {
  it("adds someone who has signed in once by email, with a role, and audits it", async () => {
    const added = await caller.member.add({ email: " Bob@Example.com ", role: "editor" });
    expect(added).toEqual({
      email: "bob@example.com",
      name: "Bob",
      role: "editor",
      joinedAt: expect.any(Date),
    });
    expect((await caller.member.list()).map(({ email, role }) => [email, role])).toEqual([
      ["ann@example.com", "admin"],
      ["bob@example.com", "editor"],
    ]);
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { action: "member.add" } });
    expect(audit).toMatchObject({
      actor: "user:admin",
      targetType: "member",
      data: { before: null, after: { email: "bob@example.com", role: "editor" } },
    });
  });

  it("refuses an address nobody has signed in with, and a second membership, with sentences", async () => {
    await expect(caller.member.add({ email: "nobody@example.com", role: "viewer" })).rejects.toMatchObject({
      message:
        "nobody has signed in as nobody@example.com yet: they must sign in to the console once before they can be added",
      code: "NOT_FOUND",
    });
    await expect(caller.member.add({ email: "bob@example.com", role: "admin" })).rejects.toMatchObject({
      message: "bob@example.com is already a member of this team, as editor",
      code: "CONFLICT",
    });
    await expect(caller.member.add({ email: "not an address", role: "admin" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("changes a member's role, and audits before and after", async () => {
    expect(await caller.member.setRole({ email: "bob@example.com", role: "admin" })).toMatchObject({
      role: "admin",
    });
    const audit = await getDb().auditEvent.findFirstOrThrow({ where: { action: "member.setRole" } });
    expect(audit.data).toEqual({
      before: { email: "bob@example.com", role: "editor" },
      after: { email: "bob@example.com", role: "admin" },
    });
  });

  it("keeps the last admin: neither demoted nor removed", async () => {
    await caller.member.remove({ email: "bob@example.com" });
    await expect(caller.member.setRole({ email: "ann@example.com", role: "viewer" })).rejects.toMatchObject({
      message:
        "ann@example.com is the team's last admin and cannot be made viewer: make another member admin first",
      code: "CONFLICT",
    });
    await expect(caller.member.remove({ email: "ann@example.com" })).rejects.toMatchObject({
      message:
        "ann@example.com is the team's last admin and cannot be removed: make another member admin first",
      code: "CONFLICT",
    });
    expect(await caller.member.list()).toMatchObject([{ email: "ann@example.com", role: "admin" }]);
    const removal = await getDb().auditEvent.findFirstOrThrow({ where: { action: "member.remove" } });
    expect(removal.data).toEqual({ before: { email: "bob@example.com", role: "admin" }, after: null });
  });

  it("leaves two admins demoting each other at once with one admin, not none", async () => {
    await caller.member.add({ email: "cy@example.com", role: "admin" });
    const results = await Promise.allSettled([
      caller.member.setRole({ email: "ann@example.com", role: "editor" }),
      caller.member.setRole({ email: "cy@example.com", role: "editor" }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const admins = (await caller.member.list()).filter((member) => member.role === "admin");
    expect(admins).toHaveLength(1);
  });

  it("shows and changes another team's members to nobody", async () => {
    expect((await other.member.list()).map((member) => member.email)).toEqual(["olga@example.com"]);
    expect((await caller.member.list()).map((member) => member.email)).not.toContain("olga@example.com");
    for (const call of [
      () => caller.member.setRole({ email: "olga@example.com", role: "viewer" }),
      () => caller.member.remove({ email: "olga@example.com" }),
    ])
      await expect(call()).rejects.toMatchObject({
        message: "olga@example.com is not a member of this team",
        code: "NOT_FOUND",
      });
    expect(await other.member.list()).toMatchObject([{ email: "olga@example.com", role: "admin" }]);
  });
});

describe("the first admin", () => {
  it("is one of two people signing up at once, never both", async () => {
    await createTeam("fresh");
    const [first, second] = await Promise.all([
      signedInOnce("racer-1@example.com", "Racer 1"),
      signedInOnce("racer-2@example.com", "Racer 2"),
    ]);
    const made = await Promise.all([
      makeFirstAdmin({ user: first, teamSlug: "fresh" }),
      makeFirstAdmin({ user: second, teamSlug: "fresh" }),
    ]);
    expect(made.filter(Boolean)).toHaveLength(1);
    const team = await getDb().team.findUniqueOrThrow({ where: { slug: "fresh" } });
    expect(await getDb().membership.findMany({ where: { teamId: team.id }, select: { role: true } })).toEqual(
      [{ role: "admin" }],
    );
  });

  it("is nobody where the team does not exist", async () => {
    const user = await signedInOnce("lost@example.com", "Lost");
    expect(await makeFirstAdmin({ user, teamSlug: "no-such-team" })).toBe(false);
  });
});
