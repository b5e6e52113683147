/**
 * What every `tsflyte` subcommand shares: the `Command` shape `main` dispatches to, the context it runs in, and the
 * usage error that `main` prints without a stack trace.
 */

/** Where a command writes and resolves paths, and whether errors print stack traces. */
export interface CommandContext {
  /** Writes text to standard output (no newline is added). */
  out(text: string): void;
  /** Writes text to standard error (no newline is added). */
  err(text: string): void;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  /** Whether errors print stack traces; a command sets it when it sees its own `--verbose`. */
  verbose: boolean;
  /**
   * Asks a yes/no question and resolves to the answer; absent when there is no one to ask (standard input is not a
   * terminal), so commands that would ask require an explicit flag instead.
   */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Set when standard error is a terminal that takes ANSI escapes: live progress is drawn there. */
  readonly terminal?: Terminal;
}

/** A terminal on standard error. */
export interface Terminal {
  /** Its width in columns, now. */
  columns(): number;
  /** Whether to colour text (off with `NO_COLOR`). */
  readonly color: boolean;
}

/**
 * A `tsflyte` subcommand. Register one by adding it to the `commands` table in `main.ts`.
 *
 * @example
 * const hello: Command = { summary: "Say hello", run: async (_args, ctx) => (ctx.out("hello\n"), 0) };
 */
export interface Command {
  /** One line shown in `tsflyte --help`. */
  readonly summary: string;
  /** Runs the command on the arguments after its name and resolves to the exit code; throws to fail. */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/**
 * A mistake in the command line (an unknown flag, a bad or missing value). `main` prints its message, and its hint
 * when there is one, without a stack trace.
 *
 * @example
 * throw new UsageError("missing FILE", "Usage: tsflyte run FILE NAME [--input value ...]");
 */
export class UsageError extends Error {
  /** A line telling the user what to do instead, e.g. where to find help. */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
    this.hint = hint;
  }
}
