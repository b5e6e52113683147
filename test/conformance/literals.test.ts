/**
 * The literal conformance suite: flytekit-ts and Python flytekit (the pinned oracle in .venv) on one table of cases,
 * one per type and value, with test/conformance/py/literals_oracle.py holding the Python twins under the same names.
 *
 * - TypeScript → Python: we write a LiteralMap; flytekit's `TypeEngine.to_python_value` reads every case to the
 *   expected Python value (same Python types throughout).
 * - Python → TypeScript: flytekit's `TypeEngine.to_literal` writes the same table; `fromLiteral` reads every case
 *   to the expected JavaScript value.
 * - Each type's `LiteralType` is protobuf-equal to `TypeEngine.to_literal_type` of its twin: the types field by
 *   field, and the JSON Schemas of structs (mashumaro's, which propeller compares when wiring tasks) apart.
 * - Both sides write the same msgpack bytes for structs and untyped dicts, and the same literals altogether
 *   (cases with local files aside: each side picks its own raw-data location).
 * - Datetimes with microseconds, which only Python can write, raise unless read with `t.datetime.truncating()`.
 *
 * See docs/conformance.md for what cannot match and why.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { after, before, describe, test } from "node:test";
import { equals, fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { FlyteBlob, FlyteTypeError, t } from "flytekit-ts";
import { localDataAt } from "../../src/core/local-data.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../src/idl/gen/flyteidl/core/types_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { decodeMsgpack } from "../../src/types/msgpack.js";
import type { AnyType } from "../../src/types/type.js";
import { oracleSkip, repoRoot, runPython } from "./oracles.js";

const skip = oracleSkip("python");
const work = mkdtempSync(join(tmpdir(), "flytekit-ts-literals-"));
after(() => rmSync(work, { recursive: true, force: true }));
const localFile = join(work, "data.txt");
const localDir = join(work, "folder");
mkdirSync(join(localDir, "sub"), { recursive: true });
writeFileSync(localFile, "file contents\n");
writeFileSync(join(localDir, "a.txt"), "a\n");
writeFileSync(join(localDir, "sub", "b.txt"), "b\n");
const data = localDataAt(join(work, "raw"));

// ---- the TypeScript twins of literals_oracle.py's types ----

const Color = t.enum(["red", "green", "blue"]);
const Inner = t.struct({ when: t.datetime, dur: t.duration }, { name: "Inner" });
const Item = t.struct({ name: t.str, qty: t.int }, { name: "Item" });
const Outer = t.struct(
  {
    x: t.int,
    y: t.float,
    label: t.str,
    ok: t.bool,
    inner: Inner,
    items: t.list(Item),
    by_name: t.map(Item),
    color: Color,
    doc: t.file(),
    report: t.file({ format: "csv" }),
    folder: t.dir(),
    counts: t.map(t.int),
    matrix: t.list(t.list(t.float)),
    extra: t.dict(),
    choice: t.union(t.int, t.str),
    maybe_inner: t.optional(Inner),
    note: t.optional(t.str),
    flag: t.bool.default(false),
    ratio: t.float.default(0.5),
    pause: t.duration.default(5000),
    since: t.datetime.default(new Date("2024-01-01T00:00:00Z")),
    tags: t.list(t.str).default([]),
  },
  { name: "Outer" },
);
/** Every msgpack width: fixint, uint8, int8, uint16, uint32, int64, uint64; str16, array16, map16. */
const Wide = t.struct(
  {
    small: t.int,
    u8: t.int,
    i8: t.int,
    u16: t.int,
    u32: t.int,
    i64: t.int,
    big: t.bigint,
    tenth: t.float,
    neg_zero: t.float,
    inf: t.float,
    long_text: t.str,
    many: t.list(t.int),
    wide_map: t.map(t.int),
    opt_items: t.optional(t.list(Item)),
    opt_counts: t.map(t.optional(t.int)).default({}),
    either: t.union(Item, t.int).default(0),
    shades: t.list(Color).default([]),
  },
  { name: "Wide" },
);
const Sparse = t.struct(
  { a: t.optional(t.int), b: t.str.default("x"), c: t.list(t.int).default([1]) },
  { name: "Sparse" },
);
const Empty = t.struct({}, { name: "Empty" });

const file = (path: string) => new FlyteBlob(path, false);
const dir = (path: string) => new FlyteBlob(path, true);

