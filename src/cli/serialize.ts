/**
 * `tsflyte serialize`: load user files, collect their exported entities and write the registration files (`.pb`,
 * optionally `.json`) into a directory. Also what `tsflyte package` shares with it: finding user files, settings
 * from the command line and collecting entities.
 */
import { toJson } from "@bufbuild/protobuf";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { entityBytes, entityFileNames } from "../serialize/package.js";
import { type SerializationSettings, serializationSettings } from "../serialize/settings.js";
import { type SerializedEntity, Serializer } from "../serialize/translate.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { loadEntities } from "./load.js";

const SOURCE = /\.(m?ts|m?js)$/;
const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".venv", ".tools", "test", "tests", "__tests__"]);

/**
 * The user files under the given paths: `.ts`/`.mts`/`.js`/`.mjs` files in sorted order, without declarations,
 * `*.test.*`/`*.spec.*` files, dependencies, builds, hidden directories and test directories. A path given
 * explicitly is always walked.
 *
 * @example
 * sourceFiles(["examples/"], process.cwd()); // [".../examples/cached.ts", ".../examples/hello.ts", ...]
 */
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
  return [...new Set(out)];
}

/** `KEY=VALUE` strings as a record (in order; a later key wins). */
export function parseKeyValues(values: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf("=");
    if (i <= 0) throw new UsageError(`malformed ${what} ${JSON.stringify(v)}: expected KEY=VALUE`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** The command-line options both commands take. */
export interface SettingsFlags {
  image?: string[];
  project?: string;
  domain?: string;
  version?: string;
  env?: string[];
}

/**
 * Settings from the command line. `--image URI` is the default image and `--image NAME=URI` a named one (for
 * `{{.image.NAME…}}` templates; `default=URI` sets the default); without one, `FLYTEKIT_TS_DEFAULT_IMAGE` or the
 * SDK's image. Ids default to empty (registration fills them).
 */
export function settingsFrom(values: SettingsFlags): SerializationSettings {
  let def: string | undefined;
  const images: Record<string, string> = {};
  for (const img of values.image ?? []) {
    const i = img.indexOf("=");
    const key = i > 0 ? img.slice(0, i) : "";
    if (key && !key.includes("/") && !key.includes(":")) {
      if (!img.slice(i + 1)) throw new UsageError(`--image ${img}: the image is empty`);
      images[key] = img.slice(i + 1);
    } else def = img;
  }
  return serializationSettings({
    project: values.project ?? "",
    domain: values.domain ?? "",
    version: values.version ?? "",
    image: { default: def ?? images.default, images },
    env: parseKeyValues(values.env, "--env"),
  });
}

/**
 * Loads every file (naming its exported entities after their exports) and serializes what they export, in file
 * and export order, dependencies first.
 */
export async function collect(
  files: readonly string[],
  settings: SerializationSettings,
  cwd: string,
): Promise<{ entities: readonly SerializedEntity[]; taskFiles: string[] }> {
  const s = new Serializer(settings);
  for (const f of files) {
    const { entities } = await loadEntities(f, cwd);
    for (const e of entities.values()) s.add(e);
  }
  return { entities: s.entities, taskFiles: s.taskFiles };
}

/** The options `serialize` and `package` share, for `parseArgs`. */
export const COMMON_OPTIONS = {
  image: { type: "string", short: "i", multiple: true },
  project: { type: "string" },
  domain: { type: "string" },
  version: { type: "string" },
  env: { type: "string", multiple: true },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs an argument parser, turning its errors (unknown or malformed options) into usage errors. */
export function parseOrUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message, `Run 'tsflyte ${command} --help' for usage.`, { cause: e });
  }
}

/** The JSON rendering of a serialized entity (protobuf JSON, as `toJson` writes it). */
export function entityJson(e: SerializedEntity): unknown {
  switch (e.kind) {
    case 1:
      return toJson(TaskSpecSchema, e.spec);
    case 2:
      return toJson(WorkflowSpecSchema, e.spec);
    case 3:
      return toJson(LaunchPlanSchema, e.spec);
  }
}

const SERIALIZE_HELP = `Usage: tsflyte serialize [options] FILE... -o DIR

Writes the registration files of every task, workflow and launch plan the files (or the .ts/.js files under
directories) export: <index>_<name>_<1|2|3>.pb in dependency order (1 task, 2 workflow, 3 launch plan).

Options:
  -o, --output DIR         where to write (required)
      --json               also write a JSON rendering of each file (<index>_<name>_<kind>.json)
  -i, --image [NAME=]URI   the default image, or a named one for {{.image.NAME.fqn}} templates (repeatable;
                           default: $FLYTEKIT_TS_DEFAULT_IMAGE, else the SDK's image)
      --env KEY=VALUE      add to every task's container env (repeatable; a task's own env wins)
      --project, --domain, --version   ids (default empty: registration fills them)
`;

/** `tsflyte serialize FILE... -o DIR [--json]`. */
export const serializeCommand: Command = {
  summary: "Write the registration files (.pb, optionally .json) of the entities in FILEs",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseOrUsage("serialize", () =>
      parseArgs({ args: [...args], allowPositionals: true, options: { ...COMMON_OPTIONS, json: { type: "boolean" } } }),
    );
    if (values.help) {
      ctx.out(SERIALIZE_HELP);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError("no files to serialize", SERIALIZE_HELP.split("\n")[0]);
    if (!values.output) throw new UsageError("-o DIR is required", SERIALIZE_HELP.split("\n")[0]);
    const settings = settingsFrom(values);
    const { entities } = await collect(sourceFiles(positionals, ctx.cwd), settings, ctx.cwd);
    const dir = resolve(ctx.cwd, values.output);
    mkdirSync(dir, { recursive: true });
    const names = entityFileNames(entities);
    entities.forEach((e, i) => {
      const name = names[i]!;
      writeFileSync(join(dir, name), entityBytes(e));
      if (values.json)
        writeFileSync(join(dir, `${name.slice(0, -".pb".length)}.json`), `${JSON.stringify(entityJson(e), null, 2)}\n`);
      ctx.out(`${name}\n`);
    });
    ctx.err(`wrote ${entities.length} entities to ${dir}\n`);
    return 0;
  },
};
