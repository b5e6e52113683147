/**
 * Registration packages, as `pyflyte package` writes them: a flat tgz of `<zero-padded index>_<name>_<1|2|3>.pb` in
 * dependency order, which `flytectl register files --archive` takes; optionally a code bundle for fast registration.
 */
import { toBinary } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { type TarEntry, tgz } from "./tar.js";
import type { SerializedEntity } from "./translate.js";

/** The bytes of a serialized entity. */
export function entityBytes(e: SerializedEntity): Uint8Array {
  switch (e.kind) {
    case 1:
      return toBinary(TaskSpecSchema, e.spec);
    case 2:
      return toBinary(WorkflowSpecSchema, e.spec);
    case 3:
      return toBinary(LaunchPlanSchema, e.spec);
  }
}

/** The registration file names, pyflyte style: the index is zero-padded to the digits of the count. */
export function entityFileNames(entities: readonly SerializedEntity[]): string[] {
  const width = Math.max(1, String(Math.max(entities.length - 1, 0)).length);
  return entities.map((e, i) => `${String(i).padStart(width, "0")}_${e.name}_${e.kind}.pb`);
}

/** The package archive: every entity's `.pb` at the root, in order. */
export function packageArchive(entities: readonly SerializedEntity[], extra: readonly TarEntry[] = []): Uint8Array {
  const names = entityFileNames(entities);
  return tgz([...entities.map((e, i) => ({ name: names[i]!, data: entityBytes(e) })), ...extra]);
}

const SKIP = new Set(["node_modules", ".git", ".venv", ".tools", ".cache", ".flyte-local"]);

/**
 * A code bundle of a project for fast registration: every file under `root` except dependencies, VCS data and local
 * tool caches, as `fast<md5>.tar.gz` (the md5 of the uncompressed archive, as flytectl expects).
 */
export function codeBundle(root: string, exclude: readonly string[] = []): { name: string; data: Uint8Array } {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIP.has(name)) continue;
      const p = join(dir, name);
      if (exclude.includes(p)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.push(p);
    }
  };
  walk(root);
  const entries = files.map((f) => ({
    name: relative(root, f).split(sep).join("/"),
    data: new Uint8Array(readFileSync(f)),
    mode: statSync(f).mode & 0o777,
  }));
  const data = tgz(entries);
  return { name: `fast${createHash("md5").update(data).digest("hex")}.tar.gz`, data };
}