const outerFull = {
  x: 1,
  y: 2,
  label: "p ✓",
  ok: true,
  inner: { when: new Date("2025-06-07T08:09:10.250Z"), dur: 90_000.5 },
  items: [
    { name: "a", qty: 1 },
    { name: "b", qty: -2 },
  ],
  by_name: { c: { name: "c", qty: 3 } },
  color: "blue",
  doc: file("s3://bucket/docs/readme.txt"),
  report: file("s3://bucket/docs/report.csv"),
  folder: dir("s3://bucket/out/"),
  counts: { a: 1, b: 2 },
  matrix: [[1.5, 2], []],
  extra: { k: [1, "x", null], n: { deep: 0.25 } },
  choice: "seven",
  maybe_inner: { when: new Date("1999-12-31T23:59:59Z"), dur: 1.5 },
  note: null,
  flag: true,
  ratio: 0.25,
  pause: 90_000,
  since: new Date("2020-02-29T12:00:00.001Z"),
  tags: ["t1", "t2"],
};

const outerRequired = {
  x: 0,
  y: -0.5,
  label: "",
  ok: false,
  inner: { when: new Date("1970-01-01T00:00:00Z"), dur: 0 },
  items: [],
  by_name: {},
  color: "red",
  doc: file("s3://bucket/a"),
  report: file("s3://bucket/b.csv"),
  folder: dir("s3://bucket/c"),
  counts: {},
  matrix: [],
  extra: {},
  choice: 7,
};

interface Case {
  type: AnyType;
  /** What flytekit-ts writes, and what it must read from flytekit's literal unless `read` says otherwise. */
  value: unknown;
  /** What flytekit-ts must read from flytekit's literal, when it differs from `value` (defaults filled in). */
  read?: unknown;
}

/** The table: the same names as `cases()` in literals_oracle.py. */
const cases: Record<string, Case> = {
  int: { type: t.int, value: 42 },
  int_negative: { type: t.int, value: -7 },
  int_zero: { type: t.int, value: 0 },
  int_max_safe: { type: t.int, value: Number.MAX_SAFE_INTEGER },
  bigint_max: { type: t.bigint, value: 2n ** 63n - 1n },
  bigint_min: { type: t.bigint, value: -(2n ** 63n) },
  float: { type: t.float, value: 3.25 },
  float_whole: { type: t.float, value: 2 },
  float_tiny: { type: t.float, value: -1.5e-300 },
  str: { type: t.str, value: "héllo ✓ 🚀" },
  str_empty: { type: t.str, value: "" },
  bool_true: { type: t.bool, value: true },
  bool_false: { type: t.bool, value: false },
  datetime: { type: t.datetime, value: new Date("2024-01-02T03:04:05.123Z") },
  datetime_before_epoch: { type: t.datetime, value: new Date("1969-12-31T23:59:59.500Z") },
  datetime_year_1: { type: t.datetime, value: new Date("0001-01-01T00:00:00Z") },
  duration: { type: t.duration, value: 5_400_250 },
  duration_negative: { type: t.duration, value: -1500 },
  duration_microsecond: { type: t.duration, value: 0.001 },
  duration_days: { type: t.duration, value: 864_001_000 },
  none: { type: t.none, value: null },
  list_int: { type: t.list(t.int), value: [1, 2, 3] },
  list_empty: { type: t.list(t.int), value: [] },
  list_of_lists: { type: t.list(t.list(t.str)), value: [["a"], []] },
  list_optional: { type: t.list(t.optional(t.int)), value: [1, null] },
  map_str: { type: t.map(t.str), value: { a: "x", b: "y" } },
  map_empty: { type: t.map(t.int), value: {} },
  nested: { type: t.map(t.list(t.map(t.duration))), value: { k: [{ d: 1500 }, {}], e: [] } },
  enum: { type: Color, value: "green" },
  optional_some: { type: t.optional(t.int), value: 5 },
  optional_none: { type: t.optional(t.int), value: null },
  union_int: { type: t.union(t.int, t.str), value: 3 },
  union_str: { type: t.union(t.int, t.str), value: "hi" },
  union_float: { type: t.union(t.float, t.str), value: 1.5 },
  union_lists_int: { type: t.union(t.list(t.int), t.list(t.str)), value: [1, 2] },
  union_lists_str: { type: t.union(t.list(t.int), t.list(t.str)), value: ["a", "b"] },
  union_enum: { type: t.union(Color, t.int), value: "red" },
  union_file_dir: { type: t.union(t.file(), t.dir()), value: file("s3://bucket/either.txt") },
  optional_list: { type: t.optional(t.list(t.str)), value: ["x"] },
  list_enum: { type: t.list(Color), value: ["blue", "green"] },
  dict: { type: t.dict(), value: { a: 1, b: [1, 2], c: { d: "e" }, f: 1.5, g: null, h: true } },
  dict_empty: { type: t.dict(), value: {} },
  struct: { type: Outer, value: outerFull },
  struct_defaults: {
    type: Outer,
    value: outerRequired,
    read: {
      ...outerRequired,
      maybe_inner: null,
      note: null,
      flag: false,
      ratio: 0.5,
      pause: 5000,
      since: new Date("2024-01-01T00:00:00Z"),
      tags: [],
    },
  },
  struct_wide: {
    type: Wide,
    value: {
      small: 7,
      u8: 200,
      i8: -100,
      u16: 60000,
      u32: 70000,
      i64: -(2 ** 40),
      big: 2n ** 63n - 1n,
      tenth: 0.1,
      neg_zero: -0,
      inf: Number.POSITIVE_INFINITY,
      long_text: "x".repeat(300),
      many: Array.from({ length: 20 }, (_, i) => i),
      wide_map: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i])),
      opt_items: [{ name: "i", qty: 1 }],
      opt_counts: { a: 1, b: null },
      either: { name: "e", qty: 2 },
      shades: ["green", "red"],
    },
  },
  struct_sparse: { type: Sparse, value: {}, read: { a: null, b: "x", c: [1] } },
  struct_empty: { type: Empty, value: {} },
  struct_list: {
    type: t.list(Item),
    value: [
      { name: "a", qty: 1 },
      { name: "b", qty: 2 },
    ],
  },
  struct_map: { type: t.map(Item), value: { k: { name: "k", qty: 0 } } },
  struct_optional: { type: t.optional(Item), value: { name: "o", qty: 9 } },
  struct_optional_none: { type: t.optional(Item), value: null },
  file_local: { type: t.file(), value: file(localFile) },
  file_remote: { type: t.file(), value: file("s3://bucket/key.txt") },
  file_csv: { type: t.file({ format: "csv" }), value: file("s3://bucket/table.csv") },
  dir_local: { type: t.dir(), value: dir(localDir) },
  dir_remote: { type: t.dir(), value: dir("s3://bucket/folder/") },
};

