import { z } from "zod";
import { getDb } from "@/server/db";
import { API_KEY_OUTPUT_SELECT, ZApiKeyOutput } from "@/server/services/auth/api-key-output";

export const ZListApiKeysOutput = z.array(ZApiKeyOutput);

/** The team's keys, newest first, revoked ones included (their history stays readable). */
export async function listApiKeys({
  teamId,
}: {
  teamId: string;
}): Promise<z.output<typeof ZListApiKeysOutput>> {
  return getDb().apiKey.findMany({
    where: { teamId },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: API_KEY_OUTPUT_SELECT,
  });
}
