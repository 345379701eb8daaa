import { spawn } from "node:child_process";
import path from "node:path";

const MLOPS = path.resolve(import.meta.dirname, "../../bin/mlops");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, for runs with --json. */
  json: () => unknown;
}

/** Runs the real `bin/mlops` as a pipeline would, with only the environment given (plus PATH, HOME). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(MLOPS, args, {
      cwd: path.dirname(MLOPS),
      env: { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}
