import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { Table, tableFromArrays } from "apache-arrow";
import { StructuredDataset, t, task, workflow } from "flytekit-ts";
import { localDataAt } from "../../../src/core/local-data.js";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { blobLiteral, scalarLiteral, scalarOf } from "../../../src/idl/literals.js";
import { blobType } from "../../../src/idl/types.js";
import { loadDataframeCodecs } from "../../../src/types/dataframe-codecs.js";
import { decodeMsgpack } from "../../../src/types/msgpack.js";
import type { DataContext } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const root = mkdtempSync(join(tmpdir(), "dataframe-test-"));
const local = localDataAt(root);
const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const uriOf = (lit: Literal): string => {
  const s = scalarOf(lit);
  assert.equal(s?.value.case, "structuredDataset");
  return (s!.value.value as { uri: string }).uri;
};

/** A data context that uploads (as the container entrypoint does), recording what it was given. */
function uploading(): DataContext & { puts: { name: string; kind: string }[] } {
  const puts: { name: string; kind: string }[] = [];
  return {
    puts,
    uploadsLocalPaths: true,
    putBlob(data, name) {
      puts.push({ name, kind: "bytes" in data ? "bytes" : "path" });
      return `s3://bucket/raw/${puts.length}/${name}`;
    },
    getBlob() {
      throw new Error("not used");
    },
  };
}

const rows = [
  { id: 1, name: "a", score: 0.5, ok: true, at: new Date("2024-01-01T00:00:00.001Z") },
  { id: 2, name: null, score: 1.25, ok: false, at: new Date("1960-06-01T12:00:00Z") },
];

before(loadDataframeCodecs);

describe("dataframe literal types", () => {
  it("t.dataframe() is a structured dataset type with no columns and no format, as flytekit's pd.DataFrame", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, t.dataframe().literalType), {
      structuredDatasetType: {},
    });
    assert.equal(t.dataframe().tag, "StructuredDataset Transformer");
  });

  it("declared columns and format are in the type, in declaration order", () => {
    const ty = t.dataframe({ columns: { b: t.str, a: t.int, l: t.list(t.float) }, format: "parquet" });
    assert.deepEqual(toJson(LiteralTypeSchema, ty.literalType), {
      structuredDatasetType: {
        columns: [
          { name: "b", literalType: { simple: "STRING" } },
          { name: "a", literalType: { simple: "INTEGER" } },
          { name: "l", literalType: { collectionType: { simple: "FLOAT" } } },
        ],
        format: "parquet",
      },
    });
    assert.equal(ty.name, "dataframe<b: str, a: int, l: list<float>>");
  });

  it("bad declarations fail at definition time", () => {
    throwsType(() => t.dataframe({ format: "csv" as "parquet" }), 'format "csv" is not supported');
    throwsType(() => t.dataframe({ columns: { a: "int" as never } }), "column a must be a Flyte type");
  });
});

