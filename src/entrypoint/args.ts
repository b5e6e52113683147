/**
 * Command-line parsing for the container entrypoints, exactly in the form serialization writes (flytekit's
 * `pyflyte-execute` flags): `--flag value` or `--flag=value`, then `--`, then the resolver's loader args.
 */
import { DEFAULT_RESOLVER_LOCATION } from "../core/resolver.js";

/** A malformed command line. The entrypoints print it with their usage and exit with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The arguments of `tsflyte-execute`. */
export interface ExecuteArgs {
  /** URI of `inputs.pb` (`{{.input}}`). */
  readonly inputs: string;
  /** Where `outputs.pb`, `error.pb` and `deck.html` go (`{{.outputPrefix}}`). */
  readonly outputPrefix: string;
  /** Where raw data (files, untyped values) goes (`{{.rawOutputDataPrefix}}`); `<outputPrefix>/raw` when absent. */
  readonly rawOutputDataPrefix: string;
  /** Where this attempt's checkpoint is written (`{{.checkpointOutputPrefix}}`), if anywhere. */
  readonly checkpointPath: string | undefined;
  /** The previous attempt's checkpoint (`{{.prevCheckpointPrefix}}`): absent on a first attempt. */
  readonly prevCheckpoint: string | undefined;
  /** The fast-registration bundle, inserted by `tsflyte-fast-execute` for dynamic tasks. */
  readonly dynamicAddlDistro: string | undefined;
  /** Where the fast-registration bundle was unpacked. */
  readonly dynamicDestDir: string | undefined;
  /** The resolver location (`--resolver`). */
  readonly resolver: string;
  /** The resolver's loader args (everything after `--`). */
  readonly loaderArgs: readonly string[];
  /** `--test`: only load the task, then exit. */
  readonly test: boolean;
}

/** The arguments of `tsflyte-map-execute`: those of `tsflyte-execute` plus the inputs that are not mapped over. */
export interface MapExecuteArgs extends ExecuteArgs {
  /** Inputs passed whole to every element (`--bound-inputs a,b`), not lists to index. */
  readonly boundInputs: readonly string[];
}

/** The arguments of `tsflyte-fast-execute`. */
export interface FastExecuteArgs {
  /** URI of the code bundle (a `.tar.gz`). */
  readonly additionalDistribution: string;
  /** Where to unpack it; the working directory when absent. */
  readonly destDir: string | undefined;
  /** The inner command (everything after `--`). */
  readonly command: readonly string[];
}

type FlagKind = "string" | "boolean";

/** Splits `argv` into flag values and the args after `--`. Unknown or repeated flags are usage errors. */
function parseFlags(
  argv: readonly string[],
  flags: Readonly<Record<string, FlagKind>>,
): { values: Map<string, string | true>; rest: string[] } {
  const values = new Map<string, string | true>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} before "--"`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = flags[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (values.has(name)) throw new UsageError(`option --${name} given twice`);
    if (kind === "boolean") {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      values.set(name, true);
      continue;
    }
    if (eq >= 0) values.set(name, arg.slice(eq + 1));
    else {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option --${name} needs a value`);
      values.set(name, v);
    }
  }
  return { values, rest: argv.slice(i) as string[] };
}

/**
 * A value that means "nothing": empty, `""`/`''` (how an empty `{{.prevCheckpointPrefix}}` arrives through some
 * shells and templates), or a template variable that was never rendered (flytekit's `normalize_inputs`).
 */
function orNone(v: string | true | undefined): string | undefined {
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (s === "" || s === '""' || s === "''" || /^\{\{\s*[.$][A-Za-z]\w*\s*\}\}$/.test(s)) return undefined;
  return v;
}

function required(values: Map<string, string | true>, name: string): string {
  const v = values.get(name);
  if (typeof v !== "string" || v === "") throw new UsageError(`option --${name} is required`);
  return v;
}

