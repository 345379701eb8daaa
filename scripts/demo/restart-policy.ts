/**
 * When the demo runner restarts a child that died, and when it gives up. Pure: the runner feeds
 * it each exit and does what it says.
 */
export interface RestartPolicy {
  /** The wait before the first restart; each restart in a row doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A child that stayed up this long starts again from initialDelayMs. */
  stableAfterMs: number;
  /** Exiting by itself sooner than this after its start is a boot failure (a bad environment, say). */
  bootWindowMs: number;
  /** This many boot failures in a row would repeat forever: the runner gives up. */
  maxBootFailures: number;
}

/**
 * A worker is back within 5 s of a kill (the first restart waits 0.1 s, its boot takes 2-3 s);
 * a child that keeps crashing is restarted at most every 10 s. The boot window is 5 s, not 1: a
 * bad variable stops the worker only after its modules load (1.5-2.1 s measured on 2 idle cores).
 */
export const DEMO_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  bootWindowMs: 5_000,
  maxBootFailures: 3,
};

export interface RestartState {
  /** Restarts since the child last stayed up for stableAfterMs. */
  restartsInRow: number;
  bootFailuresInRow: number;
}

export const FRESH_RESTART_STATE: RestartState = { restartsInRow: 0, bootFailuresInRow: 0 };

export interface ChildExit {
  /** null when a signal ended it. */
  code: number | null;
  signal: string | null;
  upMs: number;
}

export type RestartDecision =
  | { kind: "restart"; delayMs: number; state: RestartState }
  | { kind: "give-up"; reason: string; state: RestartState };

export function decideRestart(policy: RestartPolicy, state: RestartState, exit: ChildExit): RestartDecision {
  const stayedUp = exit.upMs >= policy.stableAfterMs;
  // A signal came from someone (a kill, the OOM killer): not the child's own boot failing.
  const bootFailure = exit.signal === null && exit.upMs < policy.bootWindowMs;
  const bootFailuresInRow = bootFailure ? state.bootFailuresInRow + 1 : 0;
  const restartsInRow = stayedUp ? 0 : state.restartsInRow;
  if (bootFailuresInRow >= policy.maxBootFailures) {
    return {
      kind: "give-up",
      reason: `ended with ${describeExit(exit)} within ${policy.bootWindowMs / 1000} s of starting, ${bootFailuresInRow} times in a row`,
      state: { restartsInRow, bootFailuresInRow },
    };
  }
  return {
    kind: "restart",
    delayMs: Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** restartsInRow),
    state: { restartsInRow: restartsInRow + 1, bootFailuresInRow },
  };
}

export function describeExit(exit: Pick<ChildExit, "code" | "signal">): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
