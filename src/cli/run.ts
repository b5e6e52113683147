/**
 * `tsflyte run FILE NAME [--input value ...]`: runs a task, workflow or launch plan locally, in this process, and
 * prints its outputs as JSON (the twin of `pyflyte run` without `--remote`). With `--help` it describes the run
 * command, the entities a file exports, or one entity's inputs and outputs.
 */
import { resolve } from "node:path";
import type { Entity } from "../core/entity.js";
import type { AnyType } from "../types/type.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { toJsonValue } from "./json.js";
import { findEntity, type LoadedModule, loadEntities } from "./load.js";
import type { RemoteTargetOptions } from "./remote.js";
import { parseKeyValues } from "./serialize.js";

// parse-inputs.js loads the IDL type bindings; it is imported on first use so that `tsflyte --help` starts fast.
type InputParsing = typeof import("./parse-inputs.js");

const RUN_USAGE =
  "Usage: tsflyte run [--json | --quiet] [--verbose] [--remote [remote options]] FILE NAME [--<input> <value> ...]";

const OPTIONS_HELP = `Options:
  --json         print one JSON document on stdout: the outputs, the run and each node's status (for scripts);
                 with --remote, only the outputs (or the execution, without --wait)
  -q, --quiet    print only the outputs (and errors): no progress, no summary
  -v, --verbose  print stack traces on errors

Progress of local runs goes to stderr: a live display on a terminal, a line per node change otherwise, then a
summary of the nodes (status, duration, cache hits, decks). Each run is recorded in the run store
($FLYTEKIT_TS_HOME/runs, default ~/.flytekit-ts/runs; FLYTEKIT_TS_RUNS_KEEP runs kept, default 200, 0 for none);
'tsflyte ui' shows them.
  -h, --help     show help: with FILE, the entities it exports; with NAME, that entity's inputs and outputs

Remote options (before FILE; --wait also after NAME):
  --remote                 register (fast registration) and run on the Flyte cluster of the Flyte config;
                           an eager task (or its getAsWorkflow()) registers with every entity FILE exports
  --local-eager            with --remote, for an eager task: run its body here and each call it awaits on the
                           cluster, as an execution of its own (Ctrl-C terminates them); prints the outputs and
                           writes the "Eager Executions" deck (--deck FILE, default under the temp directory)
  --wait                   follow the nodes until the execution ends, then print its outputs
  --config FILE, --project NAME, --domain NAME
                           the Flyte config (default $FLYTECTL_CONFIG or ~/.flyte/config.yaml), project
                           (default flytesnacks) and domain (default development)
  --version VERSION        the registration version (default: a digest of the code)
  --name NAME              the execution's name; an existing execution of that name is attached to (with
                           --local-eager, the run's name: the children of a run of that name are attached to)
  --image URI              the default image of the tasks
  --label KEY=VALUE, --annotation KEY=VALUE, --env KEY=VALUE   (repeatable; also --labels, --annotations,
                           --envvars)
                           the execution's pod labels and annotations, and environment variables of its tasks
  --service-account NAME   the Kubernetes service account the execution's pods run as
  --max-parallelism N      at most N nodes of the execution run at once (0: no limit; default the project's)
  --interruptible true|false
                           run every task of the execution as interruptible, or not (default: as registered)
  --overwrite-cache        run cached tasks again and overwrite their cache entries

Options of local and remote runs (before FILE):
  --raw-output-data-prefix URI
                           where tasks write raw outputs (files, directories, dataframes; also --raw-data-prefix):
                           locally a directory or an s3://, gs://, abfs(s)://, wasb(s):// prefix (default: the
                           run's scratch directory); with --remote an object-store prefix the pods can write to
                           (default: the launch plan's, else the cluster's)`;

const RUN_HELP = `${RUN_USAGE}

Runs a task, workflow or launch plan that FILE exports, locally in this process, and prints its outputs as JSON.

Arguments:
  FILE  a .ts or .js file exporting tasks, workflows or launch plans (TypeScript is loaded with tsx)
  NAME  the entity's export name, or its full Flyte name (e.g. examples.hello.wf)

Inputs, after NAME, as --<input> <value> or --<input>=<value> (also --my-input for my_input):
  int, float        numbers
  str               text as given
  bool              true/false; a bare --flag is true, --no-flag false
  datetime          ISO-8601 (UTC when no zone is given), now, today
  duration          ISO-8601 (PT1H30M), Go-style (1h30m) or milliseconds
  enum              one of its members
  file, dir         a local path (must exist) or a remote URI
  list, map, struct, dict, schema, any
                    JSON, e.g. --xs '[1,2,3]' (any: text when not JSON)
  optional, union   the first variant that reads the value (text last)

${OPTIONS_HELP}
An option after NAME yields to an input of the same name; give it before FILE then.
`;

