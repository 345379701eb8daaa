import { describe, expect, it } from "vitest";
import { EventLoopDelay } from "@/server/domain/admission/event-loop-delay";

describe("EventLoopDelay", () => {
  it("is a tick's lateness past its interval", () => {
    const delay = new EventLoopDelay(10, 0);
    delay.tick(10);
    expect(delay.delayMs(11)).toBe(0);
    delay.tick(45);
    expect(delay.delayMs(46)).toBe(25);
    delay.tick(55);
    expect(delay.delayMs(56)).toBe(0);
  });

  it("counts an overdue tick before it fires: a loop too busy to run timers is behind now", () => {
    const delay = new EventLoopDelay(10, 0);
    delay.tick(10);
    expect(delay.delayMs(15)).toBe(0);
    expect(delay.delayMs(80)).toBe(60);
  });
});