/** Cases whose literals hold a local path: each side stores the data where it likes, so only contents compare. */
const localPaths = new Set(["file_local", "dir_local"]);

// ---- helpers ----

/** The files under a local path with their contents (a file is `{".": contents}`). */
function localTree(path: string): Record<string, string> {
  if (statSync(path).isFile()) return { ".": readFileSync(path, "utf8") };
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(path, p)] = readFileSync(p, "utf8");
    }
  };
  walk(path);
  return out;
}

/** A value with its blobs replaced by what identifies them: a remote URI, or a local path's contents. */
function comparable(v: unknown): unknown {
  if (v instanceof FlyteBlob) {
    const kind = v.isDirectory ? "dir" : "file";
    return v.isRemote ? { [kind]: v.path } : { [kind]: localTree(v.path) };
  }
  if (Array.isArray(v)) return v.map(comparable);
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  }
  return v;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
}

/** Where two JSON values differ, as `path: ours …, theirs …` lines (object keys unordered, arrays ordered). */
function jsonDiff(ours: JsonValue | undefined, theirs: JsonValue | undefined, path = ""): string[] {
  const isObj = (v: unknown): v is Record<string, JsonValue> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(ours) && isObj(theirs)) {
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
    return keys.flatMap((k) => jsonDiff(ours[k], theirs[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(ours) && Array.isArray(theirs) && ours.length === theirs.length) {
    return ours.flatMap((x, i) => jsonDiff(x, theirs[i], `${path}[${i}]`));
  }
  if (isDeepStrictEqual(ours, theirs)) return [];
  const fmt = (v: JsonValue | undefined) => (v === undefined ? "(absent)" : JSON.stringify(v));
  return [`${path || "."}: ours ${fmt(ours)}, theirs ${fmt(theirs)}`];
}

/**
 * Splits a LiteralType's JSON into the JSON Schemas of its structs (`metadata`, by path) and the rest. Within a
 * LiteralType only struct types carry `metadata`.
 */
function splitSchemas(
  v: JsonValue,
  path = "",
  schemas: Record<string, JsonValue> = {},
): { rest: JsonValue; schemas: Record<string, JsonValue> } {
  if (Array.isArray(v)) return { rest: v.map((x, i) => splitSchemas(x, `${path}[${i}]`, schemas).rest), schemas };
  if (v === null || typeof v !== "object") return { rest: v, schemas };
  const rest: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "metadata") schemas[path || "$"] = x;
    else rest[k] = splitSchemas(x, path ? `${path}.${k}` : k, schemas).rest;
  }
  return { rest, schemas };
}

