import { describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { callerFor } from "@/test/support/trpc-caller";

// Pages name who acted by email or key name, never by the row ids actors are recorded with, and
// only for the caller's own team.

const api = callerFor();

describe("actor labels", () => {
  it("names a member by email, a key by name and prefix, and others as recorded", async () => {
    const db = getDb();
    const team = await db.team.findUniqueOrThrow({ where: { slug: "default" } });
    const user = await db.user.create({ data: { email: "ann@example.com", name: "Ann" } });
    await db.membership.create({ data: { teamId: team.id, userId: user.id, role: "editor" } });
    const stranger = await db.user.create({ data: { email: "eve@example.com", name: "Eve" } });
    const key = await api.apiKey.create({ name: "ci-deployer", role: "editor" });

    expect(await api.session.actorLabel({ actor: `user:${user.id}` })).toBe("ann@example.com");
    expect(await api.session.actorLabel({ actor: `user:${stranger.id}` })).toBe("a former member");
    expect(await api.session.actorLabel({ actor: `apikey:${key.id}` })).toBe(
      `API key 'ci-deployer' (${key.prefix}…)`,
    );
    expect(await api.session.actorLabel({ actor: "local" })).toBe("local admin (no sign-in)");
    expect(await api.session.actorLabel({ actor: "demo" })).toBe("demo");
  });
});
