import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Self time of a V8 .cpuprofile (from `node --cpu-prof`) by package / file and by function, to
 * say where a process's CPU went. `tsx bench/cpu-profile-summary.ts <file.cpuprofile>...`
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self ms by area (package, Node core module, project file or V8 pseudo-node), largest first. */
  byArea: [string, number][];
  /**
   * Self ms by owner: the nearest frame on the stack in a package or a project file, so that
   * native work (socket writes, JSON) and Node internals count for the code that asked for them.
   */
  byOwner: [string, number][];
  /** Self ms by function, largest first. */
  byFunction: [string, number][];
}

export async function summarizeProfile(file: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)),
  );
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const owner = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const { url, functionName } = nodes.get(at)!.callFrame;
      if (url && !url.startsWith("node:")) return area(url, functionName);
    }
    return area(nodes.get(id)!.callFrame.url, nodes.get(id)!.callFrame.functionName);
  };
  const byArea = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const where = area(url, functionName);
    totalUs += us;
    byArea.set(where, (byArea.get(where) ?? 0) + us);
    const by = owner(id);
    byOwner.set(by, (byOwner.get(by) ?? 0) + us);
    const name = `${functionName || "(anonymous)"} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const sorted = (map: Map<string, number>) =>
    [...map].map(([key, us]): [string, number] => [key, us / 1000]).sort((a, b) => b[1] - a[1]);
  return {
    totalMs: totalUs / 1000,
    byArea: sorted(byArea),
    byOwner: sorted(byOwner),
    byFunction: sorted(byFunction),
  };
}

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : `(native) ${functionName}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith("node:"))
    return `node:${
      url
        .slice(5)
        .replace(/^internal\//, "")
        .split("/")[0]
    }`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const repo = path.resolve(import.meta.dirname, "..");
  const local = url.startsWith("file://") ? fileURLToPath(url) : url;
  return local.startsWith(repo) ? path.relative(repo, local) : local;
}

/** Shares are of the time not idle. */
export function formatSummary(label: string, summary: ProfileSummary, top = 15): string {
  const busyMs = summary.totalMs - (summary.byArea.find(([key]) => key === "(idle)")?.[1] ?? 0);
  const rows = (list: [string, number][]) =>
    list
      .filter(([key]) => key !== "(idle)")
      .slice(0, top)
      .map(([key, ms]) => `    ${`${((100 * ms) / busyMs).toFixed(1)}%`.padStart(6)}  ${key}`);
  return [
    `${label}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s not idle (shares below are of that)`,
    "  by owner (native and Node-internal time charged to the nearest package or project frame):",
    ...rows(summary.byOwner),
    "  by area (self):",
    ...rows(summary.byArea),
    "  by function (self):",
    ...rows(summary.byFunction),
  ].join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2))
    console.log(formatSummary(path.basename(file), await summarizeProfile(file)), "\n");
}
