import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEMO_DIR, dropFile, screenshot, openPage } from "./browser-files";

test("the demo registry is there on first start", async ({ page }) => {
  await openPage(page, "/models");
  await expect(page.getByRole("link", { name: "card-fraud" })).toBeVisible();
  await expect(page.getByRole("link", { name: "heavy-mlp" })).toBeVisible();
  await screenshot(page, "01-models");

  await page.getByRole("link", { name: "card-fraud" }).click();
  await expect(page.getByRole("heading", { name: "card-fraud" })).toBeVisible();
  await expect(page.getByRole("link", { name: "v3" })).toBeVisible();
  await expect(page.getByTestId("metrics-chart")).toBeVisible();
  await screenshot(page, "02-model");
});

test("upload an ONNX file by drag and drop and see its signature; a corrupt file is refused", async ({
  page,
}) => {
  await openPage(page, "/models");
  await page.getByRole("button", { name: "New model" }).click();
  await page.getByLabel("Name").fill("e2e-fraud");
  await page.getByLabel("Task").fill("binary-classification");
  await page.getByRole("button", { name: "Create model" }).click();
  await expect(page).toHaveURL(/\/models\/e2e-fraud$/);
  await expect(page.getByText("No versions yet")).toBeVisible();

  const model = await readFile(path.join(DEMO_DIR, "fraud-v2.onnx"));
  await dropFile(page, "fraud-v2.onnx", model);
  await expect(page.getByTestId("file-drop")).toContainText("fraud-v2.onnx");
  await page.getByRole("button", { name: "Upload version" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Registered" })).toContainText("version 1");

  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "v1" }) });
  await expect(row).toContainText("features");
  await expect(row).toContainText("float32");
  await expect(row).toContainText("probability");
  await expect(row).toContainText("label");
  await screenshot(page, "03-uploaded");

  await page.getByRole("link", { name: "version 1" }).click();
  await expect(page.getByRole("heading", { name: "e2e-fraud v1" })).toBeVisible();
  const inputs = page.getByRole("table", { name: "Inputs" });
  await expect(inputs.getByRole("row").nth(1)).toHaveText(/features\s*float32\s*\[\s*batch\s*,\s*14\s*\]/);
  const outputs = page.getByRole("table", { name: "Outputs" });
  await expect(outputs.getByRole("row")).toHaveCount(3);
  await expect(outputs).toContainText("int64");
  await screenshot(page, "04-version");

  await page.getByRole("link", { name: "e2e-fraud", exact: true }).click();
  const corrupt = model.subarray(0, Math.floor(model.byteLength / 2));
  await page.getByLabel("Choose an ONNX file").setInputFiles({
    name: "truncated.onnx",
    mimeType: "application/octet-stream",
    buffer: Buffer.from(corrupt),
  });
  await page.getByRole("button", { name: "Upload version" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Upload rejected" });
  await expect(alert).toContainText("Upload rejected");
  await expect(alert).toContainText("not an ONNX model");
  await expect(page.getByRole("link", { name: "v2" })).toHaveCount(0);
  await screenshot(page, "05-corrupt-refused");
});

test("a feature set version shows its features and baseline histograms; a mismatching link is refused", async ({
  page,
}) => {
  await openPage(page, "/feature-sets");
  await page.getByRole("link", { name: "card-fraud" }).click();
  await page.getByRole("link", { name: "v1", exact: true }).click();
  await expect(page.getByRole("heading", { name: "card-fraud v1" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Features" }).getByRole("row")).toHaveCount(15);
  await expect(
    page.getByRole("img", { name: "Distribution of amount in the baseline sample" }),
  ).toBeVisible();
  await expect(
    page.getByRole("img", { name: "Distribution of country in the baseline sample" }),
  ).toBeVisible();
  await screenshot(page, "06-feature-set");

  // The heavy benchmark model takes 512 values per row: it cannot read the 14 fraud features.
  await openPage(page, "/models/heavy-mlp/versions/1");
  await page.getByLabel("Feature set").selectOption("card-fraud");
  await page.getByRole("button", { name: "Link", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Link refused" })).toContainText(
    "has shape [batch, 512] (512 values per row) but the feature set has 14 features",
  );
  await screenshot(page, "07-link-refused");
});

test("a CSV sample becomes a new feature set version; a bad row is refused with its line", async ({
  page,
}) => {
  await openPage(page, "/feature-sets/card-fraud");
  const csv = await readFile(path.join(DEMO_DIR, "fraud-holdout.csv"), "utf8");
  const chooser = page.getByLabel("Choose a CSV file");
  await page.getByLabel(/Same as the latest version/).check();

  // A bad cell on the second data row: the console names its line and column.
  const [header, first, ...rest] = csv.trim().split("\n");
  const broken = [header, first, rest[0]!.replace(/^[^,]*/, "lots"), ...rest.slice(1)].join("\n");
  await chooser.setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(broken) });
  await page.getByRole("button", { name: "Create version" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Sample rejected" })).toContainText(
    "row 2 (line 3)",
  );
  await screenshot(page, "08-sample-refused");

  await page
    .getByLabel("Choose another file")
    .setInputFiles({ name: "holdout.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Create version" }).click();
  const rows = (csv.trim().split("\n").length - 1).toLocaleString("en");
  await expect(page.getByRole("status")).toContainText(
    `Created version 2 with 14 features from ${rows} rows`,
  );
  await screenshot(page, "09-sample-uploaded");
});

test("controls are reachable with the keyboard", async ({ page }) => {
  await openPage(page, "/models/card-fraud");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "MLOps console" })).toBeFocused();
  const focusedNames: string[] = [];
  // The side nav (ten links and the account panel) comes first, then the page's own controls.
  for (let step = 0; step < 20; step += 1) {
    await page.keyboard.press("Tab");
    focusedNames.push(
      await page.evaluate(
        () =>
          document.activeElement?.textContent?.trim() ||
          document.activeElement?.getAttribute("aria-label") ||
          document.activeElement?.tagName ||
          "",
      ),
    );
  }
  expect(focusedNames).toContain("Feature sets");
  expect(focusedNames.some((name) => name === "INPUT")).toBe(true);
  expect(focusedNames).toContain("Metrics and lineage (optional)");
});