describe("records", () => {
  it("round-trip through Parquet with inferred column types", async () => {
    const lit = wire(t.dataframe().toLiteral(rows, local, ["df"]));
    const dir = uriOf(lit);
    assert.deepEqual(readdirSync(dir), ["00000"]);
    const sd = t.dataframe().fromLiteral(lit, local);
    assert.deepEqual(
      (await sd.table()).schema.fields.map((f) => `${f.name}: ${f.type}`),
      ["id: Int64", "name: Utf8", "score: Float64", "ok: Bool", "at: Timestamp<MICROSECOND, UTC>"],
    );
    assert.deepEqual(await sd.records(), rows);
    assert.equal(await sd.numRows(), 2);
  });

  it("declared columns type the values and reject keys that would be lost", async () => {
    const ty = t.dataframe({ columns: { n: t.float, big: t.bigint } });
    const sd = ty.fromLiteral(ty.toLiteral([{ n: 1, big: 2n ** 62n }], local), local);
    assert.deepEqual(
      (await sd.table()).schema.fields.map((f) => String(f.type)),
      ["Float64", "Int64"],
    );
    assert.deepEqual(await sd.records(), [{ n: 1, big: 2n ** 62n }]);
    throwsType(
      () => ty.toLiteral([{ n: 1, big: 1n, x: 3 }], local, ["df"]),
      "df[0]",
      'key "x" is not a declared column',
    );
    throwsType(
      () =>
        ty.toLiteral(
          [
            { n: 1, big: 1n },
            { n: "2", big: 1n },
          ],
          local,
          ["df"],
        ),
      "df[1].n",
      "expected float",
    );
  });

  it("bad records name where they are", () => {
    const ty = t.dataframe();
    throwsType(() => ty.toLiteral([{ a: 1 }, 5], local, ["df"]), "df[1]", "expected a record");
    throwsType(() => ty.toLiteral([{ a: 1 }, { a: "x" }], local, ["df"]), "mixes number and string");
    throwsType(() => ty.toLiteral([{ a: null }], local, ["df"]), "column a holds only nulls");
    throwsType(() => ty.toLiteral([{ a: { deep: 1 } }], local, ["df"]), "holds object values");
    throwsType(() => ty.toLiteral(42, local, ["df"]), "df: expected dataframe, got", "an Arrow table");
  });

  it("an int64 beyond the safe range is an error when read as a number, a bigint when declared t.bigint", async () => {
    const table = tableFromArrays({ v: BigInt64Array.from([2n ** 60n]) });
    const lit = t.dataframe().toLiteral(table, local);
    await assert.rejects(
      t.dataframe().fromLiteral(lit, local).records(),
      /not a safe integer; declare the column t\.bigint/,
    );
    const big = t.dataframe({ columns: { v: t.bigint } }).fromLiteral(lit, local);
    assert.deepEqual(await big.records(), [{ v: 2n ** 60n }]);
  });
});

describe("Arrow tables", () => {
  const table = tableFromArrays({
    a: Int32Array.from([1, 2, 3]),
    b: Float64Array.from([0.5, 1.5, 2.5]),
    s: ["x", "y", "z"],
  });

  it("an Arrow table is written as is and read back with only the columns asked for", async () => {
    const sd = t.dataframe().fromLiteral(t.dataframe().toLiteral(table, local), local);
    const all = await sd.table();
    assert.deepEqual(
      all.schema.fields.map((f) => f.name),
      ["a", "b", "s"],
    );
    assert.deepEqual(all.getChild("b")!.toArray(), Float64Array.from([0.5, 1.5, 2.5]));
    const sub = await sd.table({ columns: ["s", "a"] });
    assert.deepEqual(sub.schema.fields.map((f) => f.name).sort(), ["a", "s"]);
    await assert.rejects(sd.table({ columns: ["nope"] }), /nope not found|nope/);
  });

  it("declared columns are checked on write and are what readers get", async () => {
    const ty = t.dataframe({ columns: { a: t.int, s: t.str } });
    const sd = ty.fromLiteral(ty.toLiteral(table, local), local);
    assert.deepEqual((await sd.records()).at(-1), { a: 3, s: "z" });
    throwsType(
      () => t.dataframe({ columns: { z: t.int } }).toLiteral(table, local, ["o0"]),
      "column z (int) is missing",
    );
    throwsType(
      () => t.dataframe({ columns: { s: t.int } }).toLiteral(table, local, ["o0"]),
      "column s should hold int",
      "Utf8",
    );
  });

  it("a table from another copy of apache-arrow is refused with a clear error", () => {
    const cjs = createRequire(import.meta.url)("apache-arrow") as typeof import("apache-arrow");
    const foreign = cjs.tableFromArrays({ a: Float64Array.from([1]) });
    assert.notEqual(Object.getPrototypeOf(foreign), Table.prototype, "a table of the CommonJS copy");
    throwsType(() => t.dataframe().toLiteral(foreign, local, ["df"]), "another copy of apache-arrow");
  });
});

