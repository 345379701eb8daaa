import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CliError } from "./exit-codes";

const ZStoredConfig = z.object({ url: z.string().url(), apiKey: z.string().min(1).optional() });
export type CliConfig = z.infer<typeof ZStoredConfig>;

/** $MLOPS_CONFIG, else $XDG_CONFIG_HOME/mlops/config.json, else ~/.config/mlops/config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLOPS_CONFIG) return env.MLOPS_CONFIG;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "mlops", "config.json");
}

/** Written readable by its owner only: it holds an API key. */
export async function saveConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = configPath(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(ZStoredConfig.parse(config), null, 2)}\n`, { mode: 0o600 });
  return file;
}

/**
 * Flags over environment (MLOPS_URL, MLOPS_API_KEY: what a CI secret sets) over the saved file,
 * so a pipeline needs no `configure` step.
 */
export async function resolveConfig(
  flags: { url?: string; apiKey?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliConfig> {
  const saved = await readSaved(configPath(env));
  const url = flags.url ?? env.MLOPS_URL ?? saved?.url;
  const apiKey = flags.apiKey ?? env.MLOPS_API_KEY ?? saved?.apiKey;
  if (!url)
    throw new CliError(
      "usage",
      "no console URL: pass --url, set MLOPS_URL, or run `mlops configure --url <url>`",
    );
  const parsed = ZStoredConfig.safeParse({ url, apiKey });
  if (!parsed.success) throw new CliError("usage", `the console URL '${url}' is not a valid URL`);
  return parsed.data;
}

async function readSaved(file: string): Promise<CliConfig | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return null;
  }
  const parsed = ZStoredConfig.safeParse(safeJson(text));
  if (!parsed.success)
    throw new CliError("usage", `the config file ${file} is not valid: run \`mlops configure\` again`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
