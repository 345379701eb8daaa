import { z } from "zod";
import { getDb } from "@/server/db";

export const ZDescribeActorInput = z.object({ actor: z.string().min(1).max(200) });

/**
 * How pages name who acted: revisions, requests and the audit log record actors as
 * "user:<id>" or "apikey:<id>", which mean nothing to a reader. A user of the team reads as their
 * email, a key as its name and prefix; anything else ("local", "demo", "system") as recorded.
 * Only the caller's team's users and keys are named; others read as recorded.
 */
export async function describeActor({ teamId, actor }: { teamId: string; actor: string }): Promise<string> {
  const [kind, id] = actor.split(":", 2);
  if (kind === "user" && id) {
    const member = await getDb().membership.findFirst({
      where: { teamId, userId: id },
      select: { user: { select: { email: true } } },
    });
    return member?.user.email ?? "a former member";
  }
  if (kind === "apikey" && id) {
    const key = await getDb().apiKey.findFirst({
      where: { teamId, id },
      select: { name: true, prefix: true },
    });
    return key ? `API key '${key.name}' (${key.prefix}…)` : "a deleted API key";
  }
  return actor === "local" ? "local admin (no sign-in)" : actor;
}
