/**
 * An audit event's before/after as a client may see it: row ids (`id`, `versionId`, any key
 * ending in `Id`) and storage keys are the server's own and are left out, at any depth.
 */
export function withoutInternalIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInternalIds);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !isInternalKey(key))
      .map(([key, inner]) => [key, withoutInternalIds(inner)]),
  );
}

const isInternalKey = (key: string) => key === "id" || key.endsWith("Id") || key === "storageKey";

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