describe("lazy reading and streaming", () => {
  it("StructuredDataset.write streams chunks into part files; batches() reads them a batch at a time", async () => {
    const dir = join(root, "streamed");
    async function* chunks() {
      for (let c = 0; c < 3; c++)
        yield tableFromArrays({ x: Float64Array.from({ length: 1000 }, (_, i) => c * 1000 + i) });
    }
    const sd = await StructuredDataset.write(chunks(), { dir });
    assert.deepEqual(readdirSync(dir), ["00000", "00001", "00002"]);
    assert.equal(await sd.numRows(), 3000);
    let n = 0;
    let sum = 0;
    let largest = 0;
    for await (const b of sd.batches({ batchSize: 256 })) {
      n += b.numRows;
      largest = Math.max(largest, b.numRows);
      for (const v of b.getChild("x")!) sum += v as number;
    }
    assert.equal(n, 3000);
    assert.ok(largest <= 256, `batches hold at most 256 rows, got ${largest}`);
    assert.equal(sum, (2999 * 3000) / 2);
    // Locally the directory is kept; in a container it is uploaded as a directory.
    assert.equal(uriOf(t.dataframe().toLiteral(sd, local)), dir);
    const up = uploading();
    assert.equal(uriOf(t.dataframe().toLiteral(sd, up)), "s3://bucket/raw/1/streamed");
    assert.deepEqual(up.puts, [{ name: "streamed", kind: "path" }]);
  });

  it("in a container an in-memory table is uploaded as the part file 00000 of a new directory", () => {
    const up = uploading();
    const lit = t.dataframe().toLiteral([{ a: 1 }], up);
    assert.equal(uriOf(lit), "s3://bucket/raw/1");
    assert.deepEqual(up.puts, [{ name: "00000", kind: "bytes" }]);
  });

  it("a remote dataset is downloaded only when read, and once", async () => {
    const src = uriOf(t.dataframe().toLiteral(rows, local));
    let downloads = 0;
    const remote: DataContext = {
      ...local,
      download: async (uri, isDir) => {
        assert.equal(uri, "s3://bucket/df");
        assert.equal(isDir, true);
        downloads++;
        return src;
      },
    };
    const lit = scalarLiteral({
      case: "structuredDataset",
      value: { $typeName: "flyteidl.core.StructuredDataset", uri: "s3://bucket/df" },
    });
    const sd = t.dataframe().fromLiteral(lit, remote);
    assert.equal(downloads, 0);
    assert.equal(sd.uri, "s3://bucket/df");
    assert.equal((await sd.records()).length, 2);
    assert.equal(await sd.numRows(), 2);
    assert.equal(downloads, 1);
  });

  it("literals that are not parquet datasets are refused", () => {
    const csv = scalarLiteral({
      case: "structuredDataset",
      value: {
        $typeName: "flyteidl.core.StructuredDataset",
        uri: "s3://b/x",
        metadata: {
          $typeName: "flyteidl.core.StructuredDatasetMetadata",
          structuredDatasetType: {
            $typeName: "flyteidl.core.StructuredDatasetType",
            columns: [],
            format: "csv",
            externalSchemaType: "",
            externalSchemaBytes: new Uint8Array(),
          },
        },
      },
    });
    throwsType(() => t.dataframe().fromLiteral(csv, local, ["df"]), 'format is "csv"');
    throwsType(() => t.dataframe().fromLiteral(blobLiteral("s3://b/f", blobType("", 0)), local, ["df"]), "df");
  });
});

