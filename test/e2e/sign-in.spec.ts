import { expect, test, type Page } from "@playwright/test";
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

const viewer = { name: "Bob Viewer", email: "bob.e2e@example.com", password: "counting sheep daily 7" };
const secondAdmin = { name: "Cy Admin", email: "cy.e2e@example.com", password: "second pair of eyes 42" };

/**
 * Submits a sign-in or sign-up form as a person would under the per-address rate limit: when the
 * page says to try again in N seconds, waits that long and submits again.
 */
async function submitUntilIn(page: Page, submit: () => Promise<void>) {
  for (let attempt = 0; attempt < 4; attempt++) {
    await submit();
    const limited = page.getByRole("main").getByRole("alert").filter({ hasText: "Too many attempts" });
    const outcome = await Promise.race([
      page.waitForURL("/").then(() => "in" as const),
      limited.waitFor().then(() => "limited" as const),
    ]);
    if (outcome === "in") return;
    const seconds = Number(/in (\d+) seconds?/.exec(await limited.innerText())?.[1] ?? 10);
    await page.waitForTimeout((seconds + 1) * 1000);
  }
  throw new Error("still rate-limited after four tries");
}

async function signUp(page: Page, person: { name: string; email: string; password: string }) {
  await openPage(page, "/sign-up");
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await submitUntilIn(page, () => page.getByRole("button", { name: "Create account" }).click());
}

async function signIn(page: Page, person: { email: string; password: string }) {
  await openPage(page, "/sign-in");
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await submitUntilIn(page, () => page.getByLabel("Password").press("Enter"));
}

async function confirmIn(page: Page, title: RegExp | string, button: string) {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: button }).click();
  await expect(dialog).toBeHidden();
}

test("a viewer finds no Promote button; one admin requests a promotion and a second admin approves it", async ({
  browser,
}) => {
  const bob = await browser.newContext();
  const cy = await browser.newContext();
  const ada = await browser.newContext();
  const [bobPage, cyPage, adaPage] = [await bob.newPage(), await cy.newPage(), await ada.newPage()];
  await signUp(bobPage, viewer);
  await signUp(cyPage, secondAdmin);

  // The team's admin adds them: Bob as a viewer, Cy as a second admin.
  await signIn(adaPage, admin);
  await openPage(adaPage, "/settings/members");
  for (const [person, role] of [
    [viewer, "viewer"],
    [secondAdmin, "admin"],
  ] as const) {
    await adaPage.getByLabel("Email").fill(person.email);
    await adaPage.getByLabel("Role", { exact: true }).selectOption(role);
    await adaPage.getByRole("button", { name: "Add member" }).click();
    await expect(adaPage.getByLabel(`Role of ${person.email}`)).toHaveValue(role);
  }

  // A viewer watches the deployment but is offered no traffic change at all.
  await openPage(bobPage, "/deployments/card-fraud-prod");
  await expect(bobPage.getByText("Your role is viewer")).toBeVisible();
  await expect(bobPage.getByRole("button", { name: "Promote", exact: true })).toHaveCount(0);
  await expect(bobPage.getByRole("button", { name: "Start canary" })).toHaveCount(0);
  await screenshot(bobPage, "sign-in-01-viewer-deployment");

  // Ada turns on four eyes and asks for v1; she is offered only to withdraw her own request.
  await openPage(adaPage, "/deployments/card-fraud-prod");
  const traffic = adaPage.getByTestId("active-traffic");
  await adaPage.getByRole("button", { name: "Require approval" }).click();
  await confirmIn(adaPage, /Require approval on card-fraud-prod/, "Require approval");
  await adaPage.getByLabel("Promote", { exact: true }).selectOption("1");
  await adaPage.getByRole("button", { name: "Request promotion" }).click();
  const ask = adaPage.getByRole("dialog", { name: /Request promotion of v1/ });
  await ask.getByLabel("Note for the reviewer (optional)").fill("back to v1 after the incident");
  await ask.getByRole("button", { name: "Request" }).click();
  const adaRow = adaPage
    .getByRole("table", { name: "Promotion requests" })
    .getByRole("row")
    .filter({ hasText: "back to v1 after the incident" });
  await expect(adaRow).toContainText("waiting for another admin");
  const number = (await adaRow.getByRole("cell").first().innerText()).slice(1);
  await expect(traffic).not.toContainText("v1 100%");

  // Cy, a second admin, approves it: v1 takes all the traffic, and the request records who did what.
  await openPage(cyPage, "/deployments/card-fraud-prod");
  await cyPage.getByRole("button", { name: `Approve request ${number}` }).click();
  await confirmIn(cyPage, `Approve request #${number}?`, "Approve");
  await expect(cyPage.getByTestId("active-traffic")).toContainText("v1 100%");
  const cyRow = cyPage
    .getByRole("table", { name: "Promotion requests" })
    .getByRole("row")
    .filter({ hasText: "back to v1 after the incident" });
  await expect(cyRow).toContainText("approved");
  await screenshot(cyPage, "sign-in-02-approved-by-second-admin");

  await cyPage.getByRole("button", { name: "Stop requiring approval" }).click();
  await confirmIn(cyPage, /Stop requiring approval/, "Stop requiring approval");
  await Promise.all([bob, cy, ada].map((context) => context.close()));
});

test("signs in through the company's OpenID provider", async ({ page }) => {
  await openPage(page, "/sign-in");
  await page.getByRole("button", { name: "Sign in with Acme ID" }).click();
  // The provider's own login form (oidc-provider's development interaction takes any password).
  await page.locator('input[name="login"]').fill("grace");
  await page.locator('input[name="password"]').fill("any password");
  await page.locator('button[type="submit"]').click();
  await page.waitForURL("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByText("grace.e2e@example.com", { exact: true })).toBeVisible();
  await expect(nav.getByText("Not in a team yet")).toBeVisible();
  await screenshot(page, "sign-in-03-oidc");
});
