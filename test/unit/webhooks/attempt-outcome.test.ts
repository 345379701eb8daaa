import { describe, expect, it } from "vitest";
import { attemptFailureSentence, isDelivered } from "@/server/domain/webhooks/attempt-outcome";

describe("webhook attempt outcomes", () => {
  it("deliver on a 2xx answer only; a redirect is an answer, not followed", () => {
    expect(isDelivered({ kind: "answered", status: 204, location: null })).toBe(true);
    expect(isDelivered({ kind: "answered", status: 302, location: "https://elsewhere.example" })).toBe(false);
    expect(isDelivered({ kind: "timeout", timeoutMs: 10_000 })).toBe(false);
  });

  it("say in a sentence why an attempt did not deliver", () => {
    expect(attemptFailureSentence({ kind: "answered", status: 500, location: null })).toBe(
      "the receiver answered 500; only a 2xx status delivers",
    );
    expect(attemptFailureSentence({ kind: "answered", status: 301, location: "https://new.example/h" })).toBe(
      "the receiver answered 301 (a redirect to https://new.example/h; redirects are not followed); only a 2xx status delivers",
    );
    expect(attemptFailureSentence({ kind: "timeout", timeoutMs: 10_000 })).toBe(
      "the receiver did not answer within 10 s (timed out)",
    );
    expect(attemptFailureSentence({ kind: "timeout", timeoutMs: 1_500 })).toBe(
      "the receiver did not answer within 1.5 s (timed out)",
    );
    expect(
      attemptFailureSentence({ kind: "network", code: "ECONNREFUSED", detail: "connect ECONNREFUSED" }),
    ).toBe("the connection was refused (nothing listens at that address and port)");
    expect(attemptFailureSentence({ kind: "network", code: null, detail: "other side hung up" })).toBe(
      "the request failed: other side hung up",
    );
    expect(attemptFailureSentence({ kind: "unsigned", reason: "no key" })).toBe("not sent: no key");
  });
});
