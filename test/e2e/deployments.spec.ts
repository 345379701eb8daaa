import { expect, test, type Page } from "@playwright/test";
import { screenshot, openPage } from "./browser-files";

async function confirm(page: Page, title: RegExp | string, button = "Confirm") {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: button }).click();
  await expect(dialog).toBeHidden();
}

test("promote and roll back the demo deployment with one click each", async ({ page }) => {
  await openPage(page, "/deployments");
  await expect(page).toHaveTitle("Deployments · MLOps console");
  await expect(page.getByRole("link", { name: "card-fraud-prod" })).toBeVisible();
  await screenshot(page, "10-deployments");

  await page.getByRole("link", { name: "card-fraud-prod" }).click();
  await expect(page).toHaveTitle("card-fraud-prod · MLOps console");
  const traffic = page.getByTestId("active-traffic");
  await expect(traffic).toContainText("v1 90% · v2 10%");
  const activeRow = () =>
    page.getByRole("table", { name: "Revision history" }).getByRole("row").filter({ hasText: "active" });
  const revisionBefore = Number(
    (await activeRow().getByRole("cell").first().innerText()).match(/#(\d+)/)![1],
  );

  // Nothing is preselected; a chosen version says how it compares with production.
  await expect(page.getByRole("button", { name: "Promote", exact: true })).toBeDisabled();
  await page.getByLabel("Promote", { exact: true }).selectOption("2");
  await expect(page.locator("#promote-version-comparison")).toContainText("v2 against v1 in production: auc");
  await page.getByRole("button", { name: "Promote", exact: true }).click();
  // The confirm step can be cancelled with nothing changed.
  await page
    .getByRole("dialog", { name: /Promote v2/ })
    .getByRole("button", { name: "Cancel" })
    .click();
  await expect(traffic).toContainText("v1 90% · v2 10%");
  await page.getByRole("button", { name: "Promote", exact: true }).click();
  await confirm(page, /Promote v2/);
  await expect(traffic).toContainText("v2 100%");
  await expect(activeRow()).toContainText(`#${revisionBefore + 1}`);
  await expect(activeRow()).toContainText("promote v2 to 100%");
  await screenshot(page, "11-promoted");

  await page.getByRole("button", { name: /^Rollback/ }).click();
  await confirm(page, /Roll back/);
  await expect(traffic).toContainText("v1 90% · v2 10%");
  await expect(activeRow()).toContainText(`#${revisionBefore + 2}`);
  await expect(activeRow()).toContainText(`rollback to revision ${revisionBefore}`);
  await screenshot(page, "12-rolled-back");

  // Any earlier point of the timeline comes back in one step: the promotion, restored.
  await page.getByRole("button", { name: `Restore revision ${revisionBefore + 1}` }).click();
  await confirm(page, new RegExp(`Restore revision #${revisionBefore + 1}`));
  await expect(traffic).toContainText("v2 100%");
  await expect(activeRow()).toContainText(`#${revisionBefore + 3}`);
  await expect(activeRow()).toContainText(`restore to revision ${revisionBefore + 1}`);
  await screenshot(page, "12b-restored");
});

test("a canary share outside 1 to 99 is refused before any dialog opens", async ({ page }) => {
  await openPage(page, "/deployments/card-fraud-prod");
  await page.getByLabel("Canary", { exact: true }).selectOption("3");
  const share = page.getByLabel("Share (%)");
  await share.fill("150");
  await page.getByRole("button", { name: "Start canary" }).click();
  await expect(page.locator("#canary-percent-error")).toHaveText(
    "The canary weight must be a whole percentage from 1 to 99, not 150.",
  );
  await expect(share).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await screenshot(page, "13b-canary-refused");
  // Corrected, it asks to confirm as before.
  await share.fill("20");
  await page.getByRole("button", { name: "Start canary" }).click();
  await expect(page.getByRole("dialog", { name: /Send 20% to v/ })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
});

test("with approval required, a promotion waits for someone other than its requester", async ({ page }) => {
  await openPage(page, "/deployments/card-fraud-prod");
  const traffic = page.getByTestId("active-traffic");
  const trafficBefore = (await traffic.textContent())!;
  await page.getByRole("button", { name: "Require approval" }).click();
  await confirm(page, /Require approval on card-fraud-prod/, "Require approval");
  await expect(page.getByRole("button", { name: "Stop requiring approval" })).toBeVisible();

  // The first test left v2 in production: ask for v1 back.
  await page.getByLabel("Promote", { exact: true }).selectOption("1");
  await page.getByRole("button", { name: "Request promotion" }).click();
  const ask = page.getByRole("dialog", { name: /Request promotion of v1/ });
  await ask.getByLabel("Note for the reviewer (optional)").fill("auc up on the golden set");
  await ask.getByRole("button", { name: "Request" }).click();
  await expect(ask).toBeHidden();
  const requests = page.getByRole("table", { name: "Promotion requests" });
  const row = requests.getByRole("row").filter({ hasText: "auc up on the golden set" });
  await expect(row).toContainText("pending");
  // Four eyes: the requester is offered no approval, only withdrawal, and traffic stays as it was.
  const number = (await row.getByRole("cell").first().innerText()).slice(1);
  await expect(row).toContainText("waiting for another admin");
  await expect(page.getByRole("button", { name: `Approve request ${number}` })).toHaveCount(0);
  await expect(traffic).toHaveText(trafficBefore);
  await screenshot(page, "13c-approval-pending");

  await page.getByRole("button", { name: `Withdraw request ${number}` }).click();
  await confirm(page, `Withdraw request #${number}?`, "Withdraw");
  await expect(row).toContainText("withdrawn");
  await page.getByRole("button", { name: "Stop requiring approval" }).click();
  await confirm(page, /Stop requiring approval/, "Stop requiring approval");
  await expect(page.getByRole("button", { name: "Promote", exact: true })).toBeVisible();
});
