/**
 * `tsflyte package`: load user files, collect their exported entities and write a registration package, the archive
 * `flytectl register files --archive` takes (the layout `pyflyte package` writes), optionally with a code bundle for
 * fast registration.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../core/naming.js";
import { codeBundle, writePackage } from "../serialize/package.js";
import { fastSettings } from "../serialize/settings.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { COMMON_OPTIONS, collect, parseOrUsage, settingsFrom, sourceFiles } from "./serialize.js";

const PACKAGE_HELP = `Usage: tsflyte package [options] PATH...

Writes a registration package (for flytectl register files --archive) of every task, workflow and launch plan
exported by the .ts/.js files under PATH (node_modules, dist, test directories and *.test.* files are skipped).

Options:
  -i, --image [NAME=]URI   the default image, or a named one for {{.image.NAME.fqn}} templates (repeatable;
                           default: $FLYTEKIT_TS_DEFAULT_IMAGE, else the SDK's image)
  -o, --output FILE        the archive to write (default flyte-package.tgz; an existing file is replaced)
      --copy none|all      all: fast registration, with a code bundle of the project in the archive (default none)
      --fast               the same as --copy all
      --env KEY=VALUE      add to every task's container env (repeatable; a task's own env wins)
      --project, --domain, --version   ids (default empty: registration fills them)
  -f, --force              accepted for pyflyte compatibility (the output is always replaced)
`;

/** `tsflyte package [options] PATH...`. */
export const packageCommand: Command = {
  summary: "Write a registration package (flytectl register files --archive) of the entities in PATHs",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseOrUsage("package", () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          ...COMMON_OPTIONS,
          copy: { type: "string" },
          fast: { type: "boolean" },
          force: { type: "boolean", short: "f" },
        },
      }),
    );
    if (values.help) {
      ctx.out(PACKAGE_HELP);
      return 0;
    }
    if (positionals.length === 0)
      throw new UsageError("no paths to package", "Usage: tsflyte package [options] PATH...");
    if (values.fast && values.copy !== undefined) throw new UsageError("--fast and --copy cannot be combined");
    const copy = values.fast ? "all" : (values.copy ?? "none");
    if (copy !== "none" && copy !== "all")
      throw new UsageError(`--copy must be none or all, got ${JSON.stringify(copy)}`);
    let settings = settingsFrom(values);
    if (copy === "all") settings = { ...settings, fast: fastSettings() };
    const files = sourceFiles(positionals, ctx.cwd);
    const { entities, taskFiles } = await collect(files, settings, ctx.cwd);
    if (entities.length === 0)
      throw new UsageError(`no tasks, workflows or launch plans are exported under ${positionals.join(", ")}`);
    const out = resolve(ctx.cwd, values.output ?? "flyte-package.tgz");
    const extra = [];
    if (copy === "all") {
      const root = projectRoot(files[0]!);
      const bundle = await codeBundle(root, [out], taskFiles);
      extra.push(bundle);
      for (const w of bundle.warnings) {
        ctx.err(
          `warning: ${w.file} is not compiled to JavaScript (the container loads it through tsx): ${w.message}\n`,
        );
      }
      ctx.err(
        `added the code bundle ${bundle.name} (the files under ${root}); run flytectl compile on a package made without --copy\n`,
      );
    }
    const names = writePackage(entities, out, extra);
    ctx.err(`wrote ${entities.length} entities to ${out}\n`);
    ctx.out(names.map((name) => `${name}\n`).join(""));
    return 0;
  },
};
