import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";
import type * as Esbuild from "esbuild";

/**
 * A thread whose entry is TypeScript, outside a bundler (tsx scripts, the worker process, vitest).
 * Threads inherit no TypeScript loader, and booting one in each thread (tsx's ESM hooks) cost 0.4
 * to 0.9 s per thread here, most of a small model's first answer. So the entry is bundled once
 * per process with esbuild (tens of ms) into plain JavaScript, which the thread runs from a
 * data: URL: nothing is written to disk, so no stale build can ever run, and read-only checkouts
 * (the container's root-owned code) work. Only this project's sources are bundled; packages stay
 * imports, by absolute URL (a data: module cannot resolve a bare name), so the thread loads the
 * same node_modules and native addons as the process. Under Next.js the bundler builds the entry
 * into a thread chunk instead (see the callers' `new Worker(new URL(...))`).
 * `besideModuleUrl` is the caller's import.meta.url; the entry is a file next to it.
 */
export async function startBundledThread(
  besideModuleUrl: string,
  entryFileName: string,
  options: Pick<WorkerOptions, "workerData" | "resourceLimits">,
): Promise<Worker> {
  // No execArgv: a parent started with `--import tsx` must not boot the loader in the thread.
  return new Worker(await bundledThreadUrl(besideModuleUrl, entryFileName), { ...options, execArgv: [] });
}

/** The entry's bundle, built on the first call for it; a process that will start threads may build it ahead. */
export function bundledThreadUrl(besideModuleUrl: string, entryFileName: string): Promise<URL> {
  const entry = new URL(entryFileName, besideModuleUrl).href;
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = bundleEntry(entry);
    bundles.set(entry, bundle);
    bundle.catch(() => bundles.delete(entry)); // a failed build is tried again by the next thread
  }
  return bundle;
}

/** By entry URL: the sources a process runs do not change under it, so one build serves its life. */
const bundles = new Map<string, Promise<URL>>();

async function bundleEntry(entryUrl: string): Promise<URL> {
  // A variable, not a literal: a bundler must not try to pull esbuild into a build.
  const esbuildSpecifier = "esbuild";
  const esbuild = (await import(esbuildSpecifier)) as typeof Esbuild;
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(entryUrl)],
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    logLevel: "silent",
    tsconfig: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../tsconfig.json"),
    plugins: [
      {
        name: "packages-by-url",
        setup(build) {
          // Bare names but this project's `@/` alias: packages, resolved as Node would from here
          // (every source of this project shares one node_modules).
          build.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) =>
            specifier.startsWith("@/") || isBuiltin(specifier)
              ? undefined
              : { path: import.meta.resolve(specifier), external: true },
          );
        },
      },
    ],
  });
  const code = result.outputFiles[0]!.text;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
