import { expect, test } from "@playwright/test";
import { verifyWebhookSignature } from "@/server/contracts/webhook-events";
import { startWebhookReceiver } from "@/scripts/demo/webhook-receiver";
import { openPage, screenshot } from "./browser-files";

test("a webhook is added with its secret shown once, receives a signed test event, and is deleted", async ({
  page,
  context,
}) => {
  // A team's receiver on this machine, where the demo's worker (webhooks role) POSTs to.
  const receiver = await startWebhookReceiver();
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  try {
    await openPage(page, "/settings/webhooks");
    await expect(page).toHaveTitle("Webhooks · MLOps console");
    await expect(page.getByRole("link", { name: "Webhooks" })).toHaveAttribute("aria-current", "page");
    // The demo's own alert receiver registers itself as webhook #1 when the demo starts.
    const demoReceiver = page.getByRole("region", { name: "Webhook #1" });
    await expect(demoReceiver).toContainText("The demo's local alert receiver");
    await expect(demoReceiver).toContainText("Events: alert.fired, alert.resolved");
    await demoReceiver.getByRole("button", { name: "Send test event" }).click();
    const demoPing = page
      .getByRole("table", { name: "Deliveries of webhook #1" })
      .getByRole("row")
      .filter({ hasText: "webhook.ping" });
    await expect(demoPing.getByText("delivered")).toBeVisible({ timeout: 20_000 });
    await expect(demoPing).toContainText("204");

    await page.getByLabel("Endpoint URL").fill("ftp://files.example.com/in");
    await page.getByRole("button", { name: "Add webhook" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Webhook not added" })).toContainText(
      "must start with http:// or https://",
    );

    await page.getByLabel("Endpoint URL").fill(receiver.url("/hooks/mlops"));
    await page.getByLabel("Description (optional)").fill("CI receiver");
    // Only alert.fired, so the demo's evaluations do not reach it; what is counted below is pings.
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

    const added = page.getByRole("region", { name: "Webhook #2" });
    await added.getByRole("button", { name: "Send test event" }).click();
    const deliveries = page.getByRole("table", { name: "Deliveries of webhook #2" });
    const ping = deliveries.getByRole("row").filter({ hasText: "webhook.ping" });
    await expect(ping.getByText("delivered")).toBeVisible({ timeout: 20_000 });
    await expect(ping).toContainText("204");
    await expect(added.getByText("Events: alert.fired ·")).toBeVisible();
    const pings = () =>
      receiver.received.filter((request) => JSON.parse(request.body).type === "webhook.ping");
    expect(pings()).toHaveLength(1);
    const [request] = pings();
    expect(verifyWebhookSignature({ secret, headers: request!.headers, body: request!.body })).toEqual({
      valid: true,
    });
    expect(JSON.parse(request!.body)).toMatchObject({ type: "webhook.ping", data: { webhookNumber: 2 } });

    await ping.getByRole("button", { name: /^Redeliver/ }).click();
    await expect.poll(() => pings().length, { timeout: 20_000 }).toBe(2);
    expect(pings()[1]!.headers["webhook-id"]).toBe(request!.headers["webhook-id"]);
    await expect(deliveries.getByRole("row").filter({ hasText: "delivered" })).toHaveCount(2);
    await screenshot(page, "31-webhook-deliveries");

    await added.getByRole("button", { name: "Disable" }).click();
    await expect(added.getByText("disabled", { exact: true })).toBeVisible();
    await expect(added.getByRole("button", { name: "Send test event" })).toBeDisabled();

    await added.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete webhook #2?" });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect(added).toHaveCount(0);
    await expect(demoReceiver).toBeVisible();
  } finally {
    await receiver.close();
  }
});
