/** A `[number]` route segment as a version number, or null when it is not one ("0", "v2", "1.5"). */
export function parseVersionNumber(segment: string): number | null {
  return /^[1-9][0-9]*$/.test(segment) ? Number(segment) : null;
}
