import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * A thread whose entry is TypeScript, outside a bundler (tsx scripts, vitest): threads do not
 * inherit a TypeScript loader (under tsx, `--import tsx` in execArgv is ignored for workers on
 * Node 20, and vitest's transform does not reach them), so the thread starts from a bootstrap
 * that registers tsx's ESM hooks and then imports the entry. Under Next.js the bundler builds
 * the entry into a thread chunk instead (see the callers' `new Worker(new URL(...))`).
 * `besideModuleUrl` is the caller's import.meta.url; the entry is a file next to it.
 */
export function startTypeScriptThread(
  besideModuleUrl: string,
  entryFileName: string,
  options: Pick<WorkerOptions, "workerData" | "resourceLimits">,
): Worker {
  const entry = new URL(entryFileName, besideModuleUrl);
  // A variable, not a literal: a bundler must not try to pull tsx into a build.
  const tsxSpecifier = "tsx/esm/api";
  const tsxApi = import.meta.resolve(tsxSpecifier);
  const tsconfig = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../tsconfig.json");
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => {` +
    ` tsx.register({ tsconfig: ${JSON.stringify(tsconfig)} });` +
    ` return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}
