/**
 * `tsflyte-fast-execute`: runs a task from a fast-registration code bundle (the twin of `pyflyte-fast-execute`).
 *
 * ```
 * tsflyte-fast-execute --additional-distribution <uri of a .tar.gz> --dest-dir <dir> -- <inner command...>
 * ```
 *
 * It downloads the bundle, unpacks it into the destination directory (the working directory when absent), tells the
 * inner `tsflyte-execute` where it came from (`--dynamic-addl-distro`/`--dynamic-dest-dir`, for dynamic tasks) and
 * runs the inner command there with `FLYTE_PROJECT_ROOT` set to it. When the inner command is `tsflyte-execute` or
 * `tsflyte-map-execute` it runs in this process rather than a second Node process (no second cold start); any
 * other command runs as a child, with SIGTERM and SIGINT forwarded, and its exit status becomes this one's.
 */
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { storageFor } from "../storage/registry.js";
import { parseFastExecuteArgs, UsageError } from "./args.js";
import { exitWhenFlushed } from "./exit.js";
import { extractTar } from "./tar.js";

const USAGE = "usage: tsflyte-fast-execute --additional-distribution <uri> [--dest-dir <dir>] -- <command...>";

/** The inner commands run in-process, and the kind of entrypoint each is. */
const IN_PROCESS: Readonly<Record<string, "execute" | "map">> = {
  "tsflyte-execute": "execute",
  "tsflyte-map-execute": "map",
};

/**
 * Downloads the bundle at `uri` (a `.tar.gz`) and unpacks it into `destDir`. Returns the paths unpacked.
 *
 * @example
 * await downloadDistribution("s3://bucket/fast/abc.tar.gz", "/root");
 */
export async function downloadDistribution(uri: string, destDir: string): Promise<string[]> {
  if (!/\.(tar\.gz|tgz)$/.test(uri)) {
    throw new Error(`the code bundle ${uri} is not a .tar.gz archive`);
  }
  const compressed = await (await storageFor(uri)).get(uri);
  const archive = await promisify(gunzip)(compressed);
  return extractTar(archive, destDir);
}

/**
 * The inner command with `--dynamic-addl-distro <uri> --dynamic-dest-dir <dir>` inserted right before `--resolver`,
 * as flytekit does, so a dynamic task can hand the same bundle to the tasks it creates.
 */
export function withDistribution(command: readonly string[], distribution: string, destDir: string): string[] {
  const at = command.indexOf("--resolver");
  const end = command.indexOf("--");
  if (at < 0 || (end >= 0 && end < at) || command.includes("--dynamic-addl-distro")) return [...command];
  return [
    ...command.slice(0, at),
    "--dynamic-addl-distro",
    distribution,
    "--dynamic-dest-dir",
    destDir,
    ...command.slice(at),
  ];
}

/** Runs `command` as a child in `cwd`, forwarding SIGTERM and SIGINT; resolves to its exit status. */
function runChild(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onTerm = forward("SIGTERM");
    const onInt = forward("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    const finish = (code: number) => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      done(code);
    };
    child.on("error", (e) => {
      process.stderr.write(`tsflyte-fast-execute: cannot run ${command[0]}: ${e.message}\n`);
      finish(127);
    });
    child.on("exit", (code, signal) => {
      finish(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1));
    });
  });
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs the fast-execute entrypoint with `argv` and resolves to the exit status: the inner command's, 1 when the
 * bundle cannot be fetched or unpacked, 2 on a malformed command line.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseFastExecuteArgs>;
  try {
    args = parseFastExecuteArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  const dest = resolve(args.destDir ?? process.cwd());
  try {
    await mkdir(dest, { recursive: true });
    await downloadDistribution(args.additionalDistribution, dest);
  } catch (e) {
    process.stderr.write(
      `tsflyte-fast-execute: cannot unpack ${args.additionalDistribution} into ${dest}: ${(e as Error).message}\n`,
    );
    return 1;
  }
  const command = withDistribution(args.command, args.additionalDistribution, dest);
  const inProcess = IN_PROCESS[command[0]!];
  if (inProcess) {
    process.chdir(dest);
    process.env.FLYTE_PROJECT_ROOT = dest;
    const { main: execute } = await import("./execute.js");
    return execute(command.slice(1), inProcess);
  }
  return runChild(command, dest, { ...process.env, FLYTE_PROJECT_ROOT: dest });
}

/** The `tsflyte-fast-execute` executable. */
export async function cli(): Promise<never> {
  return exitWhenFlushed(await main(process.argv.slice(2)));
}
