import { describe, expect, it } from "vitest";
import { EventLoopDelay } from "@/server/domain/admission/event-loop-delay";

describe("EventLoopDelay", () => {
  it("is zero while ticks come on time", () => {
    const delay = new EventLoopDelay(10, 0);
    for (let tick = 1; tick <= 5; tick += 1) delay.tick(tick * 10);
    expect(delay.delayMs).toBe(0);
  });

  it("counts one late tick for a fifth: a single busy turn of the loop is not overload", () => {
    const delay = new EventLoopDelay(10, 0);
    delay.tick(110);
    expect(delay.delayMs).toBe(20);
    delay.tick(120);
    expect(delay.delayMs).toBe(16);
  });

  it("follows a loop late tick after tick to about its lateness", () => {
    const delay = new EventLoopDelay(10, 0);
    let nowMs = 0;
    for (let tick = 0; tick < 30; tick += 1) delay.tick((nowMs += 70));
    expect(delay.delayMs).toBeGreaterThan(59);
    expect(delay.delayMs).toBeLessThanOrEqual(60);
  });
});
