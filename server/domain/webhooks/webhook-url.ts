import { z } from "zod";

export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/**
 * Why a webhook target cannot be used, as a sentence; null when it can. Refused: anything but
 * http(s), credentials in the URL (they would show in every list and log line), a fragment
 * (never sent), no host. Private addresses are allowed: receivers inside the network
 * (a CI runner, a chat relay) are the common case of a self-hosted console.
 */
export function webhookUrlProblem(raw: string): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `the URL is over ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `'${raw}' is not a URL; give a full address such as https://ci.example.com/hooks/mlops`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `the URL must start with http:// or https://, not ${url.protocol}//`;
  if (url.hostname === "") return "the URL names no host";
  if (url.username !== "" || url.password !== "")
    return "the URL must not carry a user name or password; receivers check the signature instead";
  if (url.hash !== "") return "the URL must not have a #fragment (it is never sent to the receiver)";
  return null;
}

export const ZWebhookUrl = z
  .string()
  .trim()
  .min(1, "url is required")
  .superRefine((raw, ctx) => {
    const problem = webhookUrlProblem(raw);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
