import { describe, expect, it } from "vitest";
import { gatewayRefusal } from "@/server/domain/admission/gateway-refusal";

const load = { inFlight: 0, maxInFlight: 3, eventLoopDelayMs: 0, maxEventLoopDelayMs: 50 };

describe("gatewayRefusal", () => {
  it("admits below the in-flight limit with the event loop on time", () => {
    expect(gatewayRefusal({ ...load, inFlight: 2, eventLoopDelayMs: 50 })).toBeNull();
  });

  it("refuses at the in-flight limit, naming it", () => {
    expect(gatewayRefusal({ ...load, inFlight: 3 })).toBe(
      "the gateway has 3 requests in flight, its limit; retry later",
    );
  });

  it("refuses while the event loop is further behind than its limit, naming both", () => {
    expect(gatewayRefusal({ ...load, eventLoopDelayMs: 72.4 })).toBe(
      "the gateway is overloaded (its event loop is 72 ms behind, over its 50 ms limit); retry later",
    );
  });
});
