// Tasks defined under hidden directories (`.flyte/wf.ts`, `src/.hidden/x.ts`): `tsflyte package --fast` names them
// by their path relative to the project root (`flyte.wf.hi`, `src.hidden.x.shout`, never an empty `..` segment),
// bundles those directories (but no other hidden file), and the container finds the modules again: the task
// template's own command, run through tsflyte-fast-execute and tsflyte-execute. Needs `npm run build` first.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { readTar } from "../../src/entrypoint/tar.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap, stringLiteral } from "../../src/idl/literals.js";

const repo = resolve(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "hidden-dirs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(resolve(file, ".."), { recursive: true });
  writeFileSync(file, text);
}

/** A project with workflows in `.flyte/`, a task in `src/.hidden/`, and hidden files that must stay home. */
function project(): string {
  const dir = join(scratch, "proj");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
  write(join(dir, "package.json"), `${JSON.stringify({ name: "hidden-dirs", type: "module" })}\n`);
  write(
    join(dir, ".flyte", "wf.ts"),
    [
      'import { t, task, workflow } from "flytekit-ts";',
      'import { greeting } from "./words.ts";',
      'import { shout } from "../src/.hidden/x.ts";',
      'export const hi = task({ inputs: { n: t.str }, outputs: t.str }, ({ n }) => greeting + " " + n);',
      "export const wf = workflow({ inputs: { n: t.str }, outputs: t.str }, ({ n }) => shout({ s: hi({ n }) }));",
      "",
    ].join("\n"),
  );
  write(join(dir, ".flyte", "words.ts"), 'export const greeting: string = "hello";\n');
  write(join(dir, ".flyte", ".token"), "not for the bundle\n");
  write(
    join(dir, "src", ".hidden", "x.ts"),
    [
      'import { t, task } from "flytekit-ts";',
      "export const shout = task({ inputs: { s: t.str }, outputs: t.str }, ({ s }) => s.toUpperCase());",
      "",
    ].join("\n"),
  );
  write(join(dir, ".env"), "SECRET=1\n");
  write(join(dir, ".git", "config"), "[core]\n");
  return dir;
}

function node(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  assert.equal(r.status, 0, `node ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe("tasks in hidden directories", () => {
  it("are named by their path, bundled, and found by the container from the bundle", () => {
    const dir = project();
    const pkg = join(scratch, "pkg.tgz");
    node([join(repo, "bin", "tsflyte.js"), "package", "--fast", "--image", "img:1", "-o", pkg, ".flyte"], dir);
    const members = [...readTar(new Uint8Array(gunzipSync(readFileSync(pkg))))];
    const tasks = members.filter((m) => m.name.endsWith("_1.pb")).map((m) => fromBinary(TaskSpecSchema, m.data));
    assert.deepEqual(tasks.map((t) => t.template?.id?.name).sort(), ["flyte.wf.hi", "src.hidden.x.shout"]);
    assert.deepEqual(
      members.map((m) => m.name).filter((n) => n.includes("..")),
      [],
      "no empty segment in any name",
    );

    const bundle = members.find((m) => /^fast[0-9a-f]{32}\.tar\.gz$/.test(m.name));
    assert.ok(bundle, "the package holds a code bundle");
    const files = [...readTar(new Uint8Array(gunzipSync(bundle.data)))].map((m) => m.name).sort();
    assert.deepEqual(files, [
      ".flyte/wf.js",
      ".flyte/wf.ts",
      ".flyte/words.js",
      ".flyte/words.ts",
      "package.json",
      "src/.hidden/x.js",
      "src/.hidden/x.ts",
    ]);

    // Each task's own command, with the placeholders propeller fills, in a pod directory with the image's SDK.
    const bundleFile = join(scratch, bundle.name);
    writeFileSync(bundleFile, bundle.data);
    writeFileSync(join(scratch, "inputs-hi.pb"), toBinary(LiteralMapSchema, literalMap({ n: stringLiteral("pod") })));
    writeFileSync(
      join(scratch, "inputs-shout.pb"),
      toBinary(LiteralMapSchema, literalMap({ s: stringLiteral("pod") })),
    );
    const expected: Record<string, string> = { "flyte.wf.hi": "hello pod", "src.hidden.x.shout": "POD" };
    for (const task of tasks) {
      const name = task.template!.id!.name;
      const short = name.split(".").at(-1)!;
      const pod = join(scratch, `pod-${short}`);
      mkdirSync(join(pod, "node_modules"), { recursive: true });
      symlinkSync(repo, join(pod, "node_modules", "flytekit-ts"), "dir");
      const container = task.template!.target.value as { args: string[] };
      const fill: Record<string, string> = {
        "{{ .remote_package_path }}": pathToFileURL(bundleFile).href,
        "{{ .dest_dir }}": pod,
        "{{.input}}": join(scratch, `inputs-${short}.pb`),
        "{{.outputPrefix}}": join(scratch, `out-${short}`),
        "{{.rawOutputDataPrefix}}": join(scratch, `raw-${short}`),
        "{{.checkpointOutputPrefix}}": join(scratch, `cp-${short}`),
        "{{.prevCheckpointPrefix}}": "",
      };
      const args = container.args.map((a) => fill[a] ?? a);
      assert.equal(args[0], "tsflyte-fast-execute");
      node([join(repo, "bin", "tsflyte-fast-execute.js"), ...args.slice(1)], scratch, { FLYTE_FAIL_ON_ERROR: "true" });
      const outputs = fromBinary(LiteralMapSchema, readFileSync(join(scratch, `out-${short}`, "outputs.pb")));
      const o0 = outputs.literals.o0?.value;
      assert.equal(
        o0?.case === "scalar" && o0.value.value.case === "primitive" && o0.value.value.value.value.value,
        expected[name],
        name,
      );
    }
  });
});
