/**
 * `tsflyte ui [--port N] [--open] [--dir DIR]`: serves the runs recorded in the run store as a web page on
 * 127.0.0.1 until interrupted.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { startUiServer } from "../ui/server.js";
import { defaultRunsDir, RunStore } from "../ui/store.js";
import { type Command, type CommandContext, UsageError } from "./command.js";

const UI_HELP = `Usage: tsflyte ui [--port N] [--open] [--dir DIR]

Serves a web page of the runs 'tsflyte run' recorded (local runs, and remote runs launched from the command line),
on 127.0.0.1 only: the runs newest first (filter by status or name), and for each its graph with node status and
durations, inputs and outputs, logs, errors and decks. Stops on Ctrl-C.

Options:
  --port N     the port (default 8700; 0 picks a free one)
  --open       open the page in the default browser
  --dir DIR    the runs directory (default $FLYTEKIT_TS_HOME/runs, else ~/.flytekit-ts/runs)
  -h, --help   show this help
`;

/** The `ui` command. */
export const uiCommand: Command = {
  summary: "Serve a web page of recorded runs (graph, inputs, outputs, logs, decks) on 127.0.0.1",
  run,
};

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 8700;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n > 65535) {
    throw new UsageError(
      `--port must be a port number (0 to 65535), got ${JSON.stringify(raw)}`,
      "Run 'tsflyte ui --help' for usage.",
    );
  }
  return n;
}

/** Opens a URL with the platform's opener; the URL is one argument, never parsed by a shell. */
function openBrowser(url: string, ctx: CommandContext): void {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", (e) => ctx.err(`could not open a browser (${cmd}): ${e.message}; open ${url}\n`));
    child.unref();
  } catch (e) {
    ctx.err(`could not open a browser (${cmd}): ${String(e)}; open ${url}\n`);
  }
}

async function run(args: readonly string[], ctx: CommandContext): Promise<number> {
  let values: { port?: string; open?: boolean; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: "string" },
        open: { type: "boolean" },
        dir: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, "Run 'tsflyte ui --help' for usage.");
  }
  if (values.help) {
    ctx.out(UI_HELP);
    return 0;
  }
  const port = parsePort(values.port);
  const dir = values.dir ? (await import("node:path")).resolve(ctx.cwd, values.dir) : defaultRunsDir();
  const server = await startUiServer(new RunStore(dir), port);
  ctx.err(`Serving the runs in ${dir}\n`);
  ctx.out(`${server.url}\n`);
  if (values.open) openBrowser(server.url, ctx);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      void server.close().then(resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}
