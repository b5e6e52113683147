import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { toJson } from "@bufbuild/protobuf";
import Database from "better-sqlite3";
import {
  bindQuery,
  FlyteValidationError,
  serializationSettings,
  serializeTask,
  sqliteTask,
  sqlTask,
  t,
  task,
  workflow,
} from "flytekit-ts";
import { bindExports } from "../../../src/core/naming.js";
import { TaskTemplateSchema } from "../../../src/idl/gen/flyteidl/core/tasks_pb.js";

const dir = mkdtempSync(join(tmpdir(), "sql-task-"));
const dbPath = join(dir, "music.db");

before(() => {
  const db = new Database(dbPath);
  db.exec("create table tracks (name text, artist text, plays integer, rating real)");
  const ins = db.prepare("insert into tracks values (?, ?, ?, ?)");
  for (const [n, a, p, r] of [
    ["One", "A", 10, 4.5],
    ["Two", "B", 30, 3.25],
    ["Three", "A", 20, null],
    ["Robert'); drop table tracks;--", "C", 5, 1],
  ])
    ins.run(n, a, p, r);
  db.close();
});

const top = sqliteTask({
  name: "sql.top",
  uri: dbPath,
  inputs: { artist: t.str, n: t.int },
  queryTemplate:
    "select name, plays, rating from tracks where artist = {{ .inputs.artist }} order by plays desc limit {{.inputs.n}}",
  columns: { name: t.str, plays: t.int, rating: t.float },
});

describe("sqliteTask", () => {
  it("runs the query with inputs bound as parameters and returns the rows as a dataframe", async () => {
    const { results } = await top({ artist: "A", n: 5 });
    assert.deepEqual(await results.records(), [
      { name: "Three", plays: 20, rating: null },
      { name: "One", plays: 10, rating: 4.5 },
    ]);
  });

  it("an input never changes the statement: it is a value", async () => {
    const { results } = await top({ artist: "A' or '1'='1", n: 5 });
    assert.deepEqual(await results.records(), []);
    const q = bindQuery("select * from t where a = {{ .inputs.a }} and b = {{.inputs.b}}", { a: "x'--", b: true });
    assert.deepEqual(q, { sql: "select * from t where a = ? and b = ?", params: ["x'--", 1] });
  });

  it("takes the database as a file input, feeding a downstream task in a workflow", async () => {
    const q = sqliteTask({
      name: "sql.by_input",
      databaseInput: "db",
      inputs: { db: t.file(), min: t.int },
      queryTemplate:
        "select artist, sum(plays) as total from tracks where plays >= {{ .inputs.min }} group by artist order by artist",
    });
    const sum = task(
      { name: "sql.sum", inputs: { df: t.dataframe({ columns: { total: t.int } }) }, outputs: t.int },
      async ({ df }) => (await df.records<{ total: number }>()).reduce((s, r) => s + r.total, 0),
    );
    const wf = workflow({ name: "sql.wf", inputs: { db: t.file(), min: t.int }, outputs: t.int }, ({ db, min }) =>
      sum({ df: q({ db, min }).results }),
    );
    assert.equal(await wf({ db: dbPath, min: 10 }), 60);
  });

  it("errors name the task: a missing database, a failing query, bad declarations", async () => {
    const missing = sqliteTask({ name: "sql.missing", uri: join(dir, "nope.db"), queryTemplate: "select 1" });
    await assert.rejects(missing({}), /sql\.missing: cannot open the database .*nope\.db/);
    const bad = sqliteTask({ name: "sql.bad", uri: dbPath, queryTemplate: "select * from nowhere" });
    await assert.rejects(bad({}), /sql\.bad: the query failed: no such table: nowhere/);
    assert.throws(
      () => sqliteTask({ name: "sql.x", uri: dbPath, queryTemplate: "select {{ .inputs.y }}" }),
      /\{\{ \.inputs\.y \}\}, which is not an input/,
    );
    assert.throws(() => sqliteTask({ name: "sql.y", queryTemplate: "select 1" }), FlyteValidationError);
  });

  it("serializes as flytekit's SQLite3Task: type sqlite, custom query_template/compressed/uri, a results dataframe", () => {
    // The container loads the task by its export: name it as a module export would be.
    bindExports({ top }, import.meta.filename, (v): v is never => typeof v === "function");
    const tt = toJson(TaskTemplateSchema, serializeTask(top, serializationSettings()).template!) as Record<string, any>;
    assert.equal(tt.type, "sqlite");
    assert.deepEqual(tt.custom, { query_template: top.queryTemplate, compressed: false, uri: dbPath });
    assert.deepEqual(Object.keys(tt.interface.outputs.variables), ["results"]);
    assert.ok(tt.interface.outputs.variables.results.type.structuredDatasetType);
    assert.ok(tt.container, "it runs in the task's container");
  });
});

describe("sqlTask (run by a backend plugin)", () => {
  it("has a sql target with the query template and dialect, the plugin's type and custom, no container", () => {
    const q = sqlTask({
      name: "sql.plugin",
      taskType: "query_engine",
      taskConfig: { cluster: "c1" },
      dialect: "hive",
      inputs: { ds: t.str },
      outputs: { results: t.dataframe() },
      queryTemplate: "select * from t where ds = '{{ .inputs.ds }}'",
    });
    const tt = toJson(TaskTemplateSchema, serializeTask(q, serializationSettings()).template!) as Record<string, any>;
    assert.equal(tt.type, "query_engine");
    assert.deepEqual(tt.sql, { statement: "select * from t where ds = '{{ .inputs.ds }}'", dialect: "HIVE" });
    assert.deepEqual(tt.custom, { cluster: "c1" });
    assert.equal(tt.container, undefined);
  });
});
