import { z } from "zod";
import { getDb } from "@/server/db";

export const ZListModelsInput = z.object({ query: z.string().max(200).default("") }).default({ query: "" });

export async function listModels({ teamId, query }: z.output<typeof ZListModelsInput> & { teamId: string }) {
  const search = query.trim();
  const models = await getDb().model.findMany({
    where: {
      teamId,
      ...(search && {
        OR: [
          { name: { contains: search, mode: "insensitive" as const } },
          { description: { contains: search, mode: "insensitive" as const } },
          { task: { contains: search, mode: "insensitive" as const } },
        ],
      }),
    },
    orderBy: { updatedAt: "desc" },
    select: {
      id: true,
      name: true,
      description: true,
      task: true,
      updatedAt: true,
      _count: { select: { versions: true } },
      versions: { orderBy: { number: "desc" }, take: 1, select: { number: true, createdAt: true } },
    },
  });
  return models.map(({ _count, versions, ...model }) => ({
    ...model,
    versionCount: _count.versions,
    latestVersion: versions[0] ?? null,
  }));
}
