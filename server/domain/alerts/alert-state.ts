import { conditionHolds, type AlertCondition } from "@/server/domain/alerts/alert-rule";

/** Where a rule stands: its condition false (or no data), holding for a while, or notified. */
export type AlertState =
  | { kind: "inactive" }
  | { kind: "pending"; sinceMs: number }
  | { kind: "firing"; sinceMs: number; firedAtMs: number };

/** What to send after a step: at most one notification per episode and direction. */
export type AlertNotification =
  | { kind: "fired"; startedAtMs: number; value: number }
  | { kind: "resolved"; startedAtMs: number; value: number | null };

export interface AlertStep {
  state: AlertState;
  notification: AlertNotification | null;
}

const MINUTE_MS = 60_000;

/**
 * One evaluation of a rule. The condition must hold `forMinutes` (pending meanwhile) before the
 * rule fires, once; it resolves, once, the first time the condition no longer holds while
 * firing. No data (null) counts as "does not hold": a deployment gone quiet resolves its latency
 * alert rather than firing forever on a stale number, and never fires one.
 */
export function stepAlert(
  rule: Pick<AlertCondition, "comparator" | "threshold" | "forMinutes">,
  state: AlertState,
  value: number | null,
  nowMs: number,
): AlertStep {
  const holds = value !== null && conditionHolds(rule, value);
  if (!holds) {
    if (state.kind === "firing")
      return {
        state: { kind: "inactive" },
        notification: { kind: "resolved", startedAtMs: state.sinceMs, value },
      };
    return { state: { kind: "inactive" }, notification: null };
  }
  if (state.kind === "firing") return { state, notification: null };
  const sinceMs = state.kind === "pending" ? state.sinceMs : nowMs;
  if (nowMs - sinceMs >= rule.forMinutes * MINUTE_MS)
    return {
      state: { kind: "firing", sinceMs, firedAtMs: nowMs },
      notification: { kind: "fired", startedAtMs: sinceMs, value },
    };
  return { state: { kind: "pending", sinceMs }, notification: null };
}
