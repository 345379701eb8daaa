import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  serializeWebhookEvent,
  signWebhook,
  SIGNATURE_TOLERANCE_SECONDS,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  ZWebhookEvent,
} from "@/server/contracts/webhook-events";

const NOW = 1_800_000_000;

describe("webhook signatures (Standard Webhooks)", () => {
  it("match the spec's published example, so its verifiers accept ours", () => {
    const headers = signWebhook({
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      body: '{"test": 2432232314}',
      timestampSeconds: 1614265330,
    });
    expect(headers).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("verify what they signed, from fetch Headers and from node:http's header object", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = '{"id":"evt_1","type":"webhook.ping"}';
    const headers = signWebhook({ secret, id: "evt_1", body, timestampSeconds: NOW });
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: NOW })).toEqual({ valid: true });
    expect(
      verifyWebhookSignature({ secret, headers: new Headers(headers), body, nowSeconds: NOW + 60 }),
    ).toEqual({ valid: true });
  });

  it("refuse a tampered body, another id, another secret, and a missing header", () => {
    const secret = generateWebhookSecret();
    const body = '{"versionNumber":2}';
    const headers = signWebhook({ secret, id: "evt_1", body, timestampSeconds: NOW });
    const refused = { valid: false, problem: "no signature matches the body and secret" };
    expect(verifyWebhookSignature({ secret, headers, body: '{"versionNumber":3}', nowSeconds: NOW })).toEqual(
      refused,
    );
    expect(
      verifyWebhookSignature({
        secret,
        headers: { ...headers, [WEBHOOK_HEADERS.id]: "evt_2" },
        body,
        nowSeconds: NOW,
      }),
    ).toEqual(refused);
    expect(
      verifyWebhookSignature({ secret: generateWebhookSecret(), headers, body, nowSeconds: NOW }),
    ).toEqual(refused);
    const { [WEBHOOK_HEADERS.signature]: _signature, ...unsigned } = headers;
    expect(verifyWebhookSignature({ secret, headers: unsigned, body, nowSeconds: NOW })).toEqual({
      valid: false,
      problem: "one of the webhook-id, webhook-timestamp and webhook-signature headers is missing",
    });
  });

  it("refuse a signature older or newer than the tolerance, even when it matches", () => {
    const secret = generateWebhookSecret();
    const body = "{}";
    const headers = signWebhook({ secret, id: "evt_1", body, timestampSeconds: NOW });
    const at = (nowSeconds: number) => verifyWebhookSignature({ secret, headers, body, nowSeconds });
    expect(at(NOW + SIGNATURE_TOLERANCE_SECONDS)).toEqual({ valid: true });
    expect(at(NOW + SIGNATURE_TOLERANCE_SECONDS + 1)).toEqual({
      valid: false,
      problem: "the signature is older than 300 s",
    });
    expect(at(NOW - SIGNATURE_TOLERANCE_SECONDS - 1)).toEqual({
      valid: false,
      problem: "the signature is dated more than 300 s ahead",
    });
  });

  it("accept any one valid signature of several (a secret being rotated), and ignore unknown versions", () => {
    const secret = generateWebhookSecret();
    const body = "{}";
    const headers = signWebhook({ secret, id: "evt_1", body, timestampSeconds: NOW });
    const several = {
      ...headers,
      [WEBHOOK_HEADERS.signature]: `v2,abc v1,AAAA ${headers["webhook-signature"]}`,
    };
    expect(verifyWebhookSignature({ secret, headers: several, body, nowSeconds: NOW })).toEqual({
      valid: true,
    });
    const onlyOthers = { ...headers, [WEBHOOK_HEADERS.signature]: "v1a,xyz v1,AAAA" };
    expect(verifyWebhookSignature({ secret, headers: onlyOthers, body, nowSeconds: NOW }).valid).toBe(false);
  });
});

describe("webhook event bodies", () => {
  it("keep only the fields the contract names, so a producer's row ids never leave", () => {
    const body = serializeWebhookEvent({
      id: "evt_1",
      occurredAt: new Date("2026-12-03T07:00:00Z"),
      teamSlug: "acme",
      event: {
        type: "webhook.ping",
        data: { webhookNumber: 1, message: "hi", webhookId: "cm123" } as never,
      },
    });
    expect(JSON.parse(body)).toEqual({
      id: "evt_1",
      type: "webhook.ping",
      occurredAt: "2026-12-03T07:00:00.000Z",
      teamSlug: "acme",
      data: { webhookNumber: 1, message: "hi" },
    });
    expect(ZWebhookEvent.parse(JSON.parse(body)).type).toBe("webhook.ping");
  });
});
