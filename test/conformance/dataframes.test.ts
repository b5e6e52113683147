/**
 * Dataframe conformance with Python flytekit (pandas and pyarrow in the oracle venv), test/conformance/py/
 * dataframes_oracle.py holding the Python twins under the same case names:
 *
 * - TypeScript → Python: flytekit reads every structured dataset we write into the pandas DataFrame expected
 *   (same columns, dtypes and values; declared columns read as flytekit's `kwtypes` subset).
 * - Python → TypeScript: we read every dataset flytekit writes from pandas with the same columns, Arrow types and
 *   values.
 * - `LiteralType`s equal `TypeEngine.to_literal_type` of the twins, field by field (struct JSON Schemas included).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { equals, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { StructuredDataset, t } from "flytekit-ts";
import { localDataAt } from "../../src/core/local-data.js";
import { type LiteralMap, LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../src/idl/gen/flyteidl/core/types_pb.js";
import { literalMap, scalarOf } from "../../src/idl/literals.js";
import { loadDataframeCodecs } from "../../src/types/dataframe-codecs.js";
import type { AnyType } from "../../src/types/type.js";
import { oracleSkip, repoRoot, runPython } from "./oracles.js";

const skip = oracleSkip("python");
const work = mkdtempSync(join(tmpdir(), "flytekit-ts-dataframes-"));
after(() => rmSync(work, { recursive: true, force: true }));
const data = localDataAt(join(work, "raw"));

const Cols = t.dataframe({ columns: { a: t.int, b: t.str } });
const Holder = t.struct({ df: t.dataframe(), n: t.int }, { name: "Holder" });

/** The table both sides write, as records (the column types are inferred: whole numbers are int64). */
const rows = [
  { a: 1, b: "x", c: 1.5, d: true, t: new Date("2024-01-02T03:04:05.123Z") },
  { a: 2, b: "héllo ✓", c: -0.25, d: false, t: new Date("1969-12-31T23:59:59.500Z") },
  { a: -(2 ** 40), b: null, c: null, d: true, t: new Date("2000-02-29T00:00:00Z") },
];
const second = [{ a: 7, b: "y" }];

const cases: Record<string, { type: AnyType; value: unknown }> = {
  df: { type: t.dataframe(), value: rows },
  df_columns: { type: Cols, value: rows.map(({ a, b }) => ({ a, b })) },
  df_list: { type: t.list(t.dataframe()), value: [rows, second] },
  df_struct: { type: Holder, value: { df: rows, n: 3 } },
};

const typesOnly: Record<string, AnyType> = {
  type_plain: t.dataframe(),
  type_parquet: t.dataframe({ format: "parquet" }),
  type_columns: t.dataframe({
    columns: { i: t.int, f: t.float, s: t.str, b: t.bool, t: t.datetime, d: t.duration, l: t.list(t.int) },
  }),
  type_list: t.list(t.dataframe()),
  type_map: t.map(Cols),
  type_struct: Holder,
  type_optional: t.optional(t.dataframe()),
};

interface Oracle {
  report: Record<string, { ok: boolean; diff?: string; error?: string; trace?: string }>;
  literals: LiteralMap;
  types: Record<string, string>;
}
let oracle: Oracle | undefined;

