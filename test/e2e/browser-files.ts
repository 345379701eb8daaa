import path from "node:path";
import type { Page } from "@playwright/test";

export const DEMO_DIR = path.resolve(import.meta.dirname, "../../data/demo");
const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screens");

/**
 * Opens a page and waits until React has hydrated it: the server's HTML shows controls before
 * they work, and a choice made in that moment would be lost.
 */
export async function openPage(page: Page, url: string) {
  const response = await page.goto(url);
  await page.locator("body[data-hydrated]").waitFor();
  return response;
}

/** A full-page screenshot under test-results/screens, to be looked at. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Drops a file on the drop zone the way a browser does: a drop event carrying a DataTransfer. */
export async function dropFile(page: Page, fileName: string, bytes: Uint8Array) {
  const dataTransfer = await page.evaluateHandle(
    ({ data, name }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], name, { type: "application/octet-stream" }));
      return transfer;
    },
    { data: Array.from(bytes), name: fileName },
  );
  await page.getByTestId("file-drop").dispatchEvent("drop", { dataTransfer });
}
