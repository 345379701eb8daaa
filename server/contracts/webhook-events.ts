import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ZEvaluationMetrics, METRIC_NAMES } from "@/server/domain/evaluation/metric-names";
import type { RevisionTarget } from "@/server/domain/traffic/revision-target";
import { ZVersionMetrics, ZVersionTags } from "@/server/domain/version-metadata";
import { PING_EVENT_TYPE, type DeliveredEventType } from "@/server/domain/webhooks/event-types";

/**
 * Registry webhooks: the JSON body of each event and how it is signed. Producers: the console's
 * services and the evaluation worker, which record deliveries in the transaction of the change
 * (server/services/webhook/emit-webhook-event.ts); the delivery worker signs and sends them
 * (workers/webhooks). Consumers: every team's receivers, and the tests, through
 * verifyWebhookSignature. Bodies carry names and numbers, never row ids (the event id aside)
 * or secrets. A field added later is optional, so receivers written against an older body
 * keep working.
 *
 * Signatures follow the Standard Webhooks spec (https://www.standardwebhooks.com), so receivers
 * can use its verifiers in any language:
 *   webhook-id: the event id, the same on every retry and redelivery (receivers deduplicate by it)
 *   webhook-timestamp: seconds since the epoch when this attempt was signed
 *   webhook-signature: "v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>", keyed by the
 *     base64-decoded part of the secret after "whsec_" (space-separated if several are sent)
 */
export const WEBHOOK_HEADERS = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
} as const;

/** A signature older (or newer) than this is refused: a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;
export const WEBHOOK_SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const SIGNATURE_VERSION = "v1";

const ZVersionNumber = z.number().int().positive();
const ZMoment = z.iso.datetime();

const ZRevisionSnapshot = z.object({
  number: z.number().int().positive(),
  strategy: z.string(),
  reason: z.string(),
  weights: z.array(z.object({ versionNumber: ZVersionNumber, weight: z.number().int().min(0).max(100) })),
  shadows: z.array(z.object({ versionNumber: ZVersionNumber })),
});

/** A revision as events show it: versions by number, not by row id. */
export function revisionSnapshotOf(revision: {
  number: number;
  strategy: string;
  reason: string;
  target: RevisionTarget;
}): z.infer<typeof ZRevisionSnapshot> {
  const { number, strategy, reason, target } = revision;
  return {
    number,
    strategy,
    reason,
    weights: target.weights.map(({ versionNumber, weight }) => ({ versionNumber, weight })),
    shadows: target.shadows.map(({ versionNumber }) => ({ versionNumber })),
  };
}

const ZMeasured = z
  .object({ versionNumber: ZVersionNumber, evaluationNumber: z.number().int(), metrics: ZEvaluationMetrics })
  .nullable();

/** The evaluation gate of a promotion: what passed or failed, and the reason of an override. */
const ZGateOutcome = z.object({
  goldenSetName: z.string(),
  margin: z.number(),
  passed: z.boolean(),
  failures: z.array(
    z.object({ metric: z.enum(METRIC_NAMES), candidate: z.number().nullable(), baseline: z.number() }),
  ),
  candidate: ZMeasured,
  production: ZMeasured,
  /** Set when an admin promoted past a failing gate. */
  overrideReason: z.string().nullable(),
});

/** What both alert events say of the rule and its episode (server/services/alert). */
const ZAlertEpisode = z.object({
  ruleNumber: z.number().int().positive(),
  ruleName: z.string(),
  /** 1, 2, ... per rule: with the rule's number, a receiver's key for one incident. */
  episodeNumber: z.number().int().positive(),
  metric: z.string(),
  comparator: z.string(),
  threshold: z.number(),
  windowMinutes: z.number().int(),
  message: z.string(),
  /** null for a rule of no deployment. */
  deploymentName: z.string().nullable(),
  modelName: z.string().nullable(),
  /** When the condition began to hold (pending), and when the rule fired. */
  startedAt: ZMoment,
  firedAt: ZMoment,
});

const WEBHOOK_EVENT_DATA = {
  "modelVersion.registered": z.object({
    modelName: z.string(),
    versionNumber: ZVersionNumber,
    description: z.string(),
    artifactSha256: z.string(),
    artifactSizeBytes: z.number().int(),
    metrics: ZVersionMetrics,
    tags: ZVersionTags,
    gitCommit: z.string().nullable(),
    dataRef: z.string().nullable(),
    featureSet: z.object({ name: z.string(), version: ZVersionNumber }).nullable(),
  }),
  "evaluation.finished": z.object({
    modelName: z.string(),
    versionNumber: ZVersionNumber,
    evaluationNumber: z.number().int().positive(),
    goldenSetName: z.string(),
    status: z.enum(["succeeded", "failed"]),
    /** Empty when it failed. */
    metrics: ZEvaluationMetrics,
    /** Why it failed; null when it succeeded. */
    error: z.string().nullable(),
    startedAt: ZMoment.nullable(),
    finishedAt: ZMoment,
  }),
  "deployment.revisionChanged": z.object({
    deploymentName: z.string(),
    modelName: z.string(),
    environment: z.enum(["staging", "production"]),
    /** "create" for a new deployment's first revision, else the traffic change that made it. */
    change: z.enum([
      "create",
      "promote",
      "canary",
      "weights",
      "addShadow",
      "removeShadow",
      "rollback",
      "restore",
    ]),
    revision: ZRevisionSnapshot,
    /** The revision that served before; null for a new deployment. */
    previousRevision: ZRevisionSnapshot.nullable(),
    /** Present on a promotion of a deployment that requires the evaluation gate. */
    gate: ZGateOutcome.nullable(),
    /** Present when the change applied an approved promotion request. */
    approval: z.object({ requestNumber: z.number().int().positive() }).nullable(),
  }),
  "alert.fired": ZAlertEpisode.extend({
    /** The value that made it fire. */
    value: z.number(),
  }),
  "alert.resolved": ZAlertEpisode.extend({
    /** The value that cleared it; null when the metric had no data any more. */
    value: z.number().nullable(),
    resolvedAt: ZMoment,
  }),
  [PING_EVENT_TYPE]: z.object({ webhookNumber: z.number().int().positive(), message: z.string() }),
} as const satisfies Record<DeliveredEventType, z.ZodType>;

