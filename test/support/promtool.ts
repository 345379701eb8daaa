import { execFile, execFileSync } from "node:child_process";

/** Fails the calling test file with how to get promtool, rather than skipping what it checks. */
export function requirePromtool(): void {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "promtool is not installed: this test checks the metrics with it. Install Debian's prometheus " +
        "package (`apt-get install -y prometheus`, which ships /usr/bin/promtool; its server need not run).",
    );
  }
}

/** `promtool check metrics` on the text, as Prometheus's own linter reads a scrape. */
export function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin!.end(text);
  });
}
