// Descriptors built on first use (src/idl/lazy-desc.ts, applied to every generated module by scripts/gen-idl.mjs):
// the stand-in builds once, on the first read, reads like the real descriptor, refuses writes, and protobuf-es works
// through it; a process that defines a task and runs it in a container builds no admin or workflow IDL.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create, equals, fromBinary, isMessage, toBinary, toJson } from "@bufbuild/protobuf";
import {
  file_flyteidl_core_literals,
  LiteralMapSchema,
  LiteralSchema,
} from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { SimpleTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { builtDescriptors, lazyDesc } from "../../../src/idl/lazy-desc.js";
import { collectionLiteral, integerLiteral, literalMap, stringLiteral } from "../../../src/idl/literals.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("lazyDesc", () => {
  it("builds once, on the first read, and forwards every read", () => {
    let calls = 0;
    class Desc {
      readonly kind = "message";
      readonly typeName = "test.Thing";
      readonly fields = [1, 2];
      describe(): string {
        return `message ${this.typeName}`;
      }
    }
    const d = lazyDesc(() => {
      calls++;
      return new Desc();
    });
    assert.equal(calls, 0);
    assert.equal(d.typeName, "test.Thing");
    assert.equal(calls, 1);
    assert.deepEqual(d.fields, [1, 2]);
    assert.equal(d.describe(), "message test.Thing");
    assert.ok("kind" in d);
    assert.ok(!("other" in d));
    assert.deepEqual(Object.keys(d), ["kind", "typeName", "fields"]);
    assert.equal(Object.getPrototypeOf(d), Desc.prototype);
    assert.ok(d instanceof Desc);
    assert.deepEqual({ ...d }, { kind: "message", typeName: "test.Thing", fields: [1, 2] });
    assert.equal(calls, 1);
    assert.ok(builtDescriptors().includes("test.Thing"));
  });

  it("refuses writes", () => {
    const d = lazyDesc(() => ({ typeName: "test.ReadOnly" }) as { typeName: string; extra?: number });
    assert.throws(() => {
      d.typeName = "x";
    }, /read-only/);
    assert.throws(() => Object.defineProperty(d, "extra", { value: 1 }), /read-only/);
    assert.throws(() => {
      delete d.extra;
    }, /read-only/);
    assert.equal(d.typeName, "test.ReadOnly");
  });

  it("carries generated schemas through protobuf-es", () => {
    const lm = literalMap({ a: integerLiteral(5n) });
    const bytes = toBinary(LiteralMapSchema, lm);
    const back = fromBinary(LiteralMapSchema, bytes);
    assert.ok(equals(LiteralMapSchema, back, create(LiteralMapSchema, lm)));
    assert.ok(isMessage(back, LiteralMapSchema));
    assert.ok(!isMessage(back, LiteralSchema));
    assert.deepEqual(toJson(LiteralMapSchema, back), { literals: { a: { scalar: { primitive: { integer: "5" } } } } });
    assert.equal(file_flyteidl_core_literals.name, "flyteidl/core/literals");
    assert.equal(
      file_flyteidl_core_literals.messages.find((m) => m.name === "Literal")?.typeName,
      LiteralSchema.typeName,
    );
    assert.equal(SimpleTypeSchema.values.find((v) => v.name === "INTEGER")?.number, 1);
  });
});

describe("what a task container builds", () => {
  it("defining a task and running it from inputs.pb to outputs.pb builds no descriptor", () => {
    const dir = mkdtempSync(join(tmpdir(), "lazy-desc-"));
    try {
      writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "lazy-desc-project", type: "module" })}\n`);
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
      writeFileSync(
        join(dir, "wf.js"),
        `import { t, task } from "flytekit-ts";\n` +
          `export const echo = task({ inputs: { a: t.int, s: t.list(t.str) }, outputs: { a: t.int, s: t.list(t.str), n: t.none } }, ({ a, s }) => ({ a, s, n: null }));\n`,
      );
      // inputs.pb: {a: 3, s: ["x"]}, written by hand so this process's own descriptors do not matter.
      const script = `
        import { writeFileSync } from "node:fs";
        process.chdir(${JSON.stringify(dir)});
        import { main } from ${JSON.stringify(pathToFileURL(join(repo, "src", "entrypoint", "execute.ts")).href)};
        import { builtDescriptors } from ${JSON.stringify(pathToFileURL(join(repo, "src", "idl", "lazy-desc.ts")).href)};
        const a = [0x0a, 0x01, 0x61, 0x12, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0x08, 0x03];
        const s = [0x0a, 0x01, 0x73, 0x12, 0x0b, 0x12, 0x09, 0x0a, 0x07, 0x0a, 0x05, 0x0a, 0x03, 0x1a, 0x01, 0x78];
        writeFileSync("inputs.pb", new Uint8Array([0x0a, a.length, ...a, 0x0a, s.length, ...s]));
        const status = await main(["--inputs", "inputs.pb", "--output-prefix", "out", "--raw-output-data-prefix", "raw",
          "--resolver", "flytekit_ts.default_task_resolver", "--", "task-module", "wf", "task-name", "echo"]);
        console.log(JSON.stringify({ status, built: builtDescriptors() }));
      `;
      const r = spawnSync(
        process.execPath,
        ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", script],
        { cwd: repo, env: { ...process.env, FLYTE_PROJECT_ROOT: dir }, encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      const { status, built } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { status: number; built: string[] };
      assert.equal(status, 0);
      assert.deepEqual(built, []);
      const out = fromBinary(LiteralMapSchema, readFileSync(join(dir, "out", "outputs.pb")));
      assert.deepEqual(Object.keys(out.literals).sort(), ["a", "n", "s"]);
      assert.ok(equals(LiteralSchema, out.literals.a!, create(LiteralSchema, integerLiteral(3n))));
      assert.ok(equals(LiteralSchema, out.literals.s!, create(LiteralSchema, collectionLiteral([stringLiteral("x")]))));
      assert.equal(out.literals.n?.value.case === "scalar" && out.literals.n.value.value.value.case, "noneType");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
