import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { verifyWebhookSignature } from "@/server/contracts/webhook-events";
import { openPage, screenshot } from "./browser-files";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A team's receiver on this machine, where the demo's worker (webhooks role) POSTs to. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mlops`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test("a webhook is added with its secret shown once, receives a signed test event, and is deleted", async ({
  page,
  context,
}) => {
  const receiver = await startReceiver();
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  try {
    await openPage(page, "/settings/webhooks");
    await expect(page).toHaveTitle("Webhooks · MLOps console");
    await expect(page.getByRole("link", { name: "Webhooks" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("No webhooks yet")).toBeVisible();

    await page.getByLabel("Endpoint URL").fill("ftp://files.example.com/in");
    await page.getByRole("button", { name: "Add webhook" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Webhook not added" })).toContainText(
      "must start with http:// or https://",
    );

    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByLabel("Description (optional)").fill("CI receiver");
    // Only alerts (none fire in the demo), so the demo's own evaluations do not reach it; pings do.
    await page.getByLabel("Alert fired").check();
    await page.getByRole("button", { name: "Add webhook" }).click();
    const shown = page.getByRole("status", { name: "New webhook secret" });
    await expect(shown).toContainText("it is not shown again");
    const secret = (await shown.locator("code").first().textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await shown.getByRole("button", { name: "Copy" }).click();
    await expect(shown.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, "30-webhook-secret");
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(shown).toHaveCount(0);
    await expect(page.getByText(secret)).toHaveCount(0);

    await page.getByRole("button", { name: "Send test event" }).click();
    const deliveries = page.getByRole("table", { name: "Deliveries of webhook #1" });
    const ping = deliveries.getByRole("row").filter({ hasText: "webhook.ping" });
    await expect(ping.getByText("delivered")).toBeVisible({ timeout: 20_000 });
    await expect(ping).toContainText("204");
    await expect(page.getByText("Events: alert.fired")).toBeVisible();
    const pings = () =>
      receiver.received.filter((request) => JSON.parse(request.body).type === "webhook.ping");
    expect(pings()).toHaveLength(1);
    const [request] = pings();
    expect(verifyWebhookSignature({ secret, headers: request!.headers, body: request!.body })).toEqual({
      valid: true,
    });
    expect(JSON.parse(request!.body)).toMatchObject({ type: "webhook.ping", data: { webhookNumber: 1 } });

    await ping.getByRole("button", { name: /^Redeliver/ }).click();
    await expect.poll(() => pings().length, { timeout: 20_000 }).toBe(2);
    expect(pings()[1]!.headers["webhook-id"]).toBe(request!.headers["webhook-id"]);
    await expect(deliveries.getByRole("row").filter({ hasText: "delivered" })).toHaveCount(2);
    await screenshot(page, "31-webhook-deliveries");

    await page.getByRole("button", { name: "Disable" }).click();
    await expect(page.getByText("disabled", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Send test event" })).toBeDisabled();

    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete webhook #1?" });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect(page.getByText("No webhooks yet")).toBeVisible();
  } finally {
    await receiver.close();
  }
});