/** Remote options that take a value, before FILE. */
/** pyflyte's other spellings of the repeatable remote options. */
const LIST_ALIASES: Readonly<Record<string, string>> = { labels: "label", annotations: "annotation", envvars: "env" };

/** `--max-parallelism`: a whole number from 0 (no limit) up. */
function parseMaxParallelism(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1)
    throw new UsageError(
      `--max-parallelism ${JSON.stringify(value)}: expected a whole number of nodes, 0 for no limit`,
      "Run 'tsflyte run --help' for usage.",
    );
  return n;
}

/** A `true`/`false` option value. */
function parseBoolean(option: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(
    `${option} ${JSON.stringify(value)}: expected true or false`,
    "Run 'tsflyte run --help' for usage.",
  );
}

const REMOTE_VALUE_FLAGS = new Set([
  "config",
  "project",
  "domain",
  "version",
  "name",
  "image",
  "deck",
  "service-account",
  "max-parallelism",
  "interruptible",
]);

const KIND_LABELS: Record<Entity["kind"], string> = {
  task: "task",
  workflow: "workflow",
  "launch-plan": "launch plan",
};
const KIND_TITLES: Record<Entity["kind"], string> = {
  task: "Tasks",
  workflow: "Workflows",
  "launch-plan": "Launch plans",
};

/** The `run` command. */
export const runCommand: Command = {
  summary: "Run a task, workflow or launch plan locally and print its outputs as JSON",
  run,
};

