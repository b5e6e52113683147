/**
 * `tsflyte cache list|clear`: what the local cache holds (entries, task, cache version, size, created, last used) and
 * removing entries from it, all of them or by task and age. Only the cache's entry files are ever removed.
 */
import { parseArgs } from "node:util";
import { cacheDir, type CacheEntryInfo, LocalCache } from "../core/cache.js";
import { parseDuration } from "../types/duration.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { parseOrUsage } from "./serialize.js";

const CACHE_HELP = `Usage: tsflyte cache list [--task NAME] [--json]
       tsflyte cache clear [--task NAME] [--older-than DURATION] [--yes]

The local cache keeps the outputs of tasks declared with cache: { version } between local runs, in
$FLYTE_LOCAL_CACHE_DIR (default ~/.flyte/local-cache-ts).

Commands:
  list    one line per entry: task, cache version, size, created, last used (oldest use first)
  clear   remove entries (all of them, or those selected); asks first on a terminal

Options:
      --task NAME             only the entries of this task (its Flyte name, e.g. workflows.hello.greet)
      --older-than DURATION   clear: only entries not used for this long (e.g. 7d, 12h, 30m)
  -y, --yes                   clear without asking (needed when standard input is not a terminal)
      --json                  list: a JSON array (key, task, version, size, created, lastUsed, path, damaged)
`;

const USAGE = "Usage: tsflyte cache list|clear [options]";

/** `tsflyte cache list|clear [options]`. */
export const cacheCommand: Command = {
  summary: "List or clear the local cache of task outputs",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      ctx.out(CACHE_HELP);
      return sub === undefined ? 1 : 0;
    }
    if (sub === "list") return list(rest, ctx);
    if (sub === "clear") return clear(rest, ctx);
    throw new UsageError(`unknown cache command ${JSON.stringify(sub)}; the commands are list, clear`, USAGE);
  },
};

function selected(entries: CacheEntryInfo[], task: string | undefined): CacheEntryInfo[] {
  if (task === undefined) return entries;
  if (task === "") throw new UsageError("--task needs a task name", USAGE);
  return entries.filter((e) => e.task === task);
}

async function list(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parseOrUsage("cache", () =>
    parseArgs({
      args: [...args],
      options: { task: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }),
  );
  if (values.help) {
    ctx.out(CACHE_HELP);
    return 0;
  }
  const cache = new LocalCache(cacheDir());
  const entries = selected(cache.list(), values.task);
  if (values.json) {
    const rows = entries.map((e) => ({
      key: e.key ?? null,
      task: e.task ?? null,
      version: e.version ?? null,
      size: e.size,
      created: e.created.toISOString(),
      lastUsed: e.lastUsed.toISOString(),
      path: e.path,
      ...(e.damaged !== undefined && { damaged: e.damaged }),
    }));
    ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (entries.length > 0) ctx.out(table(entries));
  const total = entries.reduce((s, e) => s + e.size, 0);
  const what = values.task === undefined ? "" : ` of task ${values.task}`;
  ctx.err(`${plural(entries.length, "entry", "entries")}${what}, ${formatSize(total)}, in ${cache.dir}\n`);
  return 0;
}

async function clear(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parseOrUsage("cache", () =>
    parseArgs({
      args: [...args],
      options: {
        task: { type: "string" },
        "older-than": { type: "string" },
        yes: { type: "boolean", short: "y" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) {
    ctx.out(CACHE_HELP);
    return 0;
  }
  let olderThan: number | undefined;
  if (values["older-than"] !== undefined) {
    try {
      olderThan = parseDuration(values["older-than"]);
    } catch (e) {
      throw new UsageError(`--older-than: ${(e as Error).message}`, USAGE);
    }
    if (olderThan < 0) throw new UsageError(`--older-than must not be negative, got ${values["older-than"]}`, USAGE);
  }
  const cache = new LocalCache(cacheDir());
  const now = Date.now();
  const all = values.task === undefined && olderThan === undefined;
  const entries = selected(cache.list(), values.task).filter(
    (e) => olderThan === undefined || now - e.lastUsed.getTime() > olderThan,
  );
  const size = formatSize(entries.reduce((s, e) => s + e.size, 0));
  const what = `${plural(entries.length, "entry", "entries")} (${size})`;
  if (entries.length === 0) {
    ctx.err(`nothing to remove from ${cache.dir}\n`);
    return 0;
  }
  if (!values.yes) {
    if (!ctx.confirm) {
      throw new UsageError(
        `not removing ${what} from ${cache.dir} without --yes: standard input is not a terminal to ask on`,
        "Run 'tsflyte cache clear --yes' to remove them.",
      );
    }
    if (!(await ctx.confirm(`Remove ${what} from ${cache.dir}?`))) {
      ctx.err("nothing removed\n");
      return 1;
    }
  }
  const removed = all ? cache.clear() : cache.remove(entries);
  ctx.err(`removed ${plural(removed, "entry", "entries")} (${size}) from ${cache.dir}\n`);
  return 0;
}

function table(entries: readonly CacheEntryInfo[]): string {
  const rows = [
    ["TASK", "VERSION", "SIZE", "CREATED", "LAST USED"],
    ...entries.map((e) => [
      e.task ?? (e.damaged ? `(${e.damaged})` : "(unknown)"),
      e.version ?? "-",
      formatSize(e.size),
      formatTime(e.created),
      formatTime(e.lastUsed),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}\n`).join("");
}

/** `2026-12-07 18:35:44Z`: UTC, to the second. */
function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/**
 * Bytes in the largest binary unit that keeps the number at least 1.
 *
 * @example
 * formatSize(1536); // "1.5 KiB"
 */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
