import { createCaller } from "@/server/trpc/root";

/** Calls procedures as the API does (middlewares included), acting in the given team. */
export function callerFor(teamSlug = "default") {
  return createCaller({ teamSlug, actor: "test" });
}

export function uploadForm(parts: Record<string, string | Uint8Array>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(parts)) {
    if (typeof value === "string") form.set(key, value);
    else form.set(key, new Blob([value as Uint8Array<ArrayBuffer>]), `${key}.bin`);
  }
  return form;
}
