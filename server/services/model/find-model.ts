import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";

export async function findModelOrThrow(teamId: string, name: string) {
  const model = await getDb().model.findUnique({ where: { teamId_name: { teamId, name } } });
  if (!model) throw modelNotFound(name);
  return model;
}

export function modelNotFound(name: string): AppError {
  return new AppError("NOT_FOUND", `model '${name}' does not exist`);
}