describe("dataframe conformance with Python flytekit and pandas", { skip }, () => {
  before(async () => {
    await loadDataframeCodecs();
    const literals = Object.fromEntries(
      Object.entries(cases).map(([k, c]) => [k, c.type.toLiteral(c.value, data, [k])]),
    );
    writeFileSync(join(work, "ts.pb"), toBinary(LiteralMapSchema, literalMap(literals)));
    const r = await runPython(join(repoRoot, "test/conformance/py/dataframes_oracle.py"), [work], 300_000);
    assert.equal(r.exitCode, 0, `the oracle failed:\n${r.stderr}`);
    oracle = {
      report: JSON.parse(readFileSync(join(work, "report.json"), "utf8")),
      literals: fromBinary(LiteralMapSchema, readFileSync(join(work, "py.pb"))),
      types: JSON.parse(readFileSync(join(work, "types.json"), "utf8")),
    };
  });

  test("we write flytekit's layout: a directory holding the part file 00000, format parquet", () => {
    const lit = cases.df!.type.toLiteral(rows, data, ["df"]);
    const sd = scalarOf(lit);
    assert.equal(sd?.value.case, "structuredDataset");
    if (sd?.value.case !== "structuredDataset") return;
    assert.ok(statSync(sd.value.value.uri).isDirectory());
    assert.deepEqual(readdirSync(sd.value.value.uri), ["00000"]);
    assert.equal(sd.value.value.metadata?.structuredDatasetType?.format, "parquet");
  });

  test("TypeScript → Python: pandas reads every dataset we write as the expected DataFrame", () => {
    const failed = Object.entries(oracle!.report)
      .filter(([, r]) => !r.ok)
      .map(([k, r]) => `${k}: ${r.diff ?? r.error}\n${r.trace ?? ""}`);
    assert.deepEqual(Object.keys(oracle!.report).sort(), Object.keys(cases).sort());
    if (failed.length > 0) assert.fail(failed.join("\n"));
  });

  test("Python → TypeScript: we read flytekit's DataFrames with the same columns, Arrow types and values", async () => {
    const lits = oracle!.literals.literals;
    const df = cases.df!.type.fromLiteral(lits.df!, data, ["df"]) as StructuredDataset;
    const table = await df.table();
    assert.deepEqual(
      table.schema.fields.map((f) => `${f.name}: ${f.type}`),
      ["a: Int64", "b: LargeUtf8", "c: Float64", "d: Bool", "t: Timestamp<MICROSECOND, UTC>"],
    );
    assert.deepEqual(await df.records(), rows);

    const cols = Cols.fromLiteral(lits.df_columns!, data, ["df_columns"]);
    assert.deepEqual(
      await cols.records(),
      rows.map(({ a, b }) => ({ a, b })),
    );
    assert.deepEqual(await cols.records({ columns: ["c"] }), [{ c: 1.5 }, { c: -0.25 }, { c: null }]);

    const list = cases.df_list!.type.fromLiteral(lits.df_list!, data, ["df_list"]) as StructuredDataset[];
    assert.deepEqual(await Promise.all(list.map((d) => d.records())), [rows, second]);

    const held = Holder.fromLiteral(lits.df_struct!, data, ["df_struct"]);
    assert.equal(held.n, 3);
    assert.deepEqual(await held.df.records(), rows);
  });

  test("LiteralTypes equal flytekit's, field by field", () => {
    const all: Record<string, AnyType> = {
      ...Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, c.type])),
      ...typesOnly,
    };
    assert.deepEqual(Object.keys(oracle!.types).sort(), Object.keys(all).sort());
    const failed: string[] = [];
    for (const [name, type] of Object.entries(all)) {
      const theirs = fromBinary(LiteralTypeSchema, Buffer.from(oracle!.types[name]!, "base64"));
      if (!equals(LiteralTypeSchema, type.literalType, theirs)) {
        failed.push(
          `${name}: ours ${JSON.stringify(toJson(LiteralTypeSchema, type.literalType))}\n  theirs ${JSON.stringify(toJson(LiteralTypeSchema, theirs))}`,
        );
      }
    }
    if (failed.length > 0) assert.fail(failed.join("\n"));
  });

  test("both sides write the same dataset metadata (format parquet, the declared columns)", () => {
    for (const name of ["df", "df_columns"]) {
      const ours = scalarOf(cases[name]!.type.toLiteral(cases[name]!.value, data, [name]));
      const theirs = scalarOf(oracle!.literals.literals[name]!);
      assert.ok(ours?.value.case === "structuredDataset" && theirs?.value.case === "structuredDataset");
      assert.deepEqual(
        toJson(LiteralTypeSchema, {
          $typeName: "flyteidl.core.LiteralType",
          type: { case: "structuredDatasetType", value: ours.value.value.metadata!.structuredDatasetType! },
        } as never),
        toJson(LiteralTypeSchema, {
          $typeName: "flyteidl.core.LiteralType",
          type: { case: "structuredDatasetType", value: theirs.value.value.metadata!.structuredDatasetType! },
        } as never),
        name,
      );
    }
  });

  test("a StructuredDataset flytekit wrote streams back in batches of the requested size", async () => {
    const df = StructuredDataset.fromUri((scalarOf(oracle!.literals.literals.df!)!.value.value as { uri: string }).uri);
    const sizes: number[] = [];
    for await (const b of df.batches({ columns: ["a", "t"], batchSize: 2 })) {
      sizes.push(b.numRows);
      assert.deepEqual(
        b.schema.fields.map((f) => f.name),
        ["a", "t"],
      );
    }
    assert.deepEqual(sizes, [2, 1]);
    assert.equal(await df.numRows(), 3);
  });
});
