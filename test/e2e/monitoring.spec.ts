import { expect, test } from "@playwright/test";
import { screenshot, openPage } from "./browser-files";

test("the overview shows every deployment at a glance, with units", async ({ page }) => {
  await openPage(page, "/");
  await expect(page).toHaveTitle("Overview · MLOps console");
  const table = page.getByRole("table", { name: /Deployments at a glance/ });
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: "card-fraud-prod" }) });
  // Demo traffic flows from the start; the monitor folds it into rollups every few seconds.
  // Until the first fold the row says idle at 0.0 req/s: wait for a health verdict, then the rest.
  await expect(row).toContainText(/healthy|degraded|failing/, { timeout: 60_000 });
  await expect(row).toContainText(/\d+(\.\d)? req\/s/);
  await expect(row).toContainText(/\d+(\.\d)? ms/);
  await expect(row).toContainText(/\$\d+\.\d+/);
  await screenshot(page, "30-overview");
});

test("a deployment's monitoring charts render with data and units, for each range", async ({ page }) => {
  await openPage(page, "/deployments/card-fraud-prod");
  const charts = [
    /requests per second per version/,
    /error rate by kind/,
    /latency percentiles per version/,
    /mean queue wait and compute per version/,
    /jobs by release reason and rows per run/,
    /cost per 1,000 calls and utilization per version/,
  ];
  for (const name of charts) await expect(page.getByRole("img", { name })).toBeVisible({ timeout: 60_000 });
  // Every value axis names its unit.
  for (const unit of ["requests / s", "errors (% of requests)", "latency (ms, log scale)", "mean time (ms)"])
    await expect(page.getByText(unit, { exact: true }).first()).toBeVisible();
  // Lines are drawn: each chart has at least one path with data in it.
  const requests = page.getByRole("img", { name: charts[0]! });
  await expect(requests.locator("path.recharts-curve").first()).toBeVisible();
  await screenshot(page, "31-deployment-charts-1h");

  // Per version, what the server adds over onnxruntime's own session runs, in ms.
  const overhead = page.getByRole("table", { name: /Time added over onnxruntime, per version/ });
  const primary = overhead.getByRole("row").filter({ hasText: "primary" }).first();
  await expect(primary).toBeVisible({ timeout: 60_000 });
  await expect(primary.getByRole("cell").filter({ hasText: / ms$/ }).first()).toBeVisible();
  await expect(primary.getByText(/^[+-][\d.]+ ms/)).toBeVisible();
  await overhead.scrollIntoViewIfNeeded();
  await screenshot(page, "33-overhead-table");

  await page.getByRole("button", { name: "24 hours" }).click();
  await expect(page.getByRole("button", { name: "24 hours" })).toHaveAttribute("aria-pressed", "true");
  await expect(
    page.getByRole("img", { name: /requests per second per version over the last 24 hours/ }),
  ).toBeVisible();
  await page.getByRole("button", { name: "7 days" }).click();
  await expect(page.getByRole("img", { name: /over the last 7 days/ }).first()).toBeVisible();
  await screenshot(page, "32-deployment-charts-7d");
});

test("a deployment's drift and realized quality fill from the demo's logged and labelled traffic", async ({
  page,
}) => {
  // A fresh demo's first drift window needs its 500 logged rows: up to a minute, then the page's refresh.
  test.setTimeout(150_000);
  await openPage(page, "/deployments/card-fraud-prod");
  // Drift per feature against the linked feature set, judged by the monitor every 15 s in the demo.
  // Whichever version serves now: the earlier browser tests may have promoted another.
  const drift = page.getByRole("table", { name: /^Feature drift of v\d+$/ }).first();
  await expect(drift).toBeVisible({ timeout: 100_000 });
  await expect(drift.getByRole("row").filter({ hasText: "amount" }).first()).toContainText(
    /KS test|Wasserstein/,
  );
  await drift.scrollIntoViewIfNeeded();
  await screenshot(page, "34-drift");

  // The demo sends the true labels of some requests half a minute after their answers.
  const quality = page.getByRole("table", { name: "Realized quality per version, last 24 hours" });
  await expect(quality.getByRole("row").filter({ hasText: /^v\d+/ }).first()).toBeVisible({
    timeout: 60_000,
  });
  await quality.scrollIntoViewIfNeeded();
  await screenshot(page, "35-realized-quality");
});
