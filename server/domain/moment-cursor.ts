import { AppError } from "@/server/domain/app-error";

/**
 * Where a newest-first list left off: the oldest moment returned and how many rows of that
 * moment were, so rows sharing a millisecond are neither repeated nor skipped across pages,
 * and no row id leaves the server. Opaque to clients (base64url JSON).
 */
export interface MomentCursor {
  at: Date;
  seenAtMoment: number;
}

/** The cursor after `page` (newest first, not empty), which followed `position`. */
export function nextMomentCursor(page: { createdAt: Date }[], position: MomentCursor | null): string {
  const oldest = page.at(-1)!.createdAt;
  let seenAtMoment = page.filter((row) => row.createdAt.getTime() === oldest.getTime()).length;
  // The whole page at the moment the last one ended on: those seen before count too.
  if (position && position.at.getTime() === oldest.getTime()) seenAtMoment += position.seenAtMoment;
  return Buffer.from(JSON.stringify({ at: oldest.getTime(), seen: seenAtMoment })).toString("base64url");
}

export function decodeMomentCursor(cursor: string): MomentCursor {
  try {
    const { at, seen } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      at: unknown;
      seen: unknown;
    };
    if (Number.isInteger(at) && Number.isInteger(seen) && (seen as number) >= 0)
      return { at: new Date(at as number), seenAtMoment: seen as number };
  } catch {
    // falls through to the refusal
  }
  throw new AppError("BAD_REQUEST", "cursor is not one this API returned; start again without it");
}
