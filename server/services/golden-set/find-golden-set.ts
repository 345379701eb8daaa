import { AppError } from "@/server/domain/app-error";
import type { Prisma } from "@/generated/prisma/client";
import { getDb } from "@/server/db";

type Client = Prisma.TransactionClient | ReturnType<typeof getDb>;

export async function findGoldenSetOrThrow(
  model: { id: string; name: string },
  name: string,
  client: Client = getDb(),
) {
  const goldenSet = await client.goldenSet.findUnique({
    where: { modelId_name: { modelId: model.id, name } },
  });
  if (!goldenSet) throw new AppError("NOT_FOUND", `model '${model.name}' has no golden set '${name}'`);
  return goldenSet;
}
