/**
 * Registration packages as `pyflyte package` writes them: `<index>_<name>_<1|2|3>.pb` members at the archive root, the
 * index zero-padded to ceil(log10(count)) digits (flytekit's `_determine_text_chars`), in dependency order, with
 * deterministic bytes; and the fast-registration code bundle.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { getTextEncoding } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { entityFileNames, packageArchive, Serializer, serializationSettings, t, task, workflow } from "flytekit-ts";
import { bindExports } from "../../../src/core/naming.js";
import { readTar } from "../../../src/entrypoint/tar.js";
import { LaunchPlanSchema } from "../../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { codeBundle, entityBytes, utf8 } from "../../../src/serialize/package.js";
import { tar } from "../../../src/serialize/tar.js";
import type { SerializedEntity } from "../../../src/serialize/translate.js";

const scratch = mkdtempSync(join(tmpdir(), "pkg-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function fakeTasks(n: number): SerializedEntity[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 1 as const,
    name: `m.t${i}`,
    spec: create(TaskSpecSchema, { template: { id: { name: `m.t${i}` } } }),
  }));
}

/** flytekit's `_determine_text_chars`: ceil(log10(count)), and `str(i).zfill(0)` is just `str(i)`. */
function pyflyteWidth(count: number): number {
  return count === 0 ? 0 : Math.ceil(Math.log10(count));
}

function members(tgz: Uint8Array) {
  return [...readTar(new Uint8Array(gunzipSync(tgz)))];
}