type EventData = typeof WEBHOOK_EVENT_DATA;

/** What a producer gives for an event: its type and its data (moments as ISO strings). */
export type WebhookEventInput = {
  [Type in DeliveredEventType]: { type: Type; data: z.input<EventData[Type]> };
}[DeliveredEventType];

const envelope = <Type extends DeliveredEventType>(type: Type) =>
  z.object({
    /** evt_…: the webhook-id header too. */
    id: z.string(),
    type: z.literal(type),
    occurredAt: ZMoment,
    teamSlug: z.string(),
    data: WEBHOOK_EVENT_DATA[type],
  });

/** Any event body as a receiver parses it. */
export const ZWebhookEvent = z.discriminatedUnion("type", [
  envelope("modelVersion.registered"),
  envelope("evaluation.finished"),
  envelope("deployment.revisionChanged"),
  envelope("alert.fired"),
  envelope("alert.resolved"),
  envelope(PING_EVENT_TYPE),
]);
export type WebhookEvent = z.infer<typeof ZWebhookEvent>;

export function newWebhookEventId(): string {
  return `evt_${randomUUID().replaceAll("-", "")}`;
}

/**
 * The body as sent, byte for byte (the signature covers these bytes). Parsing through the
 * event's schema drops any field it does not name, so a producer that passes a row with its
 * ids cannot leak them.
 */
export function serializeWebhookEvent(event: {
  id: string;
  occurredAt: Date;
  teamSlug: string;
  event: WebhookEventInput;
}): string {
  const body = ZWebhookEvent.parse({
    id: event.id,
    type: event.event.type,
    occurredAt: event.occurredAt.toISOString(),
    teamSlug: event.teamSlug,
    data: event.event.data,
  });
  return JSON.stringify(body);
}

/** A new signing secret, shown once: "whsec_" and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, "base64");
}

function signatureOf(secret: string, id: string, timestampSeconds: number, body: string): string {
  return createHmac("sha256", signingKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
}

/** The three headers of one attempt, signed now (or at `timestampSeconds`). */
export function signWebhook({
  secret,
  id,
  body,
  timestampSeconds = Math.floor(Date.now() / 1000),
}: {
  secret: string;
  id: string;
  body: string;
  timestampSeconds?: number;
}): Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string> {
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestampSeconds),
    [WEBHOOK_HEADERS.signature]: `${SIGNATURE_VERSION},${signatureOf(secret, id, timestampSeconds, body)}`,
  };
}

/** Headers as fetch's Request gives them, or as node:http's IncomingMessage does. */
export type ReceivedHeaders = Headers | Record<string, string | string[] | undefined>;

function headerOf(headers: ReceivedHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export type WebhookVerification = { valid: true } | { valid: false; problem: string };

/**
 * For receivers: whether a request carries a valid signature of its exact body by `secret`,
 * made within SIGNATURE_TOLERANCE_SECONDS of now. Signatures are compared in constant time.
 * Verify the raw body before parsing it: re-serialized JSON is not the same bytes.
 */
export function verifyWebhookSignature({
  secret,
  headers,
  body,
  nowSeconds = Math.floor(Date.now() / 1000),
}: {
  secret: string;
  headers: ReceivedHeaders;
  body: string;
  nowSeconds?: number;
}): WebhookVerification {
  const id = headerOf(headers, WEBHOOK_HEADERS.id);
  const timestamp = headerOf(headers, WEBHOOK_HEADERS.timestamp);
  const signatures = headerOf(headers, WEBHOOK_HEADERS.signature);
  if (!id || !timestamp || !signatures)
    return {
      valid: false,
      problem: `one of the ${WEBHOOK_HEADERS.id}, ${WEBHOOK_HEADERS.timestamp} and ${WEBHOOK_HEADERS.signature} headers is missing`,
    };
  if (!/^\d+$/.test(timestamp))
    return { valid: false, problem: `${WEBHOOK_HEADERS.timestamp} is not a number of seconds` };
  const timestampSeconds = Number(timestamp);
  if (nowSeconds - timestampSeconds > SIGNATURE_TOLERANCE_SECONDS)
    return { valid: false, problem: `the signature is older than ${SIGNATURE_TOLERANCE_SECONDS} s` };
  if (timestampSeconds - nowSeconds > SIGNATURE_TOLERANCE_SECONDS)
    return {
      valid: false,
      problem: `the signature is dated more than ${SIGNATURE_TOLERANCE_SECONDS} s ahead`,
    };
  const expected = Buffer.from(signatureOf(secret, id, timestampSeconds, body), "base64");
  const matches = signatures.split(" ").some((entry) => {
    const [version, encoded] = entry.split(",", 2);
    if (version !== SIGNATURE_VERSION || !encoded) return false;
    const given = Buffer.from(encoded, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { valid: true } : { valid: false, problem: "no signature matches the body and secret" };
}
