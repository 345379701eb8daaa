import { describe, expect, it } from "vitest";
import { stepAlert, type AlertState } from "@/server/domain/alerts/alert-state";

const MIN = 60_000;
const rule = { comparator: ">" as const, threshold: 0.5, forMinutes: 2 };

/** Runs values through the machine one minute apart, returning each notification kind. */
function run(values: (number | null)[], over = rule) {
  let state: AlertState = { kind: "inactive" };
  const sent: string[] = [];
  values.forEach((value, minute) => {
    const step = stepAlert(over, state, value, minute * MIN);
    state = step.state;
    if (step.notification) sent.push(`${step.notification.kind}@${minute}`);
  });
  return { state, sent };
}

describe("stepAlert", () => {
  it("goes pending, then fires once when the condition has held forMinutes", () => {
    const { state, sent } = run([0.9, 0.9, 0.9, 0.9, 0.9]);
    expect(sent).toEqual(["fired@2"]);
    expect(state).toEqual({ kind: "firing", sinceMs: 0, firedAtMs: 2 * MIN });
  });

  it("fires at once with a for-duration of 0", () => {
    expect(run([0.9], { ...rule, forMinutes: 0 }).sent).toEqual(["fired@0"]);
  });

  it("forgets a pending condition that clears before forMinutes, without a notification", () => {
    const { state, sent } = run([0.9, 0.1, 0.9, 0.9]);
    expect(sent).toEqual([]);
    expect(state).toEqual({ kind: "pending", sinceMs: 2 * MIN });
  });

  it("resolves once when the condition clears while firing, and can fire again as a new episode", () => {
    const { sent } = run([0.9, 0.9, 0.9, 0.2, 0.2, 0.9, 0.9, 0.9]);
    expect(sent).toEqual(["fired@2", "resolved@3", "fired@7"]);
  });

  it("treats no data as a condition that does not hold: it never fires, and resolves", () => {
    expect(run([null, null, null]).sent).toEqual([]);
    const step = stepAlert(rule, { kind: "firing", sinceMs: 0, firedAtMs: MIN }, null, 5 * MIN);
    expect(step).toEqual({
      state: { kind: "inactive" },
      notification: { kind: "resolved", startedAtMs: 0, value: null },
    });
  });

  it("reports the value that fired and the moment the condition began", () => {
    const step = stepAlert(rule, { kind: "pending", sinceMs: MIN }, 0.75, 3 * MIN);
    expect(step.notification).toEqual({ kind: "fired", startedAtMs: MIN, value: 0.75 });
  });

  it("compares with each comparator at the threshold itself", () => {
    const at = (comparator: ">" | ">=" | "<" | "<=") =>
      stepAlert({ comparator, threshold: 1, forMinutes: 0 }, { kind: "inactive" }, 1, 0).state.kind;
    expect([at(">"), at(">="), at("<"), at("<=")]).toEqual(["inactive", "firing", "inactive", "firing"]);
  });
});
