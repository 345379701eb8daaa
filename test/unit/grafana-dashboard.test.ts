import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The shipped dashboard's queries, checked by Prometheus's own parser (`promtool check rules` on
// each query as a recording rule), and the metric names they use against those the code exports.

const REPO = path.resolve(import.meta.dirname, "../..");
const DASHBOARD = path.join(REPO, "deploy/grafana/dashboards/mlops-serving.json");

interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: { refId: string; expr: string }[];
}

function promtool(args: string[]): string {
  try {
    return execFileSync("promtool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const failure = error as { code?: string; stdout?: string; stderr?: string };
    if (failure.code === "ENOENT")
      throw new Error(
        "promtool is not installed: install Debian's prometheus package (`apt-get install -y prometheus`).",
        { cause: error },
      );
    throw new Error(`promtool ${args.join(" ")} failed:\n${failure.stdout ?? ""}${failure.stderr ?? ""}`, {
      cause: error,
    });
  }
}

describe("the Grafana dashboard", () => {
  it("has queries Prometheus parses, on metrics the gateway and worker export", async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as { panels: Panel[] };
    const queries = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel, ...target })),
    );
    expect(queries.length).toBeGreaterThan(10);
    // JSON is YAML: the rules file needs no YAML library.
    const rules = {
      groups: [
        {
          name: "dashboard",
          rules: queries.map(({ panel, refId, expr }) => ({
            record: `dashboard:panel${panel.id}:${refId}`,
            expr: expr.replaceAll("$__rate_interval", "1m").replaceAll("$deployment", ".*"),
          })),
        },
      ],
    };
    const dir = await mkdtemp(path.join(os.tmpdir(), "dashboard-"));
    try {
      await writeFile(path.join(dir, "rules.yml"), JSON.stringify(rules));
      expect(promtool(["check", "rules", path.join(dir, "rules.yml")])).toContain(
        `SUCCESS: ${queries.length} rules found`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const sources = (
      await Promise.all(
        ["server/metrics/gateway-metrics.ts", "server/metrics/worker-metrics.ts"].map((file) =>
          readFile(path.join(REPO, file), "utf8"),
        ),
      )
    ).join("\n");
    const used = new Set(queries.flatMap(({ expr }) => expr.match(/\bmlops_[a-z_]+/g) ?? []));
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, "");
      expect(sources, `${name} is not exported`).toContain(`"${base}"`);
    }
  });

  it("ships a Prometheus config that promtool accepts, scraping the console, gateway and worker", async () => {
    const config = path.join(REPO, "deploy/prometheus/prometheus.yml");
    expect(promtool(["check", "config", config])).toContain("SUCCESS");
    const text = await readFile(config, "utf8");
    for (const target of ["/api/metrics", "gateway", "9464"]) expect(text).toContain(target);
  });
});
