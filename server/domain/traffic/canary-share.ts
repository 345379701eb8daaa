/** A canary takes a whole percentage of the traffic, leaving some to the versions it is tried against. */
export const MIN_CANARY_PERCENT = 1;
export const MAX_CANARY_PERCENT = 99;

/** Why a canary share is refused, or null: the rule the console checks before it asks to confirm. */
export function canaryShareProblem(weightPercent: number): string | null {
  if (
    Number.isInteger(weightPercent) &&
    weightPercent >= MIN_CANARY_PERCENT &&
    weightPercent <= MAX_CANARY_PERCENT
  )
    return null;
  const rule = `the canary weight must be a whole percentage from ${MIN_CANARY_PERCENT} to ${MAX_CANARY_PERCENT}`;
  return Number.isNaN(weightPercent) ? rule : `${rule}, not ${weightPercent}`;
}
