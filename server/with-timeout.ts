/**
 * `promise`, or a rejection with `timedOut()` if `timeoutMs` passes first. The error is made only
 * then (an Error captures a stack, which on the request path costs), and the timer is cleared
 * either way, so none outlives what it guards.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
