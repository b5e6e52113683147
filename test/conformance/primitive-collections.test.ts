/**
 * Lists and maps of primitives are written straight to wire bytes (src/types/wire-encode.ts): those bytes are the
 * ones Python flytekit writes for the same values (test/conformance/py/primitive_collections_oracle.py), and flytekit's
 * files read back to the same values through the direct reader. Maps of several keys are compared as messages (the
 * order Python writes map entries in is its own), maps of one key byte for byte.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { equals, fromBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { LiteralSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { lazyLiteral, literalBytes } from "../../src/idl/lazy.js";
import { type AnyType, NO_DATA } from "../../src/types/type.js";
import { oracleSkip, repoRoot, runPython } from "./oracles.js";

const skip = oracleSkip("python");
const work = mkdtempSync(join(tmpdir(), "flytekit-ts-primitive-collections-"));
after(() => rmSync(work, { recursive: true, force: true }));

type Of = "int" | "float" | "str" | "bool";
const types: Record<Of, AnyType> = { int: t.int, float: t.float, str: t.str, bool: t.bool };
const SPECIAL: Record<string, number> = { nan: Number.NaN, inf: Infinity, "-inf": -Infinity, "-0.0": -0 };

interface Case {
  type: "list" | "map";
  of: Of;
  value: unknown[] | Record<string, unknown>;
}

const ints = [0, 1, -1, 127, 128, 300, 16384, 2 ** 28, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -(2 ** 53 - 1), -(2 ** 31)];
const floats = [0.5, -1.25, 1e300, 5e-324, 3, "nan", "inf", "-inf", "-0.0"];
const strs = ["", "a", "héllo", "€uro", "😀 emoji", "x".repeat(200), "line\nbreak"];
const cases: Record<string, Case> = {
  list_int: { type: "list", of: "int", value: ints },
  list_int_empty: { type: "list", of: "int", value: [] },
  list_int_many: { type: "list", of: "int", value: Array.from({ length: 5000 }, (_, i) => i * 7919 - 10_000) },
  list_float: { type: "list", of: "float", value: floats },
  list_str: { type: "list", of: "str", value: strs },
  list_bool: { type: "list", of: "bool", value: [true, false, true] },
  map_int_one: { type: "map", of: "int", value: { k: -5 } },
  map_float_one: { type: "map", of: "float", value: { ключ: 2.5 } },
  map_str_one: { type: "map", of: "str", value: { "": "empty key" } },
  map_bool_one: { type: "map", of: "bool", value: { b: false } },
  map_int: { type: "map", of: "int", value: Object.fromEntries(ints.map((v, i) => [`k${i}`, v])) },
  map_str: { type: "map", of: "str", value: Object.fromEntries(strs.map((v, i) => [`s${i}`, v])) },
  map_empty: { type: "map", of: "float", value: {} },
};

function native(of: Of, v: unknown): unknown {
  return of === "float" && typeof v === "string" ? SPECIAL[v] : v;
}

function ourLiteral(c: Case) {
  const ctx = NO_DATA;
  const el = types[c.of];
  if (c.type === "list")
    return t.list(el).toLiteral(
      (c.value as unknown[]).map((v) => native(c.of, v)),
      ctx,
    );
  const m = Object.fromEntries(Object.entries(c.value).map(([k, v]) => [k, native(c.of, v)]));
  return t.map(el).toLiteral(m, ctx);
}

describe("lists and maps of primitives against flytekit", { skip }, () => {
  test("the wire writer writes flytekit's bytes, and reads flytekit's files back", async () => {
    writeFileSync(join(work, "cases.json"), JSON.stringify(cases));
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "primitive_collections_oracle.py"), [
      join(work, "cases.json"),
      work,
    ]);
    assert.equal(run.exitCode, 0, `primitive_collections_oracle.py failed:\n${run.stdout}${run.stderr}`);
    for (const [name, c] of Object.entries(cases)) {
      const theirs = new Uint8Array(readFileSync(join(work, `${name}.pb`)));
      const ours = ourLiteral(c);
      const bytes = literalBytes(ours);
      assert.ok(bytes, `${name}: written as bytes`);
      const several = c.type === "map" && Object.keys(c.value).length > 1;
      if (several)
        assert.ok(equals(LiteralSchema, fromBinary(LiteralSchema, bytes), fromBinary(LiteralSchema, theirs)), name);
      else assert.deepEqual(Buffer.from(bytes), Buffer.from(theirs), name);
      // flytekit's file, read through the direct reader, is the value.
      const el = types[c.of];
      const type = c.type === "list" ? t.list(el) : t.map(el);
      const back = type.fromLiteral(lazyLiteral(theirs), NO_DATA);
      const want =
        c.type === "list"
          ? (c.value as unknown[]).map((v) => native(c.of, v))
          : Object.fromEntries(Object.entries(c.value).map(([k, v]) => [k, native(c.of, v)]));
      assert.deepEqual(back, want, name);
    }
  });
});
