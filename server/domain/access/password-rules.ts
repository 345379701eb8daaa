/**
 * What a password must be to open an account: long enough to resist guessing (NIST SP 800-63B
 * asks at least 8; we ask 12, as no second factor exists yet), short enough that hashing it costs
 * nothing unusual, and not one of the first guesses an attacker makes for this very address.
 */

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

/** Parts of an address shorter than this are too common to refuse inside a password ("al", "jo"). */
const MIN_LOCAL_PART_CHECKED = 3;

/** Why `password` may not be the password of `email`, as a sentence; null when it may. */
export function passwordProblem(password: string, email: string): string | null {
  // Characters as a person counts them: an emoji is one, not two UTF-16 units.
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long; this one has ${length}.`;
  if (length > MAX_PASSWORD_LENGTH)
    return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long; this one has ${length}.`;
  if (new Set(password).size === 1) return "The password must not be one character repeated.";
  const localPart = email.split("@")[0]?.trim().toLowerCase() ?? "";
  if (localPart.length >= MIN_LOCAL_PART_CHECKED && password.toLowerCase().includes(localPart))
    return `The password must not contain your email address's name ('${localPart}').`;
  return null;
}
