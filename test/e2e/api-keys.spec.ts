import { expect, test } from "@playwright/test";
import { openPage, screenshot } from "./browser-files";

test("an admin creates a key, sees it once with a copy button, and revokes it behind a confirm", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openPage(page, "/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
  await expect(page).toHaveTitle("API keys · MLOps console");
  await page.locator("body[data-hydrated]").waitFor();

  await page.getByLabel("Name", { exact: true }).fill("ci-e2e");
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByLabel("Requests a minute (optional)").fill("600");
  await page.getByRole("checkbox", { name: "card-fraud-prod" }).check();
  await page.getByRole("button", { name: "Create key" }).click();

  const shown = page.getByLabel("New API key");
  await expect(shown).toHaveText(/^mlk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
  const key = (await shown.textContent())!;
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await screenshot(page, "api-keys-00-shown-once");
  const bearer = { authorization: `Bearer ${key}` };
  expect((await page.request.get("/api/trpc/deployment.list", { headers: bearer })).status()).toBe(200);

  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByLabel("New API key")).toHaveCount(0);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("");
  expect(await page.content()).not.toContain(key);
  const row = page.getByRole("table", { name: "API keys" }).getByRole("row").filter({ hasText: "ci-e2e" });
  await expect(row).toContainText("viewer");
  await expect(row).toContainText("card-fraud-prod");
  await expect(row).toContainText("600/min");
  await expect(row).toContainText(key.slice(0, 12));
  await screenshot(page, "api-keys-01-list");

  await row.getByRole("button", { name: "Revoke key ci-e2e" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke key ci-e2e?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  expect((await page.request.get("/api/trpc/deployment.list", { headers: bearer })).status()).toBe(401);
});
