import { z } from "zod";
import { getDb } from "@/server/db";

export const ZListModelsInput = z.object({ query: z.string().max(200).default("") }).default({ query: "" });
export const ZListModelsOutput = z.array(
  z.object({
    name: z.string(),
    description: z.string(),
    task: z.string(),
    updatedAt: z.date(),
    versionCount: z.number().int(),
    latestVersion: z.object({ number: z.number().int(), createdAt: z.date() }).nullable(),
  }),
);

export async function listModels({
  teamId,
  query,
}: z.output<typeof ZListModelsInput> & { teamId: string }): Promise<z.output<typeof ZListModelsOutput>> {
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
