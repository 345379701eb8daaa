import { describe, expect, it } from "vitest";
import { webhookWants, ZWebhookFilters } from "@/server/domain/webhooks/event-filter";

const registered = { type: "modelVersion.registered", modelName: "fraud" } as const;

describe("webhook filters", () => {
  it("let everything through when both lists are empty", () => {
    const all = ZWebhookFilters.parse({});
    expect(all).toEqual({ eventTypes: [], modelNames: [] });
    expect(webhookWants(all, registered)).toBe(true);
    expect(webhookWants(all, { type: "alert.fired", modelName: null })).toBe(true);
  });

  it("pass only the listed event types", () => {
    const filters = { eventTypes: ["deployment.revisionChanged"], modelNames: [] };
    expect(webhookWants(filters, registered)).toBe(false);
    expect(webhookWants(filters, { type: "deployment.revisionChanged", modelName: "fraud" })).toBe(true);
  });

  it("pass only events about the listed models; an event about no model does not match a model filter", () => {
    const filters = { eventTypes: [], modelNames: ["churn"] };
    expect(webhookWants(filters, registered)).toBe(false);
    expect(webhookWants(filters, { ...registered, modelName: "churn" })).toBe(true);
    expect(webhookWants(filters, { type: "alert.fired", modelName: null })).toBe(false);
  });

  it("need both lists to match", () => {
    const filters = { eventTypes: ["evaluation.finished"], modelNames: ["fraud"] };
    expect(webhookWants(filters, registered)).toBe(false);
    expect(webhookWants(filters, { type: "evaluation.finished", modelName: "fraud" })).toBe(true);
    expect(webhookWants(filters, { type: "evaluation.finished", modelName: "churn" })).toBe(false);
  });

  it("match nothing with a stored type that no longer exists, rather than everything", () => {
    expect(webhookWants({ eventTypes: ["model.retired"], modelNames: [] }, registered)).toBe(false);
  });

  it("drop repeats and refuse an unknown event type or a bad model name", () => {
    expect(
      ZWebhookFilters.parse({ eventTypes: ["alert.fired", "alert.fired"], modelNames: ["a", "a", "b"] }),
    ).toEqual({ eventTypes: ["alert.fired"], modelNames: ["a", "b"] });
    expect(ZWebhookFilters.safeParse({ eventTypes: ["model.deleted"] }).success).toBe(false);
    expect(ZWebhookFilters.safeParse({ modelNames: ["Fraud Model"] }).error?.issues[0]?.message).toBe(
      "name may contain lowercase letters, digits and inner hyphens only",
    );
  });
});
