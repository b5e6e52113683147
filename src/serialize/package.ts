/**
 * Registration packages, as `pyflyte package` writes them: a flat tgz of `<zero-padded index>_<name>_<1|2|3>.pb` in
 * dependency order, which `flytectl register files --archive` takes (it registers in the lexicographic order of the
 * member names, hence the padding); optionally a code bundle for fast registration.
 */
import { toBinary } from "@bufbuild/protobuf";
import { configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { type CompileWarning, compileForBundle } from "./compile.js";
import { gzip, type TarEntry, tar, tgz } from "./tar.js";
import type { SerializedEntity } from "./translate.js";

/**
 * UTF-8 through `Buffer.from`: the bytes `TextEncoder` gives (a lone surrogate becomes U+FFFD), but short strings are
 * cut from a shared pool instead of each allocating a buffer. An entity's messages are mostly short strings.
 */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  // A string's Buffer is backed by an ArrayBuffer (the pool, or its own), never a shared one.
  return Buffer.from(text, "utf8") as Uint8Array<ArrayBuffer>;
}

type TextEncoding = ReturnType<typeof getTextEncoding>;
let pooled: { readonly base: TextEncoding; readonly fast: TextEncoding } | undefined;

/** The process's text encoding with {@link utf8} for encoding (made again if someone configures another). */
function pooledEncoding(base: TextEncoding): TextEncoding {
  if (pooled?.base !== base) pooled = { base, fast: { ...base, encodeUtf8: utf8 } };
  return pooled.fast;
}

/** The bytes of a serialized entity (`admin.TaskSpec`, `admin.WorkflowSpec` or `admin.LaunchPlan`). */
export function entityBytes(e: SerializedEntity): Uint8Array {
  // protobuf-es encodes strings with the process's text encoding; ours is swapped in for this call only.
  const base = getTextEncoding();
  configureTextEncoding(pooledEncoding(base));
  try {
    switch (e.kind) {
      case 1:
        return toBinary(TaskSpecSchema, e.spec);
      case 2:
        return toBinary(WorkflowSpecSchema, e.spec);
      case 3:
        return toBinary(LaunchPlanSchema, e.spec);
    }
  } finally {
    configureTextEncoding(base);
  }
}

/**
 * The registration file names, pyflyte style: `<index>_<name>_<kind>.pb`, the index zero-padded to
 * `ceil(log10(count))` digits (the digits of `count - 1`): `0_…` up to 10 entities, `00_…` up to 100.
 *
 * @example
 * entityFileNames(entities); // ["0_app.add_1.pb", "1_app.wf_2.pb", "2_app.wf_3.pb"]
 */
export function entityFileNames(entities: readonly SerializedEntity[]): string[] {
  const width = Math.max(1, String(Math.max(entities.length - 1, 0)).length);
  return entities.map((e, i) => `${String(i).padStart(width, "0")}_${e.name}_${e.kind}.pb`);
}

/**
 * The package archive: every entity's `.pb` at the root, in order, then the `extra` members (a code bundle).
 * Deterministic: the same entities give the same bytes.
 */
export function packageArchive(entities: readonly SerializedEntity[], extra: readonly TarEntry[] = []): Uint8Array {
  const names = entityFileNames(entities);
  return tgz([...entities.map((e, i) => ({ name: names[i]!, data: entityBytes(e) })), ...extra]);
}

/**
 * Writes a package archive to `outFile` (creating its directory) and returns the member names of the entities.
 *
 * @example
 * writePackage(collectEntities([wf], serializationSettings()), "flyte-package.tgz");
 */
export function writePackage(
  entities: readonly SerializedEntity[],
  outFile: string,
  extra: readonly TarEntry[] = [],
): string[] {
  const out = resolve(outFile);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, packageArchive(entities, extra));
  return entityFileNames(entities);
}

/** Never put in a code bundle: dependencies (the image has them). Hidden files and directories are skipped too. */
const SKIP = new Set(["node_modules"]);

/** A fast-registration code bundle: its file name and gzipped tar bytes. */
export interface CodeBundle {
  /** `fast<md5 of the uncompressed tar>.tar.gz`. */
  readonly name: string;
  readonly data: Uint8Array;
  /** TypeScript files that could not be compiled (the container loads them through tsx), with esbuild's reason. */
  readonly warnings: readonly CompileWarning[];
}

/**
 * A code bundle of a project for fast registration: every file under `root` (sources and a `dist/` build alike, so
 * the container can run either) except `node_modules` (the image has the dependencies), hidden files and directories
 * (`.git`, `.env`, `.npmrc`, tool caches: VCS data and credentials stay home) unless they hold a `keep` file (the
 * files that define the registered tasks: a `.flyte/` directory of workflows is bundled, without its own hidden
 * files) and the `exclude`d paths, as
 * `fast<md5>.tar.gz` where the md5 is that of the uncompressed tar. TypeScript files are accompanied by their
 * JavaScript compilation (see `compile.ts`), which is what the container loads. Deterministic for the same files.
 */
export async function codeBundle(
  root: string,
  exclude: readonly string[] = [],
  keep: readonly string[] = [],
): Promise<CodeBundle> {
  const skip = new Set(exclude.map((p) => resolve(p)));
  // The hidden directories and files on the way to a kept file (the file of a task in `.flyte/` or `src/.hidden/`)
  // are bundled, or its container would not find its module.
  const top = resolve(root);
  const shown = new Set<string>();
  for (const f of keep) {
    const abs = resolve(f);
    if (relative(top, abs).startsWith("..")) continue;
    for (let p = abs; p !== top && p !== dirname(p); p = dirname(p)) shown.add(p);
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (SKIP.has(name) || (name.startsWith(".") && !shown.has(resolve(p)))) continue;
      if (skip.has(resolve(p))) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.push(p);
    }
  };
  walk(root);
  const present = new Set(files);
  const compiled = await compileForBundle(root, files, (f) => present.has(f));
  const entries: TarEntry[] = files.map((f) => ({
    name: relative(root, f).split(sep).join("/"),
    data: new Uint8Array(readFileSync(f)),
    mode: statSync(f).mode & 0o777,
  }));
  entries.push(...compiled.entries);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const raw = tar(entries);
  return {
    name: `fast${createHash("md5").update(raw).digest("hex")}.tar.gz`,
    data: gzip(raw),
    warnings: compiled.warnings,
  };
}
