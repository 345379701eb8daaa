import { Command, CommanderError, InvalidArgumentError } from "commander";
import { createMlopsClient, type MlopsClient } from "../client/create-mlops-client";
import * as commands from "./commands";
import { resolveConfig, saveConfig } from "./config";
import { classify, CliError, EXIT_CODES } from "./exit-codes";

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

const program = new Command("mlops")
  .description("The MLOps console from a terminal or a CI pipeline (docs/CLI.md)")
  .option("--url <url>", "console URL (else MLOPS_URL, else the saved config)")
  .option("--api-key <key>", "API key (else MLOPS_API_KEY, else the saved config)")
  .option("--json", "print the result as JSON on stdout")
  .exitOverride()
  .showHelpAfterError();

const flags = () => program.opts<GlobalFlags>();

async function client(): Promise<MlopsClient> {
  return createMlopsClient(await resolveConfig(flags()));
}

/** Prints a command's result for a person or, with --json, for a pipeline; sets the exit code. */
function run<Args extends unknown[]>(action: (...args: Args) => Promise<commands.CommandResult>) {
  return async (...args: Args) => {
    const result = await action(...args);
    console.log(flags().json ? JSON.stringify(result.json, null, 2) : result.text);
    if (result.failed) process.exitCode = EXIT_CODES.failed;
  };
}

const positiveInt = (label: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`${label} must be a whole number from 1`);
  return number;
};
/** `name=value` pairs of a repeatable option, into one record. */
const pair =
  <T>(parse: (value: string, name: string) => T) =>
  (text: string, previous: Record<string, T> = {}) => {
    const at = text.indexOf("=");
    if (at < 1) throw new InvalidArgumentError(`'${text}' is not name=value`);
    const name = text.slice(0, at);
    return { ...previous, [name]: parse(text.slice(at + 1), name) };
  };
const metricValue = (value: string, name: string) => {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number))
    throw new InvalidArgumentError(`metric '${name}' must be a finite number, not '${value}'`);
  return number;
};

const featureSetRef = (text: string) => {
  const match = /^(.+)@(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError(`'${text}' is not name@version, e.g. card-fraud@1`);
  return { name: match[1]!, version: positiveInt("feature set version")(match[2]!) };
};

program
  .command("configure")
  .description("save --url and --api-key for later commands")
  .action(async () => {
    const { url, apiKey } = flags();
    if (!url) throw new CliError("usage", "configure needs --url <url>");
    const file = await saveConfig({ url, apiKey });
    console.log(flags().json ? JSON.stringify({ configFile: file }) : `saved to ${file}`);
  });

const models = program.command("models").description("the team's models");
models
  .command("list")
  .option("--query <text>", "names or descriptions containing this", "")
  .action(run(async (options: { query: string }) => commands.listModels(await client(), options.query)));

const versions = program.command("versions").description("a model's versions");
versions
  .command("register <model> <file>")
  .description("upload an ONNX file as the model's next version")
  .option("--metric <name=value>", "a training metric (repeatable)", pair(metricValue))
  .option(
    "--tag <name=value>",
    "a tag (repeatable)",
    pair((value) => value),
  )
  .option("--git-commit <sha>", "the commit the model was trained from")
  .option("--data-ref <ref>", "where the training data is")
  .option("--description <text>", "what changed")
  .option("--feature-set <name@version>", "the feature set version the model was trained on", featureSetRef)
  .action(
    run(
      async (
        model: string,
        file: string,
        options: {
          metric?: Record<string, number>;
          tag?: Record<string, string>;
          gitCommit?: string;
          dataRef?: string;
          description?: string;
          featureSet?: { name: string; version: number };
        },
      ) =>
        commands.registerVersion(await client(), model, file, {
          metrics: options.metric ?? {},
          tags: options.tag ?? {},
          gitCommit: options.gitCommit,
          dataRef: options.dataRef,
          description: options.description,
          featureSet: options.featureSet,
        }),
    ),
  );
versions
  .command("show <model> <version>")
  .action(
    run(async (model: string, version: string) =>
      commands.showVersion(await client(), model, positiveInt("version")(version)),
    ),
  );

program
  .command("evaluate <model> <version>")
  .description("run a version on a golden set and wait for its metrics (exit 7 if the run fails)")
  .requiredOption("--golden-set <name>", "the golden set to run")
  .option("--no-wait", "return once the evaluation is queued")
  .option("--timeout <seconds>", "how long to wait for the metrics", positiveInt("timeout"), 600)
  .action(
    run(
      async (
        model: string,
        version: string,
        options: { goldenSet: string; wait: boolean; timeout: number },
      ) =>
        commands.evaluate(
          await client(),
          {
            modelName: model,
            versionNumber: positiveInt("version")(version),
            goldenSetName: options.goldenSet,
          },
          { wait: options.wait, timeoutMs: options.timeout * 1000 },
        ),
    ),
  );

program
  .command("promote <deployment> <version>")
  .description("send all traffic to a version (the evaluation gate applies, exit 4 if it refuses)")
  .option("--override-reason <text>", "promote past a failing gate, recording why")
  .action(
    run(async (deployment: string, version: string, options: { overrideReason?: string }) =>
      commands.changeTraffic(await client(), deployment, {
        kind: "promote",
        versionNumber: positiveInt("version")(version),
        ...(options.overrideReason ? { override: { reason: options.overrideReason } } : {}),
      }),
    ),
  );
program
  .command("canary <deployment> <version>")
  .description("send a share of traffic to a version")
  .requiredOption("--weight <percent>", "share of traffic, 1 to 99", positiveInt("weight"))
  .action(
    run(async (deployment: string, version: string, options: { weight: number }) =>
      commands.changeTraffic(await client(), deployment, {
        kind: "canary",
        versionNumber: positiveInt("version")(version),
        weightPercent: options.weight,
      }),
    ),
  );
program
  .command("rollback <deployment>")
  .description("go back to the revision before the active one")
  .action(
    run(async (deployment: string) =>
      commands.changeTraffic(await client(), deployment, { kind: "rollback" }),
    ),
  );
program
  .command("restore <deployment> <revision>")
  .description("serve an earlier revision's versions and weights again, as a new revision")
  .action(
    run(async (deployment: string, revision: string) =>
      commands.changeTraffic(await client(), deployment, {
        kind: "restore",
        revisionNumber: positiveInt("revision")(revision),
      }),
    ),
  );
program
  .command("status <deployment>")
  .description("what a deployment serves now")
  .action(run(async (deployment: string) => commands.deploymentStatus(await client(), deployment)));

const jobs = program.command("jobs").description("batch scoring jobs");
jobs
  .command("list")
  .option("--status <status>", "queued, running, succeeded, failed or cancelled")
  .option("--model <name>", "jobs of this model")
  .option("--limit <count>", "at most this many", positiveInt("limit"), 50)
  .action(
    run(async (options: { status?: string; model?: string; limit: number }) =>
      commands.listJobs(await client(), {
        status: options.status as never,
        modelName: options.model,
        limit: options.limit,
      }),
    ),
  );
jobs.command("show <id>").action(run(async (id: string) => commands.showJob(await client(), id)));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; a usage mistake has already been printed by commander.
    process.exitCode = error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  } else {
    const { exitClass, message } = classify(error);
    if (flags().json) console.log(JSON.stringify({ error: { class: exitClass, message } }));
    console.error(`mlops: ${message}`);
    process.exitCode = EXIT_CODES[exitClass];
  }
}
