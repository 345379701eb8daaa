import { describe, expect, it } from "vitest";
import {
  DEMO_RESTART_POLICY,
  FRESH_RESTART_STATE,
  decideRestart,
  describeExit,
  type ChildExit,
  type RestartDecision,
  type RestartState,
} from "@/scripts/demo/restart-policy";

const policy = DEMO_RESTART_POLICY;
const killed: ChildExit = { code: null, signal: "SIGKILL", upMs: 5_000 };
const badEnvironment: ChildExit = { code: 1, signal: null, upMs: 300 };

/** Feeds exits one after another, as the runner does, and returns every decision. */
function decideAll(exits: ChildExit[], state: RestartState = FRESH_RESTART_STATE): RestartDecision[] {
  return exits.map((exit) => {
    const decision = decideRestart(policy, state, exit);
    state = decision.state;
    return decision;
  });
}

describe("decideRestart", () => {
  it("restarts a killed child at once, then doubles the wait up to the cap", () => {
    const delays = decideAll(Array.from({ length: 9 }, () => killed)).map((decision) =>
      decision.kind === "restart" ? decision.delayMs : decision.kind,
    );
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000]);
  });

  it("starts from the first wait again once the child stayed up", () => {
    const [, , third] = decideAll([killed, killed, { ...killed, upMs: policy.stableAfterMs }]);
    expect(third).toMatchObject({ kind: "restart", delayMs: policy.initialDelayMs });
  });

  it("gives up on the third boot failure in a row, saying how it ended", () => {
    const decisions = decideAll([badEnvironment, badEnvironment, badEnvironment]);
    expect(decisions.map((decision) => decision.kind)).toEqual(["restart", "restart", "give-up"]);
    expect(decisions[2]).toMatchObject({
      reason: "ended with exit code 1 within 5 s of starting, 3 times in a row",
    });
  });

  it("counts only boot failures in a row: a run past the boot window clears them", () => {
    const decisions = decideAll([
      badEnvironment,
      badEnvironment,
      { code: 1, signal: null, upMs: policy.bootWindowMs },
      badEnvironment,
      badEnvironment,
    ]);
    expect(decisions.every((decision) => decision.kind === "restart")).toBe(true);
  });

  it("does not take a kill soon after the start for a boot failure", () => {
    const quickKill: ChildExit = { code: null, signal: "SIGKILL", upMs: 100 };
    const decisions = decideAll([quickKill, quickKill, quickKill, quickKill]);
    expect(decisions.every((decision) => decision.kind === "restart")).toBe(true);
  });
});

describe("describeExit", () => {
  it("names the signal or the exit code", () => {
    expect(describeExit({ code: null, signal: "SIGKILL" })).toBe("signal SIGKILL");
    expect(describeExit({ code: 0, signal: null })).toBe("exit code 0");
  });
});
