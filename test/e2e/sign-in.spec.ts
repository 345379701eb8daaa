import { expect, test } from "@playwright/test";
import { openPage, screenshot } from "./browser-files";

const admin = { name: "Ada Lovelace", email: "ada.e2e@example.com", password: "analytical engine 1843" };

test("the first account becomes the team's admin, signs out, and signs in again by keyboard", async ({
  page,
}) => {
  await openPage(page, "/sign-up");
  await expect(page).toHaveTitle("Create an account · MLOps console");
  await page.getByLabel("Name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("ada.e2e is me!");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    "The password must not contain your email address's name ('ada.e2e').",
  );
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("/");

  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByText(admin.email)).toBeVisible();
  await expect(nav.getByText("Default team")).toBeVisible();
  await expect(nav.getByText("admin", { exact: true })).toBeVisible();
  await nav.getByRole("link", { name: "Members" }).click();
  await expect(page).toHaveTitle("Members · MLOps console");
  await expect(
    page.getByRole("table", { name: "Members" }).getByRole("row", { name: new RegExp(admin.email) }),
  ).toContainText(admin.name);
  await expect(page.getByLabel(`Role of ${admin.email}`)).toHaveValue("admin");
  await screenshot(page, "sign-in-00-members");

  await page.getByLabel(`Role of ${admin.email}`).selectOption("viewer");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    `${admin.email} is the team's last admin and cannot be made viewer: make another member admin first`,
  );

  await nav.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("/sign-in");
  await page.locator("body[data-hydrated]").waitFor();
  await expect(page).toHaveTitle("Sign in · MLOps console");
  await expect(nav.getByRole("link", { name: "Sign in" })).toBeVisible();

  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid email or password.");
  await page.getByLabel("Password").fill(admin.password);
  await page.getByLabel("Password").press("Enter");
  await page.waitForURL("/");
  await expect(nav.getByText(admin.email)).toBeVisible();
});
