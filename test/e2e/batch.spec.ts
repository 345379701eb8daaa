import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEMO_DIR, dropFile, screenshot, openPage } from "./browser-files";

test("a batch job started from the console reaches 100% and its output downloads", async ({ page }) => {
  const csv = await readFile(path.join(DEMO_DIR, "fraud-holdout.csv"));
  const inputRows = csv.toString("utf8").trim().split("\n").length - 1;

  await openPage(page, "/jobs");
  await expect(page).toHaveTitle("Batch jobs · MLOps console");
  await dropFile(page, "fraud-holdout.csv", csv);
  await page.getByLabel("Model").fill("card-fraud");
  await page.getByLabel("Version").fill("2");
  await page.getByLabel("Rows per chunk").fill("1000");
  await page.getByRole("button", { name: "Start job" }).click();
  const queued = page.getByRole("status").filter({ hasText: "Queued" });
  await expect(queued).toContainText(`for ${inputRows.toLocaleString("en")} rows in 5 chunks`);
  await screenshot(page, "40-batch-job-queued");

  await queued.getByRole("link", { name: "the job" }).click();
  const progress = page.getByRole("progressbar", {
    name: new RegExp(`of ${inputRows.toLocaleString("en")} rows`),
  });
  await expect(progress).toHaveAttribute("aria-valuenow", "100", { timeout: 60_000 });
  await expect(page.getByText("succeeded").first()).toBeVisible();
  await screenshot(page, "41-batch-job-done");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download output" }).click();
  const lines = (await readFile((await (await download).path())!, "utf8")).trim().split("\n");
  expect(lines).toHaveLength(inputRows + 1);
  // The input's columns, then the predictions.
  expect(lines[0]!.startsWith(csv.toString("utf8").split("\n")[0]!)).toBe(true);
  expect(lines[0]!.length).toBeGreaterThan(csv.toString("utf8").split("\n")[0]!.length);
});