const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const ns = { add, wf: workflow({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => add({ a, b: 1 })) };
bindExports(ns, import.meta.filename, (v): v is never => typeof v === "function" && "identity" in v);

describe("file names", () => {
  test("<index>_<name>_<kind>.pb, kinds 1 task, 2 workflow, 3 launch plan, in dependency order", () => {
    const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
    s.add(ns.wf);
    assert.deepEqual(entityFileNames(s.entities), [
      "0_test.unit.serialize.package.test.add_1.pb",
      "1_test.unit.serialize.package.test.wf_2.pb",
      "2_test.unit.serialize.package.test.wf_3.pb",
    ]);
  });

  test("the index is zero-padded like pyflyte's, for every count up to 1200", () => {
    for (let n = 1; n <= 1200; n++) {
      const names = entityFileNames(fakeTasks(n));
      const width = pyflyteWidth(n);
      const expected = (i: number) => `${String(i).padStart(width, "0")}_m.t${i}_1.pb`;
      assert.equal(names[0], expected(0), `count ${n}`);
      assert.equal(names[n - 1], expected(n - 1), `count ${n}`);
    }
    assert.deepEqual(entityFileNames(fakeTasks(11)).slice(0, 2), ["00_m.t0_1.pb", "01_m.t1_1.pb"]);
    assert.equal(entityFileNames(fakeTasks(100))[99], "99_m.t99_1.pb");
    assert.equal(entityFileNames(fakeTasks(101))[0], "000_m.t0_1.pb");
    assert.deepEqual(entityFileNames([]), []);
  });

  test("lexicographic order of the names is the registration order (what flytectl sorts by)", () => {
    for (const n of [9, 10, 11, 99, 100, 101]) {
      const names = entityFileNames(fakeTasks(n));
      assert.deepEqual([...names].sort(), names, `count ${n}`);
    }
  });
});

describe("archives", () => {
  test("every entity's bytes at the root, in order, then the extra members", () => {
    const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
    s.add(ns.wf);
    const bundle = { name: "fast0123.tar.gz", data: new Uint8Array([1, 2, 3]) };
    const m = members(packageArchive(s.entities, [bundle]));
    assert.deepEqual(
      m.map((x) => x.name),
      [...entityFileNames(s.entities), "fast0123.tar.gz"],
    );
    for (const [i, e] of s.entities.entries()) assert.deepEqual(m[i]!.data, entityBytes(e));
    assert.deepEqual(m.at(-1)!.data, bundle.data);
    assert.ok(
      m.every((x) => x.type === "file" && x.mode === 0o644 && !x.name.includes("/")),
      "regular files at the root",
    );
    const decoded = [
      fromBinary(TaskSpecSchema, m[0]!.data),
      fromBinary(WorkflowSpecSchema, m[1]!.data),
      fromBinary(LaunchPlanSchema, m[2]!.data),
    ];
    assert.deepEqual(
      decoded.map((d) => d.$typeName),
      ["flyteidl.admin.TaskSpec", "flyteidl.admin.WorkflowSpec", "flyteidl.admin.LaunchPlan"],
    );
  });

  test("deterministic bytes: the same entities give the same archive; gzip and tar times are zero", () => {
    const one = packageArchive(fakeTasks(12));
    const two = packageArchive(fakeTasks(12));
    assert.deepEqual(one, two);
    assert.deepEqual([...one.subarray(0, 2)], [0x1f, 0x8b], "gzip");
    assert.deepEqual([...one.subarray(4, 8)], [0, 0, 0, 0], "gzip header mtime 0");
    assert.equal(one[3]! & 0x08, 0, "no file name in the gzip header");
    const raw = new Uint8Array(gunzipSync(one));
    const mtime = new TextDecoder().decode(raw.subarray(136, 147));
    assert.equal(Number.parseInt(mtime, 8), 0, "tar mtime 0");
    assert.equal(new TextDecoder().decode(raw.subarray(257, 262)), "ustar");
    assert.equal(raw.length % 512, 0);
    assert.notDeepEqual(packageArchive(fakeTasks(11)), one);
  });

  test("long entity names survive the archive (pax records where ustar names do not fit)", () => {
    const long = `a.${"very_long_module_name.".repeat(8)}task`;
    const entities: SerializedEntity[] = [
      { kind: 1, name: long, spec: create(TaskSpecSchema, { template: { id: { name: long } } }) },
    ];
    const m = members(packageArchive(entities));
    assert.deepEqual(
      m.map((x) => x.name),
      [`0_${long}_1.pb`],
    );
  });
});

describe("encoding", () => {
  test("utf8 gives TextEncoder's bytes for any string, lone surrogates and long strings included", () => {
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        assert.deepEqual(new Uint8Array(utf8(s)), enc.encode(s));
      }),
      { numRuns: 2000 },
    );
    for (const s of ["", "\ud800", "a\udfffb", "\u{1f680}", "é".repeat(5000)]) {
      assert.deepEqual(new Uint8Array(utf8(s)), enc.encode(s));
    }
  });

  test("an entity's bytes are protobuf-es's own, and the process's text encoding is left as it was", () => {
    const before = getTextEncoding();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 200 }), (name, image) => {
        const spec = create(TaskSpecSchema, {
          template: {
            id: { name },
            type: "python-task",
            target: { case: "container", value: { image, args: [name] } },
          },
        });
        assert.deepEqual(entityBytes({ kind: 1, name, spec }), toBinary(TaskSpecSchema, spec));
      }),
      { numRuns: 500 },
    );
    assert.equal(getTextEncoding(), before);
  });

  test("tar headers hold non-ASCII names as UTF-8, cut to the field", () => {
    const names = ["données/é.pb", `${"ü".repeat(60)}.pb`, "a".repeat(100)];
    const raw = tar(names.map((name) => ({ name, data: new Uint8Array([1]) })));
    const entries = [...readTar(raw)];
    assert.deepEqual(
      entries.map((e) => e.name),
      names,
    );
    // The 60 two-byte characters do not fit ustar's 100 bytes: after the first member (two blocks), a pax header and its
    // record (two blocks), then the member's header with the name's last 100 characters cut at 100 bytes.
    const enc = new TextEncoder();
    const second = raw.subarray(512 * 4, 512 * 5);
    assert.deepEqual(second.subarray(0, 100), enc.encode(`${"ü".repeat(60)}.pb`.slice(-100)).subarray(0, 100));
  });
});

