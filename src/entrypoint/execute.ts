/**
 * `tsflyte-execute`: the container entrypoint of a task (the twin of `pyflyte-execute`).
 *
 * ```
 * tsflyte-execute --inputs <uri> --output-prefix <uri> [--raw-output-data-prefix <uri>]
 *   [--checkpoint-path <uri>] [--prev-checkpoint <uri>] [--dynamic-addl-distro <uri> --dynamic-dest-dir <dir>]
 *   [--test] --resolver <location> -- <loader args...>
 * ```
 *
 * It exits 0 whether the task succeeded or failed: propeller reads the outcome from `outputs.pb` or `error.pb`.
 * With `FLYTE_FAIL_ON_ERROR=true` it exits 1 after writing an error document; it exits 1 too when even the error
 * document cannot be written, and 2 on a malformed command line.
 */
import { SecretsManager } from "../core/context.js";
import { mask } from "../deck/deck.js";
import { type ExecuteArgs, parseExecuteArgs, parseMapExecuteArgs, UsageError } from "./args.js";
import { exitWhenFlushed } from "./exit.js";
import { runContainerTask } from "./run.js";
import { readErrorSettings } from "./settings.js";

const USAGE = `usage: tsflyte-execute --inputs <uri> --output-prefix <uri> [--raw-output-data-prefix <uri>]
  [--checkpoint-path <uri>] [--prev-checkpoint <uri>] [--dynamic-addl-distro <uri> --dynamic-dest-dir <dir>]
  [--test] [--resolver <location>] -- <loader args...>`;

const MAP_USAGE = `usage: tsflyte-map-execute <tsflyte-execute options> [--bound-inputs <a,b>] -- <loader args...>
  The element index is read from the variable named by BATCH_JOB_ARRAY_INDEX_VAR_NAME, plus BATCH_JOB_ARRAY_INDEX_OFFSET.`;

/**
 * Runs the entrypoint with `argv` (without `node` and the script) and resolves to the exit status.
 * SIGTERM aborts `currentContext().signal`; a second SIGTERM exits at once. From then on, unhandled promise
 * rejections are logged rather than fatal.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], kind: "execute" | "map" = "execute"): Promise<number> {
  let args: ExecuteArgs;
  let bound: readonly string[] | undefined;
  try {
    if (kind === "map") {
      const parsed = parseMapExecuteArgs(argv);
      args = parsed;
      bound = parsed.boundInputs;
    } else args = parseExecuteArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${kind === "map" ? MAP_USAGE : USAGE}\n`);
    return 2;
  }
  const abort = new AbortController();
  const onTerm = () => {
    if (abort.signal.aborted) process.exit(143);
    abort.abort(new Error("the task was asked to stop (SIGTERM)"));
  };
  const secrets = new SecretsManager({ local: false });
  // A promise user code forgot must not kill the process halfway through writing the outputs. The handler stays
  // until the process exits: such a rejection may surface after the outputs are written.
  const onRejection = (reason: unknown) => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    process.stderr.write(
      `tsflyte-execute: ignoring an unhandled promise rejection: ${mask(text, secrets.readValues)}\n`,
    );
  };
  process.on("SIGTERM", onTerm);
  process.on("unhandledRejection", onRejection);
  try {
    const result = await runContainerTask({
      args,
      signal: abort.signal,
      secrets,
      ...(bound ? { map: { bound } } : {}),
    });
    return result.status === "failed" && readErrorSettings().failOnError ? 1 : 0;
  } catch (e) {
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(
      `tsflyte-execute: could not write the outputs or the error document: ${mask(text, secrets.readValues)}\n`,
    );
    return 1;
  } finally {
    process.off("SIGTERM", onTerm);
  }
}

/**
 * The `tsflyte-execute` executable: runs {@link main} on the process arguments and exits with its status, without
 * waiting for handles user code may have left open.
 */
export async function cli(kind: "execute" | "map" = "execute"): Promise<never> {
  return exitWhenFlushed(await main(process.argv.slice(2), kind));
}