describe("dataframes in structs and lists", () => {
  it("a struct field is msgpack {uri, file_format}, as flytekit's StructuredDataset dataclass", async () => {
    const Holder = t.struct({ df: t.dataframe(), n: t.int }, { name: "Holder" });
    const lit = Holder.toLiteral({ df: rows, n: 1 }, local);
    const s = scalarOf(lit);
    assert.equal(s?.value.case, "binary");
    const decoded = decodeMsgpack((s!.value.value as { value: Uint8Array }).value) as Record<string, unknown>;
    assert.deepEqual(Object.keys(decoded), ["df", "n"]);
    assert.deepEqual(Object.keys(decoded.df as object), ["uri", "file_format"]);
    assert.equal((decoded.df as { file_format: string }).file_format, "parquet");
    const back = Holder.fromLiteral(lit, local);
    assert.deepEqual(await back.df.records(), rows);
    assert.deepEqual((Holder.jsonSchema().properties as Record<string, unknown>).df, {
      type: "object",
      title: "StructuredDataset",
      properties: {
        uri: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
        file_format: { anyOf: [{ type: "string" }, { type: "null" }], default: "" },
      },
      additionalProperties: false,
    });
  });

  it("a list of dataframes is a collection of datasets, each in its own directory", async () => {
    const ty = t.list(t.dataframe());
    const lit = ty.toLiteral([[{ a: 1 }], [{ a: 2 }, { a: 3 }]], local);
    const dfs = ty.fromLiteral(lit, local);
    assert.deepEqual(await Promise.all(dfs.map((d) => d.numRows())), [1, 2]);
    assert.notEqual(dfs[0]!.uri, dfs[1]!.uri);
  });
});

describe("dataframes between tasks", () => {
  it("a workflow passes a table from task to task; the reader declares a column subset", async () => {
    const make = task({ name: "df.make", inputs: { n: t.int }, outputs: t.dataframe() }, ({ n }) =>
      tableFromArrays({
        k: Array.from({ length: n }, (_, i) => (i % 2 ? "odd" : "even")),
        v: Float64Array.from({ length: n }, (_, i) => i),
      }),
    );
    const total = task(
      { name: "df.total", inputs: { df: t.dataframe({ columns: { v: t.float } }) }, outputs: t.float },
      async ({ df }) => {
        const tbl = await df.table();
        assert.deepEqual(
          tbl.schema.fields.map((f) => f.name),
          ["v"],
        );
        let s = 0;
        for (const v of tbl.getChild("v")!) s += v as number;
        return s;
      },
    );
    const wf = workflow({ name: "df.wf", inputs: { n: t.int }, outputs: t.float }, ({ n }) =>
      total({ df: make({ n }) }),
    );
    assert.equal(await wf({ n: 100 }), 4950);
  });
});

describe("cold start", () => {
  it("importing flytekit-ts and running a task without dataframes loads neither Arrow, Parquet nor SQLite", () => {
    const dir = mkdtempSync(join(tmpdir(), "cold-"));
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (/apache-arrow|parquet-wasm|better-sqlite3/.test(r.url)) throw new Error("EAGER " + r.url);
  return r;
}\n`,
    );
    const register = join(dir, "register.mjs");
    writeFileSync(
      register,
      `import { register } from "node:module"; register(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    const main = join(dir, "main.mts");
    const index = fileURLToPath(new URL("../../../src/index.ts", import.meta.url));
    writeFileSync(
      main,
      `import { t, task } from ${JSON.stringify(index)};
const add = task({ name: "add", inputs: { a: t.int }, outputs: t.int }, ({ a }) => a + 1);
console.log(await add({ a: 1 }));
await import(${JSON.stringify(import.meta.resolve("apache-arrow"))}).then(() => console.log("loaded"), (e) => console.log(String(e.message).slice(0, 5)));\n`,
    );
    const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "--import", register, main], {
      cwd: process.cwd(),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    // The hook refuses the libraries: the task ran without them, and the control import was refused.
    assert.deepEqual(r.stdout.trim().split("\n"), ["2", "EAGER"]);
    assert.ok(statSync(main).isFile());
  });
});
