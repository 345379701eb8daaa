import { expect, test } from "@playwright/test";
import { openPage, screenshot } from "./browser-files";

// The demo seeds a drift rule on card-fraud-prod; this test adds a latency rule through the form,
// which the demo's traffic makes fire within a few of the monitor's alert ticks (5 s in the demo).
test("the alerts page lists rules with their state, refuses a bad field in a sentence, and shows the history", async ({
  page,
}) => {
  await openPage(page, "/alerts");
  await expect(page).toHaveTitle("Alerts · MLOps console");
  await expect(page.getByRole("link", { name: "Alerts" })).toHaveAttribute("aria-current", "page");
  const rules = page.getByRole("table", { name: "Alert rules" });
  await expect(rules.getByRole("row").filter({ hasText: "card-fraud drift" })).toBeVisible();

  await page.getByLabel("Name").fill("slow answers");
  await page.getByLabel("Deployment").selectOption("card-fraud-prod");
  await page.getByLabel("Metric").selectOption("latency_p95_ms");
  await page.getByLabel("Is", { exact: true }).selectOption(">");
  await page.getByLabel("Threshold").fill("0");
  await page.getByLabel("Window (minutes)").fill("-5");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByLabel("Window (minutes)")).toHaveAccessibleDescription(
    "The window must be at least 1 minute (a negative or zero window covers no time).",
  );
  await page.getByLabel("Window (minutes)").fill("5");
  // Keyboard reachable: submit from the last field with Enter.
  await page.getByLabel("Receivers (optional)").press("Enter");
  const slow = rules.getByRole("row").filter({ hasText: "slow answers" });
  await expect(slow).toBeVisible();

  // The demo's traffic answers in more than 0 ms: the rule fires, and the page follows.
  await expect(async () => {
    await page.reload();
    await page.locator("body[data-hydrated]").waitFor();
    await expect(rules.getByRole("row").filter({ hasText: "slow answers" })).toContainText("firing", {
      timeout: 1_000,
    });
  }).toPass({ timeout: 45_000 });
  const history = page.getByRole("table", { name: "Alert history" });
  await expect(history.getByRole("row").filter({ hasText: "slow answers" })).toContainText("firing");

  await rules
    .getByRole("row")
    .filter({ hasText: "card-fraud drift" })
    .getByRole("button", { name: "Edit" })
    .click();
  await expect(page.getByRole("heading", { name: "Edit rule #1" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await screenshot(page, "alerts");
});