describe("code bundle", () => {
  test("fast<md5>.tar.gz of the project without node_modules and hidden files; deterministic; exclusions", async () => {
    const root = join(scratch, "proj");
    mkdirSync(join(root, "src", "lib"), { recursive: true });
    mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
    mkdirSync(join(root, ".git"), { recursive: true });
    writeFileSync(join(root, "package.json"), '{"name":"proj"}');
    writeFileSync(join(root, "src", "wf.ts"), "export const x = 1;\n");
    writeFileSync(join(root, "src", "lib", "util.ts"), "export const y = 2;\n");
    writeFileSync(join(root, "node_modules", "dep", "index.js"), "");
    writeFileSync(join(root, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(root, ".env"), "SECRET=1\n");
    writeFileSync(join(root, "pkg.tgz"), "old package");
    const a = await codeBundle(root, [join(root, "pkg.tgz")]);
    const b = await codeBundle(root, [join(root, "pkg.tgz")]);
    assert.match(a.name, /^fast[0-9a-f]{32}\.tar\.gz$/);
    assert.equal(a.name, b.name);
    assert.deepEqual(a.data, b.data);
    const names = members(a.data)
      .map((x) => x.name)
      .sort();
    // Each TypeScript file comes with the JavaScript the container loads (.mjs: the package is not "type": "module").
    assert.deepEqual(names, ["package.json", "src/lib/util.mjs", "src/lib/util.ts", "src/wf.mjs", "src/wf.ts"]);
    writeFileSync(join(root, "src", "wf.ts"), "export const x = 2;\n");
    assert.notEqual((await codeBundle(root, [join(root, "pkg.tgz")])).name, a.name, "the name follows the content");
  });

  test("hidden directories on the way to a kept file (a task's) are bundled, without their own hidden files", async () => {
    const root = join(scratch, "hidden");
    mkdirSync(join(root, ".flyte", ".cache"), { recursive: true });
    mkdirSync(join(root, "src", ".hidden"), { recursive: true });
    mkdirSync(join(root, ".other"), { recursive: true });
    writeFileSync(join(root, "package.json"), '{"name":"hidden","type":"module"}');
    writeFileSync(join(root, ".flyte", "wf.ts"), "export const a = 1;\n");
    writeFileSync(join(root, ".flyte", "words.ts"), "export const b = 2;\n");
    writeFileSync(join(root, ".flyte", ".token"), "secret\n");
    writeFileSync(join(root, ".flyte", ".cache", "c.ts"), "export const c = 3;\n");
    writeFileSync(join(root, "src", ".hidden", "x.ts"), "export const x = 4;\n");
    writeFileSync(join(root, ".other", "y.ts"), "export const y = 5;\n");
    writeFileSync(join(root, ".env"), "SECRET=1\n");
    const keep = [join(root, ".flyte", "wf.ts"), join(root, "src", ".hidden", "x.ts"), join(scratch, "elsewhere.ts")];
    const names = members((await codeBundle(root, [], keep)).data)
      .map((x) => x.name)
      .sort();
    assert.deepEqual(names, [
      ".flyte/wf.js",
      ".flyte/wf.ts",
      ".flyte/words.js",
      ".flyte/words.ts",
      "package.json",
      "src/.hidden/x.js",
      "src/.hidden/x.ts",
    ]);
    const none = members((await codeBundle(root)).data).map((x) => x.name);
    assert.deepEqual(none, ["package.json"], "without kept files no hidden directory is bundled");
  });
});

describe("module names of hidden directories", () => {
  test("are the path relative to the project root without empty segments; a shadowed module is an error", async () => {
    const root = join(scratch, "names");
    mkdirSync(join(root, ".flyte"), { recursive: true });
    mkdirSync(join(root, "src", ".hidden"), { recursive: true });
    writeFileSync(join(root, "package.json"), '{"name":"names","type":"module"}');
    const { modulePath } = await import("../../../src/core/naming.js");
    assert.equal(modulePath(join(root, ".flyte", "wf.ts")), "flyte.wf");
    assert.equal(modulePath(join(root, "src", ".hidden", "x.ts")), "src.hidden.x");
    assert.equal(modulePath(join(root, "src", ".hidden", ".y.mts")), "src.hidden.y");
    assert.equal(modulePath(join(root, "examples", "hello.ts")), "examples.hello");

    const file = join(root, ".flyte", "wf.ts");
    writeFileSync(file, "");
    const hi = task({ inputs: { n: t.str }, outputs: t.str }, ({ n }) => n);
    bindExports({ hi }, file, (v): v is typeof hi => v === hi);
    const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
    s.add(hi);
    assert.equal(s.entities[0]!.name, "flyte.wf.hi");
    assert.deepEqual(s.taskFiles, [file]);
    // A visible flyte/wf.ts would be what a container loads for module flyte.wf: refused when serializing.
    mkdirSync(join(root, "flyte"));
    writeFileSync(join(root, "flyte", "wf.ts"), "");
    assert.throws(
      () => new Serializer(serializationSettings({ image: { default: "img:2" } })).add(hi),
      /flyte\.wf\.hi: a container resolves its module flyte\.wf to flyte\/wf\.ts, not to \.flyte\/wf\.ts where it is defined; rename one of the files or directories/,
    );
  });
});