/** Every msgpack Binary in a literal, by path (through collections, maps and unions). */
function binaries(lit: Literal, path = "", out: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  if (lit.value.case === "collection") {
    for (const [i, l] of lit.value.value.literals.entries()) binaries(l, `${path}[${i}]`, out);
  }
  if (lit.value.case === "map") {
    for (const [k, l] of Object.entries(lit.value.value.literals)) binaries(l, `${path}.${k}`, out);
  }
  if (lit.value.case === "scalar") {
    const s = lit.value.value.value;
    if (s.case === "binary") out[path || "."] = s.value.value;
    if (s.case === "union" && s.value.value) binaries(s.value.value, path, out);
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function msgpackJson(b: Uint8Array): string {
  return show(decodeMsgpack(b, { floatWrapper: true }));
}

// ---- running the oracle ----

interface PyRead {
  ok: boolean;
  expected?: string;
  got?: string;
  diff?: string;
  error?: string;
  trace?: string;
}
interface Oracle {
  cases: string[];
  writeErrors: Record<string, string>;
  report: Record<string, PyRead>;
  literals: LiteralMap;
  types: Record<string, string>;
  /** What flytekit-ts wrote, as the Python side decoded it (through binary, so both are canonical). */
  ours: Record<string, Literal>;
}
let oracle: Oracle | undefined;

function theOracle(): Oracle {
  assert.ok(oracle, "the Python oracle did not run (see the before hook's failure)");
  return oracle;
}

/** A literal of the "pyonly.*" cases, which only flytekit writes. */
function pyOnly(name: string): Literal {
  const lit = theOracle().literals.literals[`pyonly.${name}`];
  assert.ok(lit, `flytekit wrote no pyonly.${name}`);
  return lit;
}

function failures(list: string[], what: string): string {
  return `${list.length} case(s) ${what}:\n${list.join("\n")}`;
}

describe("literal conformance with Python flytekit", { skip }, () => {
  before(async () => {
    const written: Record<string, Literal> = {};
    for (const [name, c] of Object.entries(cases)) written[name] = c.type.toLiteral(c.value, data, [name]);
    writeFileSync(join(work, "ts.pb"), toBinary(LiteralMapSchema, literalMap(written)));
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "literals_oracle.py"), [work]);
    assert.equal(run.exitCode, 0, `literals_oracle.py failed:\n${run.stdout}${run.stderr}`);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
      cases: string[];
      write_errors: Record<string, string>;
    };
    oracle = {
      cases: summary.cases,
      writeErrors: summary.write_errors,
      report: JSON.parse(readFileSync(join(work, "report.json"), "utf8")) as Record<string, PyRead>,
      literals: fromBinary(LiteralMapSchema, readFileSync(join(work, "py.pb"))),
      types: JSON.parse(readFileSync(join(work, "types.json"), "utf8")) as Record<string, string>,
      ours: fromBinary(LiteralMapSchema, readFileSync(join(work, "ts.pb"))).literals,
    };
  });

  test("both tables have the same cases, and flytekit writes every one", () => {
    const o = theOracle();
    assert.deepEqual([...o.cases].sort(), Object.keys(cases).sort());
    assert.deepEqual(o.writeErrors, {}, "flytekit could not write these cases");
  });

  test("TypeScript → Python: flytekit reads every literal we write as the expected Python value", () => {
    const o = theOracle();
    const failed = Object.entries(o.report)
      .filter(([, r]) => !r.ok)
      .map(([name, r]) =>
        r.error
          ? `${name}: ${r.error}${r.trace ? `\n${r.trace}` : ""}`
          : `${name}: ${r.diff}\n  expected ${r.expected}\n  got      ${r.got}`,
      );
    if (failed.length > 0) assert.fail(failures(failed, "read wrong by flytekit"));
    assert.deepEqual(Object.keys(o.report).sort(), Object.keys(cases).sort());
  });

  test("Python → TypeScript: we read every literal flytekit writes as the expected value", () => {
    const o = theOracle();
    const failed: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const lit = o.literals.literals[name];
      if (!lit) {
        failed.push(`${name}: flytekit wrote no literal`);
        continue;
      }
      try {
        const got = comparable(c.type.fromLiteral(lit, data, [name]));
        const want = comparable(c.type.parse(c.read ?? c.value));
        if (!isDeepStrictEqual(got, want)) failed.push(`${name}:\n  expected ${show(want)}\n  got      ${show(got)}`);
      } catch (e) {
        failed.push(`${name}: ${(e as Error).message}`);
      }
    }
    if (failed.length > 0) assert.fail(failures(failed, "read wrong by flytekit-ts"));
  });

  test("LiteralTypes equal flytekit's, field by field (struct JSON Schemas apart)", () => {
    const o = theOracle();
    const failed: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const theirs = fromBinary(LiteralTypeSchema, Buffer.from(o.types[name] ?? "", "base64"));
      const ours = c.type.literalType;
      if (equals(LiteralTypeSchema, ours, theirs)) continue;
      const diff = jsonDiff(
        splitSchemas(toJson(LiteralTypeSchema, ours)).rest,
        splitSchemas(toJson(LiteralTypeSchema, theirs)).rest,
      );
      if (diff.length > 0) failed.push(`${name}:\n  ${diff.join("\n  ")}`);
    }
    if (failed.length > 0) assert.fail(failures(failed, "with LiteralTypes unlike flytekit's"));
  });

  test("struct JSON Schemas equal mashumaro's for the twin dataclasses", () => {
    const o = theOracle();
    const failed: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const theirs = splitSchemas(
        toJson(LiteralTypeSchema, fromBinary(LiteralTypeSchema, Buffer.from(o.types[name] ?? "", "base64"))),
      ).schemas;
      const ours = splitSchemas(toJson(LiteralTypeSchema, c.type.literalType)).schemas;
      const diff = jsonDiff(ours, theirs);
      if (diff.length > 0) failed.push(`${name}:\n  ${diff.join("\n  ")}`);
    }
    if (failed.length > 0) assert.fail(failures(failed, "with JSON Schemas unlike mashumaro's"));
    // The LiteralTypes are then equal as protobuf messages, schemas included.
    for (const [name, c] of Object.entries(cases)) {
      const theirs = fromBinary(LiteralTypeSchema, Buffer.from(o.types[name] ?? "", "base64"));
      assert.ok(equals(LiteralTypeSchema, c.type.literalType, theirs), name);
    }
  });

  test("structs and dicts: both sides write the same msgpack bytes for the same value", () => {
    const o = theOracle();
    const failed: string[] = [];
    const compared = new Set<string>();
    for (const name of Object.keys(cases)) {
      const ours = binaries(o.ours[name]!);
      const theirs = binaries(o.literals.literals[name]!);
      if (!isDeepStrictEqual(Object.keys(ours).sort(), Object.keys(theirs).sort())) {
        failed.push(`${name}: binaries at ${show(Object.keys(ours))} vs flytekit's ${show(Object.keys(theirs))}`);
        continue;
      }
      for (const [path, b] of Object.entries(ours)) {
        compared.add(name);
        const p = theirs[path]!;
        if (Buffer.compare(b, p) === 0) continue;
        let at = 0;
        while (at < b.length && b[at] === p[at]) at++;
        failed.push(
          `${name}${path === "." ? "" : ` ${path}`}: bytes differ from offset ${at}\n` +
            `  ours   ${hex(b)}\n  theirs ${hex(p)}\n  ours   ${msgpackJson(b)}\n  theirs ${msgpackJson(p)}`,
        );
      }
    }
    if (failed.length > 0) assert.fail(failures(failed, "with msgpack bytes unlike flytekit's"));
    // Every case that holds a struct or a dict was compared.
    assert.deepEqual(
      [...compared].sort(),
      Object.keys(cases)
        .filter((n) => /^(dict|struct)/.test(n) && n !== "struct_optional_none")
        .sort(),
    );
  });

  test("both sides write the same literals (local paths aside)", () => {
    const o = theOracle();
    const failed: string[] = [];
    for (const name of Object.keys(cases)) {
      if (localPaths.has(name)) continue;
      const ours = o.ours[name]!;
      const theirs = o.literals.literals[name]!;
      if (equals(LiteralSchema, ours, theirs)) continue;
      const diff = jsonDiff(toJson(LiteralSchema, ours), toJson(LiteralSchema, theirs));
      failed.push(`${name}:\n  ${diff.join("\n  ") || "(equal as JSON: a difference protobuf JSON does not show)"}`);
    }
    if (failed.length > 0) assert.fail(failures(failed, "with literals unlike flytekit's"));
  });

  test("datetimes with microseconds from Python raise unless read with t.datetime.truncating()", () => {
    const truncated = new Date("2024-05-06T07:08:09.123Z");
    const raises = (fn: () => unknown, where: RegExp) =>
      assert.throws(
        fn,
        (e: unknown) =>
          e instanceof FlyteTypeError && /sub-millisecond digits/.test(e.message) && where.test(e.message),
      );

    // A datetime literal (Timestamp nanos 123456000).
    raises(() => t.datetime.fromLiteral(pyOnly("datetime_micro"), data, ["at"]), /^at:/);
    assert.deepEqual(t.datetime.truncating().fromLiteral(pyOnly("datetime_micro"), data), truncated);

    // A struct field (an ISO string with six fractional digits inside msgpack).
    raises(() => Inner.fromLiteral(pyOnly("struct_micro"), data, ["inner"]), /^inner\.when:/);
    const InnerTruncating = t.struct({ when: t.datetime.truncating(), dur: t.duration }, { name: "Inner" });
    assert.deepEqual(InnerTruncating.fromLiteral(pyOnly("struct_micro"), data), { when: truncated, dur: 1000 });

    // A list element: the error names the element.
    raises(() => t.list(t.datetime).fromLiteral(pyOnly("list_micro"), data, ["xs"]), /^xs\[1\]:/);
    assert.deepEqual(t.list(t.datetime.truncating()).fromLiteral(pyOnly("list_micro"), data), [
      new Date("2024-01-01T00:00:00Z"),
      truncated,
    ]);

    // Whole milliseconds written by Python read exactly with either type.
    const ms = theOracle().literals.literals.datetime!;
    assert.deepEqual(t.datetime.fromLiteral(ms, data), cases.datetime!.value);
    assert.deepEqual(t.datetime.truncating().fromLiteral(ms, data), cases.datetime!.value);
  });

  test("values only flytekit writes: naive and offset datetimes are read as flytekit means them", () => {
    // flytekit treats a naive datetime as UTC and converts aware ones to UTC in a Timestamp; inside a struct the
    // ISO string keeps the naive form or the offset, and we read both as the same instant.
    const noon = new Date("2024-01-01T12:30:00Z");
    const tenThirty = new Date("2024-01-01T10:30:00Z");
    assert.deepEqual(t.datetime.fromLiteral(pyOnly("datetime_naive"), data), noon);
    assert.deepEqual(t.datetime.fromLiteral(pyOnly("datetime_offset"), data), tenThirty);
    assert.deepEqual(Inner.fromLiteral(pyOnly("struct_naive"), data), { when: noon, dur: 0 });
    assert.deepEqual(Inner.fromLiteral(pyOnly("struct_offset"), data), { when: tenThirty, dur: 0 });
  });

  test("values only flytekit writes: structs and dicts in the old format (a protobuf Struct of the JSON)", () => {
    const struct = pyOnly("struct_json");
    const dict = pyOnly("dict_json");
    assert.equal(struct.value.case === "scalar" && struct.value.value.value.case, "generic");
    assert.equal(dict.value.case === "scalar" && dict.value.value.value.case, "generic");
    // Integers came back from JSON as doubles; int fields take them back as ints.
    assert.deepEqual(comparable(Outer.fromLiteral(struct, data)), comparable(Outer.parse(outerFull)));
    assert.deepEqual(t.dict().fromLiteral(dict, data), cases.dict!.value);
  });

  test("values only flytekit writes: a whole float in an untyped dict reads as a number, written back as an int", () => {
    // JavaScript has one number type: `2.0` in a dict is the number 2, which a dict writes as an int
    // (docs/conformance.md). Typed float fields keep their floats (see struct_wide and matrix in struct).
    const lit = pyOnly("dict_whole_float");
    assert.deepEqual(t.dict().fromLiteral(lit, data), { f: 2 });
    const back = binaries(t.dict().toLiteral({ f: 2 }, data))["."]!;
    assert.notDeepEqual(back, binaries(lit)["."], "if this now matches, update docs/conformance.md");
  });
});
