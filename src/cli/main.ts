/**
 * The `tsflyte` command line: global options (`--help`, `--version`, `--verbose`), dispatch to a subcommand from the
 * `commands` table, and error printing (`Error: <message>` and its causes on stderr, exit code 1; stack traces only
 * with `--verbose`).
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { cacheCommand } from "./cache.js";
import { type Command, type CommandContext, type Terminal, UsageError } from "./command.js";
import { packageCommand } from "./package.js";
import { runCommand } from "./run.js";
import { serializeCommand } from "./serialize.js";

export type { Command, CommandContext, Terminal } from "./command.js";
export { UsageError } from "./command.js";

/**
 * The subcommands, by name. A new command is one more entry.
 *
 * @example
 * commands.run.summary; // "Run a task, workflow or launch plan locally ..."
 */
export const commands: Readonly<Record<string, Command>> = {
  run: runCommand,
  serialize: serializeCommand,
  package: packageCommand,
  init: {
    summary: "Create a new project: a workflow, its test, package.json and tsconfig, ready to run and test",
    run: async (args, ctx) => (await import("./init.js")).initCommand.run(args, ctx),
  },
  cache: cacheCommand,
  // The cluster commands load the gRPC client only when they run, so local commands start fast.
  register: {
    summary: "Register the entities in PATHs on a Flyte cluster (fast registration)",
    run: async (args, ctx) => (await import("./remote.js")).registerCommand.run(args, ctx),
  },
  execution: {
    summary: "Inspect, follow or terminate executions on a Flyte cluster",
    run: async (args, ctx) => (await import("./remote.js")).executionCommand.run(args, ctx),
  },
  ui: {
    summary: "Serve a web page of recorded runs (graph, inputs, outputs, logs, decks) on 127.0.0.1",
    run: async (args, ctx) => (await import("./ui.js")).uiCommand.run(args, ctx),
  },
};

/** Where `main` writes and resolves paths; each defaults to the process's. */
export interface MainOptions {
  /** Writes to standard output. */
  out?: (text: string) => void;
  /** Writes to standard error. */
  err?: (text: string) => void;
  /** The directory relative paths are resolved against. */
  cwd?: string;
  /**
   * Asks a yes/no question (see `CommandContext.confirm`); default: on standard error when standard input is a
   * terminal, else nothing is asked.
   */
  confirm?: (question: string) => Promise<boolean>;
}

/** The package version, from `package.json`. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  return `tsflyte: run Flyte tasks and workflows written in TypeScript.

Usage: tsflyte [--verbose] <command> [arguments]

Commands:
${names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`).join("\n")}

Options:
  -h, --help     show this help
  -V, --version  print the version
  -v, --verbose  print stack traces on errors

Run 'tsflyte <command> --help' for a command's arguments.
`;
}

/**
 * Runs the CLI on `argv` (the arguments after the executable) and resolves to the exit code: 0 on success, 1 after
 * printing an error. Never throws.
 *
 * @example
 * process.exitCode = await main(["run", "examples/hello.ts", "wf", "--name", "world"]);
 */
export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  const confirm = opts.confirm ?? (process.stdin.isTTY ? askOnTerminal : undefined);
  const ctx: CommandContext = {
    out: opts.out ?? ((s) => void process.stdout.write(s)),
    err: opts.err ?? ((s) => void process.stderr.write(s)),
    cwd: opts.cwd ?? process.cwd(),
    verbose: false,
    ...(confirm && { confirm }),
    ...(opts.err === undefined ? terminalOf(process.stderr, process.env) : {}),
  };
  try {
    let i = 0;
    for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
      const arg = argv[i]!;
      if (arg === "--help" || arg === "-h") {
        ctx.out(help());
        return 0;
      }
      if (arg === "--version" || arg === "-V") {
        ctx.out(`${version()}\n`);
        return 0;
      }
      if (arg === "--verbose" || arg === "-v") ctx.verbose = true;
      else throw new UsageError(`unknown option ${arg}`, "Run 'tsflyte --help' for usage.");
    }
    const name = argv[i];
    if (name === undefined) {
      ctx.out(help());
      return 0;
    }
    if (name === "help") {
      const topic = argv[i + 1];
      if (topic === undefined) {
        ctx.out(help());
        return 0;
      }
      return await dispatch(topic, ["--help"], ctx);
    }
    return await dispatch(name, argv.slice(i + 1), ctx);
  } catch (e) {
    ctx.err(describeError(e, ctx.verbose));
    return 1;
  }
}

/** Asks on standard error, reads the answer from standard input (a terminal): yes for "y" or "yes". */
async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(`${question} [y/N] `));
  } finally {
    rl.close();
  }
}

/** The terminal on a stream, when it is one that takes ANSI escapes (not `TERM=dumb`). */
export function terminalOf(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): { terminal?: Terminal } {
  if (!stream.isTTY || env.TERM === "dumb") return {};
  return { terminal: { columns: () => stream.columns || 80, color: !env.NO_COLOR } };
}

function dispatch(name: string, args: readonly string[], ctx: CommandContext): Promise<number> {
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}; the commands are ${Object.keys(commands).join(", ")}`,
      "Run 'tsflyte --help' for usage.",
    );
  }
  return command.run(args, ctx);
}

/**
 * The text printed for a failure: `Error: <message>`, a hint for usage errors, then each cause not already part of
 * the message before it; with `verbose`, stack traces instead of bare messages.
 *
 * @example
 * describeError(new Error("boom", { cause: new Error("disk full") }), false);
 * // "Error: boom\n  Caused by: disk full\n"
 */
export function describeError(error: unknown, verbose: boolean): string {
  const lines = [`Error: ${verbose ? stackOf(error) : messageOf(error)}`];
  if (error instanceof UsageError && error.hint && !verbose) lines.push(error.hint);
  let previous = messageOf(error);
  const seen = new Set<unknown>([error]);
  for (let cause = causeOf(error); cause !== undefined && !seen.has(cause); cause = causeOf(cause)) {
    seen.add(cause);
    const message = messageOf(cause);
    if (verbose) lines.push(`Caused by: ${stackOf(cause)}`);
    else if (!previous.includes(message)) lines.push(`  Caused by: ${message}`);
    previous = message;
  }
  return `${lines.join("\n")}\n`;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

function stackOf(e: unknown): string {
  return e instanceof Error && e.stack ? e.stack : messageOf(e);
}

function causeOf(e: unknown): unknown {
  return e instanceof Error ? e.cause : undefined;
}