const EXECUTE_FLAGS: Record<string, FlagKind> = {
  inputs: "string",
  "output-prefix": "string",
  "raw-output-data-prefix": "string",
  "checkpoint-path": "string",
  "prev-checkpoint": "string",
  "dynamic-addl-distro": "string",
  "dynamic-dest-dir": "string",
  resolver: "string",
  test: "boolean",
};

function toExecuteArgs(values: Map<string, string | true>, rest: string[]): ExecuteArgs {
  const outputPrefix = required(values, "output-prefix");
  if (rest.length === 0) throw new UsageError('the resolver\'s loader args are missing after "--"');
  return {
    inputs: required(values, "inputs"),
    outputPrefix,
    rawOutputDataPrefix: orNone(values.get("raw-output-data-prefix")) ?? `${outputPrefix.replace(/\/+$/, "")}/raw`,
    checkpointPath: orNone(values.get("checkpoint-path")),
    prevCheckpoint: orNone(values.get("prev-checkpoint")),
    dynamicAddlDistro: orNone(values.get("dynamic-addl-distro")),
    dynamicDestDir: orNone(values.get("dynamic-dest-dir")),
    resolver: orNone(values.get("resolver")) ?? DEFAULT_RESOLVER_LOCATION,
    loaderArgs: rest,
    test: values.get("test") === true,
  };
}

/**
 * Parses `tsflyte-execute`'s arguments.
 *
 * @example
 * parseExecuteArgs(["--inputs", "s3://b/in.pb", "--output-prefix", "s3://b/out", "--", "task-module", "m", "task-name", "t"]);
 */
export function parseExecuteArgs(argv: readonly string[]): ExecuteArgs {
  const { values, rest } = parseFlags(argv, EXECUTE_FLAGS);
  return toExecuteArgs(values, rest);
}

/**
 * Parses `tsflyte-map-execute`'s arguments: those of `tsflyte-execute` plus `--bound-inputs a,b`. flytekit's form of
 * the loader args, `vars <bound csv> resolver <inner resolver> <inner loader args...>`, is accepted too.
 *
 * @example
 * parseMapExecuteArgs([...executeArgs, "--bound-inputs", "b", "--", "task-module", "m", "task-name", "t"]);
 */
export function parseMapExecuteArgs(argv: readonly string[]): MapExecuteArgs {
  const { values, rest } = parseFlags(argv, { ...EXECUTE_FLAGS, "bound-inputs": "string" });
  const base = toExecuteArgs(values, rest);
  const bound = new Set(splitCsv(orNone(values.get("bound-inputs"))));
  let { resolver, loaderArgs } = base;
  if (loaderArgs[0] === "vars" && loaderArgs[2] === "resolver" && loaderArgs.length >= 4) {
    for (const b of splitCsv(loaderArgs[1])) bound.add(b);
    resolver = loaderArgs[3]!;
    loaderArgs = loaderArgs.slice(4);
    if (loaderArgs.length === 0) throw new UsageError("the inner resolver's loader args are missing");
  }
  return { ...base, resolver, loaderArgs, boundInputs: [...bound] };
}

function splitCsv(s: string | undefined): string[] {
  return (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "" && x !== '""');
}

/**
 * Parses `tsflyte-fast-execute`'s arguments.
 *
 * @example
 * parseFastExecuteArgs(["--additional-distribution", "s3://b/fast.tar.gz", "--dest-dir", "/root", "--", "tsflyte-execute", "..."]);
 */
export function parseFastExecuteArgs(argv: readonly string[]): FastExecuteArgs {
  const { values, rest } = parseFlags(argv, { "additional-distribution": "string", "dest-dir": "string" });
  if (rest.length === 0) throw new UsageError('the command to run is missing after "--"');
  return {
    additionalDistribution: required(values, "additional-distribution"),
    destDir: orNone(values.get("dest-dir")),
    command: rest,
  };
}
