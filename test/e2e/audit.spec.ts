import { expect, test } from "@playwright/test";
import { screenshot, openPage } from "./browser-files";

test("the audit log lists the demo's changes, filters them and exports what it shows", async ({ page }) => {
  await openPage(page, "/audit");
  await expect(page).toHaveTitle("Audit log · MLOps console");
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table.getByRole("row").filter({ hasText: "deployment.create" }).first()).toContainText(
    "card-fraud-prod",
  );
  await expect(table.getByRole("row").filter({ hasText: "modelVersion.register" }).first()).toBeVisible();

  await page.getByLabel("Object type").selectOption("deployment");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(table.getByRole("row").filter({ hasText: "modelVersion.register" })).toHaveCount(0);
  const rows = table.getByRole("row").filter({ hasText: "deployment" });
  await expect(rows.first()).toBeVisible();
  await rows.first().getByText("Show the change").click();
  await expect(rows.first().getByText("After")).toBeVisible();
  await screenshot(page, "00-audit-log");

  const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(csvHref).toContain("targetType=deployment");
  const exported = await page.request.get(csvHref!);
  expect(exported.status()).toBe(200);
  const lines = (await exported.text()).trim().split("\n");
  expect(lines[0]).toBe("at,actor,action,targetType,target,before,after");
  expect(lines.slice(1).every((line) => line.split(",")[3] === "deployment")).toBe(true);
});