async function run(args: readonly string[], ctx: CommandContext): Promise<number> {
  let json = false;
  let quiet = false;
  let help = false;
  let file: string | undefined;
  let name: string | undefined;
  let rest: readonly string[] = [];
  let remote = false;
  let wait = false;
  let overwriteCache = false;
  let localEager = false;
  let rawPrefix: string | undefined;
  const remoteValues: Record<string, string> = {};
  const remoteLists: Record<string, string[]> = { label: [], annotation: [], env: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const key = LIST_ALIASES[flag?.[1] ?? ""] ?? flag?.[1] ?? "";
    if (file === undefined && flag && (REMOTE_VALUE_FLAGS.has(key) || Object.hasOwn(remoteLists, key))) {
      const value = flag[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`, "Run 'tsflyte run --help' for usage.");
      if (Object.hasOwn(remoteLists, key)) remoteLists[key]!.push(value);
      else remoteValues[key] = value;
    } else if (file === undefined && flag && (key === "raw-output-data-prefix" || key === "raw-data-prefix")) {
      const value = flag[2] ?? args[++i];
      if (value === undefined || value === "") {
        throw new UsageError(`${arg} needs a value`, "Run 'tsflyte run --help' for usage.");
      }
      rawPrefix = value;
    } else if (arg === "--remote" && file === undefined) remote = true;
    else if ((arg === "--wait" || arg === "--wait-execution") && file === undefined) wait = true;
    else if (arg === "--overwrite-cache" && file === undefined) overwriteCache = true;
    else if (arg === "--local-eager" && file === undefined) localEager = true;
    else if (arg === "--json") json = true;
    else if (arg === "--quiet" || arg === "-q") quiet = true;
    else if (arg === "--verbose" || arg === "-v") ctx.verbose = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(
        `unknown option ${arg}${file === undefined ? "" : "; inputs go after NAME"}`,
        "Run 'tsflyte run --help' for usage.",
      );
    } else if (file === undefined) file = arg;
    else {
      name = arg;
      rest = args.slice(i + 1);
      break;
    }
  }
  if (file === undefined) {
    if (help) {
      ctx.out(RUN_HELP);
      return 0;
    }
    throw new UsageError("missing FILE and NAME", `${RUN_USAGE}\nRun 'tsflyte run --help' for more.`);
  }
  // Seen before the file loads, so that an error while loading it shows its stack; inputs are parsed later.
  if (rest.includes("--verbose") || rest.includes("-v")) ctx.verbose = true;
  const [loaded, parsing] = await Promise.all([loadEntities(file, ctx.cwd), import("./parse-inputs.js")]);
  if (name === undefined) {
    if (help) {
      ctx.out(fileHelp(loaded, file));
      return 0;
    }
    const names = [...loaded.entities.keys()];
    throw new UsageError(
      `missing NAME: which entity of ${file} to run (${names.length ? names.join(", ") : "it exports none"})`,
      `Run 'tsflyte run ${file} --help' to list them with their inputs.`,
    );
  }
  const entity = findEntity(loaded, name, file);
  const inputs = entity.interface.inputs;
  const hasInput = (n: string) => inputs.some(([k]) => k === n);
  if (help || rest.some((a) => a === "-h" || (a === "--help" && !hasInput("help")))) {
    ctx.out(entityHelp(entity, file, name, parsing));
    return 0;
  }
  const remoteUsed =
    wait ||
    overwriteCache ||
    localEager ||
    Object.keys(remoteValues).length > 0 ||
    Object.values(remoteLists).some((l) => l.length > 0);
  if (remoteUsed && !remote) {
    throw new UsageError(
      "--wait, --local-eager, --project, --name and the other remote options need --remote",
      "Run 'tsflyte run --help' for usage.",
    );
  }
  const parsed = parsing.parseInputs(rest, inputs, {
    reserved: ["json", "quiet", "verbose", "help", "-h", "-v", "-q", ...(remote ? ["wait"] : [])],
    cwd: ctx.cwd,
    owner: `${KIND_LABELS[entity.kind]} ${entity.name}`,
    hint: `Run 'tsflyte run ${file} ${name} --help' to see its inputs.`,
  });
  for (const o of parsed.options) {
    if (o === "--json") json = true;
    else if (o === "--quiet" || o === "-q") quiet = true;
    else if (o === "--verbose" || o === "-v") ctx.verbose = true;
    else if (o === "--wait") wait = true;
  }
  const target: RemoteTargetOptions = {
    config: remoteValues.config,
    project: remoteValues.project,
    domain: remoteValues.domain,
    version: remoteValues.version,
    name: remoteValues.name,
    image: remoteValues.image,
  };
  if (remote && localEager) {
    const unsupported = [
      ...(overwriteCache ? ["--overwrite-cache"] : []),
      ...(rawPrefix !== undefined ? ["--raw-output-data-prefix"] : []),
      ...(["service-account", "max-parallelism", "interruptible"] as const)
        .filter((k) => remoteValues[k] !== undefined)
        .map((k) => `--${k}`),
      ...(["label", "annotation", "env"] as const).filter((k) => remoteLists[k]!.length > 0).map((k) => `--${k}`),
    ];
    if (unsupported.length > 0)
      throw new UsageError(
        `${unsupported.join(", ")} cannot be used with --local-eager (the children are launched with the eager labels only)`,
      );
    const { runLocalEager } = await import("./remote.js");
    return runLocalEager(
      entity,
      parsed.values,
      {
        ...target,
        deck: remoteValues.deck,
        json,
        companions: [...loaded.entities.values()],
      },
      ctx,
    );
  }
  if (remoteValues.deck !== undefined)
    throw new UsageError("--deck goes with --local-eager", "Run 'tsflyte run --help' for usage.");
  if (remote) {
    const { runRemote } = await import("./remote.js");
    return runRemote(
      entity,
      parsed.values,
      {
        ...target,
        wait,
        json,
        quiet,
        file,
        labels: parseKeyValues(remoteLists.label, "--label"),
        annotations: parseKeyValues(remoteLists.annotation, "--annotation"),
        envs: parseKeyValues(remoteLists.env, "--env"),
        overwriteCache,
        ...(rawPrefix === undefined ? {} : { rawOutputDataPrefix: rawPrefix }),
        ...(remoteValues["service-account"] === undefined ? {} : { serviceAccount: remoteValues["service-account"] }),
        ...(remoteValues["max-parallelism"] === undefined
          ? {}
          : { maxParallelism: parseMaxParallelism(remoteValues["max-parallelism"]) }),
        ...(remoteValues.interruptible === undefined
          ? {}
          : { interruptible: parseBoolean("--interruptible", remoteValues.interruptible) }),
        companions: [...loaded.entities.values()],
      },
      ctx,
    );
  }
  const { runLocal } = await import("./run-local.js");
  const around =
    rawPrefix === undefined ? undefined : <T>(call: () => Promise<T>) => withRawOutputPrefix(rawPrefix, ctx.cwd, call);
  return runLocal(
    entity,
    parsed.values,
    { file, json, quiet, kindLabel: KIND_LABELS[entity.kind], ...(around ? { around } : {}) },
    ctx,
  );
}

/**
 * Runs `fn` in the local run's context with its raw output prefix replaced: a directory (relative to `cwd`), or a
 * URI whose storage backend is checked first, so an unsupported scheme fails before anything runs.
 */
async function withRawOutputPrefix<T>(prefix: string, cwd: string, fn: () => Promise<T>): Promise<T> {
  const { parseUri } = await import("../storage/types.js");
  const { storageFor } = await import("../storage/registry.js");
  const parsed = parseUri(prefix);
  let rawOutputPrefix = prefix;
  if (parsed.isLocalPath || parsed.scheme === "file") {
    rawOutputPrefix = resolve(cwd, parsed.isLocalPath ? prefix : parsed.path);
  } else {
    try {
      await storageFor(prefix);
    } catch (err) {
      throw new UsageError(
        `--raw-output-data-prefix ${JSON.stringify(prefix)}: ${err instanceof Error ? err.message : String(err)}`,
        "Use a directory, or an s3://, gs://, abfs://, abfss://, wasb:// or wasbs:// prefix.",
      );
    }
  }
  const { defaultContext, runInContext } = await import("../core/context.js");
  const base = defaultContext();
  return runInContext({ ...base, params: { ...base.params, rawOutputPrefix } }, fn);
}

/** The entities a file exports, by kind, each with its inputs as flags. */
function fileHelp(loaded: LoadedModule, file: string): string {
  const lines = [`Usage: tsflyte run [--json] [--verbose] ${file} NAME [--<input> <value> ...]`, ""];
  if (loaded.entities.size === 0) {
    lines.push(`${file} exports no tasks, workflows or launch plans.`);
    return `${lines.join("\n")}\n`;
  }
  const width = Math.max(...[...loaded.entities.keys()].map((k) => k.length));
  for (const kind of ["task", "workflow", "launch-plan"] as const) {
    const of = [...loaded.entities].filter(([, e]) => e.kind === kind);
    if (of.length === 0) continue;
    lines.push(`${KIND_TITLES[kind]}:`);
    for (const [key, e] of of) {
      const flags = e.interface.inputs.map(([k, t]) => (isRequired(t) ? `--${k} <${t.name}>` : `[--${k} <${t.name}>]`));
      lines.push(`  ${key.padEnd(width)}  ${flags.join(" ") || "(no inputs)"}`.trimEnd());
    }
  }
  lines.push("", `Run 'tsflyte run ${file} NAME --help' for an entity's inputs and outputs.`);
  return `${lines.join("\n")}\n`;
}

/** One entity's inputs (types, defaults, descriptions) and outputs. */
function entityHelp(entity: Entity, file: string, name: string, { inputFormat }: InputParsing): string {
  const lines = [`Usage: tsflyte run [--json] [--verbose] ${file} ${name} [--<input> <value> ...]`, ""];
  const title = KIND_LABELS[entity.kind];
  lines.push(`${title[0]!.toUpperCase()}${title.slice(1)} ${entity.name}`);
  const docs = docsOf(entity);
  if (docs) lines.push(...docs.split("\n").map((l) => `  ${l}`.trimEnd()));
  const lp = entity as { workflow?: { name?: string }; fixedInputs?: Record<string, unknown> };
  if (entity.kind === "launch-plan" && lp.workflow?.name) lines.push(`  launches workflow ${lp.workflow.name}`);
  const fixed = Object.keys(lp.fixedInputs ?? {});
  if (fixed.length) lines.push(`  fixed inputs (not settable): ${fixed.join(", ")}`);
  lines.push("");
  const inputs = entity.interface.inputs;
  if (inputs.length === 0) lines.push("Inputs: none");
  else {
    lines.push("Inputs:");
    const rows = inputs.map(([k, t]) => {
      const notes = [
        isRequired(t) ? "required" : t.hasDefault ? `default: ${compactJson(t.defaultValue)}` : "optional",
      ];
      const format = inputFormat(t);
      if (format) notes.push(format);
      return [`--${k}`, t.name, `(${notes.join("; ")})`, t.description ?? ""];
    });
    lines.push(...table(rows));
  }
  const outputs = entity.interface.outputs;
  if (outputs.length === 0) lines.push("Outputs: none");
  else {
    lines.push("Outputs:");
    lines.push(...table(outputs.map(([k, t]) => [k, t.name, t.description ?? ""])));
  }
  lines.push("", OPTIONS_HELP);
  return `${lines.join("\n")}\n`;
}

function isRequired(t: AnyType): boolean {
  return !t.hasDefault && !t.acceptsNone;
}

/** The entity's documentation: a task's `docs` (short and long) or a workflow's. */
function docsOf(entity: Entity): string {
  const docs = (entity as { options?: { docs?: string | { short?: string; long?: string } } }).options?.docs;
  if (typeof docs === "string") return docs.trim();
  if (docs && typeof docs === "object") return [docs.short, docs.long].filter(Boolean).join("\n\n").trim();
  return "";
}

function compactJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

/** Rows as left-aligned columns, indented by two spaces; empty trailing cells are dropped. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}`.trimEnd(),
  );
}
