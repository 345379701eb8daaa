import { readFile } from "node:fs/promises";
import path from "node:path";

/** The same directory `npm run demo` uses; the global setup makes sure it is generated. */
export const DEMO_DIR = path.resolve(import.meta.dirname, "../../data/demo");

export async function readDemoFile(file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(DEMO_DIR, file)));
}
