/**
 * Literal conformance with Python flytekit, both ways: TypeScript writes a LiteralMap that flytekit reads to the
 * expected Python values, flytekit writes one that TypeScript reads to the expected JavaScript values, and each
 * `t.*` type's LiteralType equals flytekit's `TypeEngine.to_literal_type` of its twin (struct schemas compared apart).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { equals, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { FlyteBlob, t } from "flytekit-ts";
import { localDataAt } from "../../src/core/local-data.js";
import { type Literal, LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, LiteralTypeSchema } from "../../src/idl/gen/flyteidl/core/types_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import type { AnyType } from "../../src/types/type.js";
import { oracleSkip, pythonPath } from "./oracles.js";

const repo = join(import.meta.dirname, "..", "..");
const script = join(repo, "test", "conformance", "py", "literals_table.py");
const scratch = mkdtempSync(join(tmpdir(), "literal-conformance-"));
mkdirSync(join(scratch, "folder"), { recursive: true });
writeFileSync(join(scratch, "data.txt"), "file contents\n");
writeFileSync(join(scratch, "folder", "a.txt"), "a\n");
const data = localDataAt(join(scratch, "raw"));

const Color = t.enum(["red", "green"]);
const Inner = t.struct({ when: t.datetime, dur: t.duration }, { name: "Inner" });
const Point = t.struct(
  { x: t.int, y: t.float, label: t.str, tags: t.list(t.str), inner: Inner, color: Color, maybe: t.optional(t.int) },
  { name: "Point" },
);

/** The TypeScript twins of literals_table.py's cases: type, value, and the value a reader must get back. */
const cases: Record<string, { type: AnyType; value: unknown }> = {
  int: { type: t.int, value: 42 },
  int_negative: { type: t.int, value: -7 },
  int_max_safe: { type: t.int, value: Number.MAX_SAFE_INTEGER },
  float: { type: t.float, value: 3.25 },
  str: { type: t.str, value: "héllo ✓" },
  bool: { type: t.bool, value: true },
  datetime: { type: t.datetime, value: new Date("2024-01-02T03:04:05.123Z") },
  duration: { type: t.duration, value: 5_400_250 },
  none: { type: t.none, value: null },
  list_int: { type: t.list(t.int), value: [1, 2, 3] },
  map_str: { type: t.map(t.str), value: { a: "x", b: "y" } },
  nested: { type: t.map(t.list(t.map(t.duration))), value: { k: [{ d: 1500 }] } },
  enum: { type: Color, value: "green" },
  optional_some: { type: t.optional(t.int), value: 5 },
  optional_none: { type: t.optional(t.int), value: null },
  union_str: { type: t.union(t.int, t.str), value: "hi" },
  union_int: { type: t.union(t.int, t.str), value: 3 },
  union_lists: { type: t.union(t.list(t.int), t.list(t.str)), value: ["a", "b"] },
  dict: { type: t.dict(), value: { a: 1, b: [1, 2], c: { d: "e" }, f: 1.5 } },
  dataclass: {
    type: Point,
    value: {
      x: 1,
      y: 2.5,
      label: "p",
      tags: ["t1", "t2"],
      inner: { when: new Date("2025-06-07T08:09:10Z"), dur: 90_000 },
      color: "red",
      maybe: null,
    },
  },
  file: { type: t.file(), value: join(scratch, "data.txt") },
  directory: { type: t.dir(), value: join(scratch, "folder") },
};

function python(args: string[]): void {
  const r = spawnSync(pythonPath(), [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, CONFORMANCE_SCRATCH: scratch },
  });
  assert.equal(r.status, 0, r.stderr);
}

/** A LiteralType without struct JSON Schemas at any depth (they are compared as JSON, where key order is free). */
function withoutSchema(lt: LiteralType): LiteralType {
  const dataclassType = Object.fromEntries(
    Object.entries(lt.structure?.dataclassType ?? {}).map(([k, v]) => [k, withoutSchema(v)]),
  );
  return { ...lt, metadata: undefined, structure: lt.structure ? { ...lt.structure, dataclassType } : undefined };
}

/** Every struct JSON Schema in a LiteralType, by path. */
function schemas(lt: LiteralType, path = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (lt.metadata) out[path || "."] = lt.metadata;
  for (const [k, v] of Object.entries(lt.structure?.dataclassType ?? {})) schemas(v, `${path}.${k}`, out);
  return out;
}

describe("literal conformance with Python flytekit", { skip: oracleSkip("python") }, () => {
  test("TypeScript writes, flytekit reads the expected Python values", () => {
    const lits: Record<string, Literal> = {};
    for (const [name, c] of Object.entries(cases)) lits[name] = c.type.toLiteral(c.value, data, [name]);
    const file = join(scratch, "ts.pb");
    writeFileSync(file, toBinary(LiteralMapSchema, literalMap(lits)));
    const report = join(scratch, "report.json");
    python(["read", file, report]);
    const results = JSON.parse(readFileSync(report, "utf8")) as Record<
      string,
      { ok: boolean; error?: string; got?: string; expected?: string }
    >;
    const failed = Object.entries(results).filter(([, r]) => !r.ok);
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 1));
    assert.equal(Object.keys(results).length, Object.keys(cases).length);
  });

  test("flytekit writes, TypeScript reads the expected values; LiteralTypes match flytekit's", async () => {
    const file = join(scratch, "py.pb");
    const typesFile = join(scratch, "types.json");
    python(["write", file, typesFile]);
    const lm = fromBinary(LiteralMapSchema, readFileSync(file));
    const types = JSON.parse(readFileSync(typesFile, "utf8")) as Record<string, string>;
    const mismatches: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const lit = lm.literals[name];
      assert.ok(lit, `flytekit wrote no ${name}`);
      const got = c.type.fromLiteral(lit, data, [name]);
      if (got instanceof FlyteBlob) {
        const local = await got.download();
        const probe = c.type === cases.file!.type ? local : join(local, "a.txt");
        assert.equal(readFileSync(probe, "utf8"), c.type === cases.file!.type ? "file contents\n" : "a\n", name);
      } else {
        assert.deepEqual(got, c.value, name);
      }
      const theirs = fromBinary(LiteralTypeSchema, Buffer.from(types[name]!, "base64"));
      const ours = c.type.literalType;
      assert.deepEqual(schemas(ours), schemas(theirs), `${name}: the struct JSON Schemas differ from mashumaro's`);
      if (!equals(LiteralTypeSchema, withoutSchema(ours), withoutSchema(theirs))) {
        mismatches.push(
          `${name}:\n  ours   ${JSON.stringify(toJson(LiteralTypeSchema, ours))}\n  theirs ${JSON.stringify(toJson(LiteralTypeSchema, theirs))}`,
        );
      }
    }
    assert.deepEqual(mismatches, [], mismatches.join("\n"));
  });
});
