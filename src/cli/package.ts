/**
 * `tsflyte package` and `tsflyte serialize`: load user files, collect their exported entities, and write the
 * registration files (a package archive for `flytectl register files --archive`, or loose `.pb` files).
 */
import { toJson } from "@bufbuild/protobuf";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { codeBundle, entityBytes, entityFileNames, packageArchive } from "../serialize/package.js";
import { type SerializationSettings, serializationSettings } from "../serialize/settings.js";
import { type SerializedEntity, Serializer } from "../serialize/translate.js";
import { projectRoot } from "../core/naming.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { loadEntities } from "./load.js";

const SOURCE = /\.(m?ts|m?js)$/;
const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".venv", ".tools", "test", "tests", "__tests__"]);

/** The user files under the given paths: `.ts`/`.js` files, without tests, declarations and dependencies. */
export function sourceFiles(paths: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!SKIP_DIRS.has(name) && !name.startsWith(".")) walk(join(p, name));
    } else if (SOURCE.test(p) && !/\.d\.m?ts$/.test(p) && !/\.(test|spec)\.m?[tj]s$/.test(p)) out.push(p);
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new UsageError(`no such file or directory: ${p}`);
    walk(abs);
  }
  return out;
}

function parseKeyValues(values: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf("=");
    if (i <= 0) throw new UsageError(`malformed ${what} ${JSON.stringify(v)}: expected KEY=VALUE`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

function settingsFrom(values: {
  image?: string[];
  project?: string;
  domain?: string;
  version?: string;
  env?: string[];
}): SerializationSettings {
  let def: string | undefined;
  const images: Record<string, string> = {};
  for (const img of values.image ?? []) {
    const i = img.indexOf("=");
    if (i > 0 && !img.slice(0, i).includes("/") && !img.slice(0, i).includes(":"))
      images[img.slice(0, i)] = img.slice(i + 1);
    else def = img;
  }
  return serializationSettings({
    project: values.project ?? "",
    domain: values.domain ?? "",
    version: values.version ?? "",
    image: { default: def ?? images.default, images },
    env: parseKeyValues(values.env, "--env"),
  });
}

/** Loads every file and serializes what it exports, dependencies first. */
export async function collect(
  files: readonly string[],
  settings: SerializationSettings,
  cwd: string,
): Promise<readonly SerializedEntity[]> {
  const s = new Serializer(settings);
  for (const f of files) {
    const { entities } = await loadEntities(f, cwd);
    for (const e of entities.values()) s.add(e);
  }
  return s.entities;
}

const COMMON = {
  image: { type: "string", short: "i", multiple: true },
  project: { type: "string" },
  domain: { type: "string" },
  version: { type: "string" },
  env: { type: "string", multiple: true },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

const PACKAGE_HELP = `Usage: tsflyte package [options] PATH...

Writes a registration package (flytectl register files --archive) of every task, workflow and launch plan
exported by the .ts/.js files under PATH.

Options:
  -i, --image [NAME=]URI   the default image, or a named one for {{.image.NAME.fqn}} templates (repeatable)
  -o, --output FILE        the archive to write (default flyte-package.tgz)
      --copy none|all      all: add a code bundle for fast registration (default none)
      --env KEY=VALUE      add to every task's container env (repeatable)
      --project, --domain, --version   ids (default empty: registration fills them)
`;

const SERIALIZE_HELP = `Usage: tsflyte serialize [options] FILE... -o DIR

Writes the registration files (.pb, and .json with --json) of what the files export into DIR.

Options:
  -o, --output DIR         where to write (required)
      --json               also write a JSON rendering of each file
  -i, --image [NAME=]URI   images, as for package
      --env KEY=VALUE      container env (repeatable)
      --project, --domain, --version   ids
`;

/** `tsflyte package`. */
export const packageCommand: Command = {
  summary: "Write a registration package (flytectl register files --archive) of the entities in PATHs",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { ...COMMON, copy: { type: "string" }, force: { type: "boolean", short: "f" } },
    });
    if (values.help) {
      ctx.out(PACKAGE_HELP);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError("no paths to package", "tsflyte package examples/");
    const copy = values.copy ?? "none";
    if (copy !== "none" && copy !== "all")
      throw new UsageError(`--copy must be none or all, got ${JSON.stringify(copy)}`);
    let settings = settingsFrom(values);
    if (copy === "all")
      settings = {
        ...settings,
        fast: { distribution: "{{ .remote_package_path }}", destinationDir: "{{ .dest_dir }}" },
      };
    const files = sourceFiles(positionals, ctx.cwd);
    const entities = await collect(files, settings, ctx.cwd);
    if (entities.length === 0)
      throw new UsageError(`no tasks, workflows or launch plans are exported under ${positionals.join(", ")}`);
    const out = resolve(ctx.cwd, values.output ?? "flyte-package.tgz");
    const extra = [];
    if (copy === "all") {
      const bundle = codeBundle(projectRoot(files[0]!), [out]);
      extra.push(bundle);
      ctx.err(`code bundle ${bundle.name} added (flytectl compile must be run on a package without it)\n`);
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, packageArchive(entities, extra));
    ctx.err(`wrote ${entities.length} entities to ${out}\n`);
    for (const name of entityFileNames(entities)) ctx.out(`${name}\n`);
    return 0;
  },
};

/** `tsflyte serialize`. */
export const serializeCommand: Command = {
  summary: "Write the registration files (.pb, optionally .json) of the entities in FILEs",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { ...COMMON, json: { type: "boolean" } },
    });
    if (values.help) {
      ctx.out(SERIALIZE_HELP);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError("no files to serialize");
    if (!values.output) throw new UsageError("-o DIR is required");
    const dir = resolve(ctx.cwd, values.output);
    mkdirSync(dir, { recursive: true });
    const entities = await collect(sourceFiles(positionals, ctx.cwd), settingsFrom(values), ctx.cwd);
    const names = entityFileNames(entities);
    entities.forEach((e, i) => {
      writeFileSync(join(dir, names[i]!), entityBytes(e));
      if (values.json) {
        const json =
          e.kind === 1
            ? toJson(TaskSpecSchema, e.spec)
            : e.kind === 2
              ? toJson(WorkflowSpecSchema, e.spec)
              : toJson(LaunchPlanSchema, e.spec);
        writeFileSync(
          join(dir, `${names[i]!.slice(0, -extname(names[i]!).length)}.json`),
          `${JSON.stringify(json, null, 2)}\n`,
        );
      }
      ctx.out(`${names[i]!}\n`);
    });
    ctx.err(`wrote ${entities.length} entities to ${dir}\n`);
    return 0;
  },
};
