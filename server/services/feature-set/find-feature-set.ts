import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";

export async function findFeatureSetOrThrow(teamId: string, name: string) {
  const featureSet = await getDb().featureSet.findUnique({ where: { teamId_name: { teamId, name } } });
  if (!featureSet) throw featureSetNotFound(name);
  return featureSet;
}

export function featureSetNotFound(name: string): AppError {
  return new AppError("NOT_FOUND", `feature set '${name}' does not exist`);
}
