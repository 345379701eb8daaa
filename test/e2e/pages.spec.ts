import { expect, test } from "@playwright/test";
import { screenshot } from "./browser-files";

/** Each page of the demo and a text its data puts on the page (not in its frame). */
const PAGES = [
  { path: "/models", content: "heavy-mlp" },
  { path: "/models/card-fraud", content: "Metrics by version" },
  { path: "/models/card-fraud/versions/1", content: "features" },
  { path: "/feature-sets", content: "card-fraud" },
  { path: "/feature-sets/card-fraud", content: "amount_to_avg_ratio" },
  { path: "/deployments", content: "card-fraud-prod" },
  { path: "/deployments/card-fraud-prod", content: "Revision history" },
  { path: "/audit", content: "deployment.create" },
  { path: "/alerts", content: "card-fraud drift" },
  // The deployments a new key may be limited to, prefetched with the keys.
  { path: "/settings/api-keys", content: "card-fraud-prod" },
] as const;

test("every page's first HTML holds its data, and the time to content is recorded", async ({ page }) => {
  const timings: string[] = [];
  for (const { path: pagePath, content } of PAGES) {
    // The server's answer alone, before any script runs: the data is in it, not behind a spinner.
    const html = await (await page.request.get(pagePath)).text();
    expect(html, `${pagePath} renders its data on the server`).toContain(content);
    expect(html, `${pagePath} renders no loading state`).not.toContain("Loading…");

    const startedMs = Date.now();
    await page.goto(pagePath);
    await expect(page.getByText(content).first()).toBeVisible();
    timings.push(`${pagePath} ${Date.now() - startedMs} ms`);
  }
  // Recorded, not asserted: this machine's speed varies from run to run.
  console.log(`time to content: ${timings.join(", ")}`);
});

test("the layout holds at 820 px: no page scrolls sideways", async ({ page }) => {
  await page.setViewportSize({ width: 820, height: 1000 });
  for (const { path: pagePath, content } of PAGES) {
    await page.goto(pagePath);
    await expect(page.getByText(content).first()).toBeVisible();
    const overflowPx = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflowPx, `${pagePath} is wider than the window by ${overflowPx} px`).toBeLessThanOrEqual(0);
  }
  await page.goto("/deployments/card-fraud-prod");
  await screenshot(page, "20-deployment-820px");
  await page.goto("/models/card-fraud");
  await screenshot(page, "21-model-820px");
});

test("an address with no page gets the console's own 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle("Not found · MLOps console");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Deployments" }).last()).toBeVisible();
  await screenshot(page, "22-not-found");
});
