import { describe, expect, it } from "vitest";
import { webhookUrlProblem, ZWebhookUrl } from "@/server/domain/webhooks/webhook-url";

describe("webhook target URLs", () => {
  it("take http and https, on any host and port, with a path and query", () => {
    for (const url of [
      "https://ci.example.com/hooks/mlops",
      "http://127.0.0.1:8787/receive?team=ml",
      "https://[::1]:9000/",
    ])
      expect(webhookUrlProblem(url), url).toBeNull();
    expect(ZWebhookUrl.parse("  https://ci.example.com/h  ")).toBe("https://ci.example.com/h");
  });

  it("refuse anything else with a sentence naming the problem", () => {
    expect(webhookUrlProblem("ci.example.com/hooks")).toBe(
      "'ci.example.com/hooks' is not a URL; give a full address such as https://ci.example.com/hooks/mlops",
    );
    expect(webhookUrlProblem("ftp://files.example.com/in")).toBe(
      "the URL must start with http:// or https://, not ftp://",
    );
    expect(webhookUrlProblem("file:///etc/passwd")).toBe(
      "the URL must start with http:// or https://, not file://",
    );
    expect(webhookUrlProblem("https://bot:hunter2@ci.example.com/")).toBe(
      "the URL must not carry a user name or password; receivers check the signature instead",
    );
    expect(webhookUrlProblem("https://ci.example.com/#hooks")).toBe(
      "the URL must not have a #fragment (it is never sent to the receiver)",
    );
    expect(webhookUrlProblem(`https://ci.example.com/${"a".repeat(2100)}`)).toBe(
      "the URL is over 2048 characters",
    );
    expect(ZWebhookUrl.safeParse("").error?.issues[0]?.message).toBe("url is required");
  });
});
