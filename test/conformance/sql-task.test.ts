/**
 * SQL tasks against flytekit's `SQLite3Task` (same type, interface and `custom`) and the real Flyte compiler (a
 * SQLite task in its container, and a plugin SQL task with a `sql` target).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { serializationSettings, serializeTask, sqliteTask, sqlTask, t } from "flytekit-ts";
import { bindExports } from "../../src/core/naming.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { TaskTemplateSchema } from "../../src/idl/gen/flyteidl/core/tasks_pb.js";
import { oracleSkip, repoRoot, runCompiler, runPython } from "./oracles.js";

const work = mkdtempSync(join(tmpdir(), "flytekit-ts-sql-"));
after(() => rmSync(work, { recursive: true, force: true }));

const conf = sqliteTask({
  name: "sql.conf",
  uri: "s3://bucket/music.db",
  inputs: { n: t.int },
  queryTemplate: "select * from tracks where plays > {{ .inputs.n }}",
});
const plugin = sqlTask({
  name: "sql.plugin",
  taskType: "query_engine",
  inputs: { ds: t.str },
  outputs: { results: t.dataframe() },
  queryTemplate: "select * from t where ds = '{{ .inputs.ds }}'",
});
bindExports({ conf, plugin }, import.meta.filename, (v): v is never => typeof v === "function");
const settings = serializationSettings({ image: { default: "ghcr.io/acme/x:v1" } });

describe("sqliteTask serializes as flytekit's SQLite3Task", { skip: oracleSkip("python") }, () => {
  test("type, interface and custom equal flytekit's", async () => {
    const out = join(work, "py.json");
    const r = await runPython(join(repoRoot, "test/conformance/py/sqlite_task.py"), [out]);
    assert.equal(r.exitCode, 0, r.stderr);
    const theirs = toJson(TaskTemplateSchema, fromJson(TaskTemplateSchema, JSON.parse(readFileSync(out, "utf8"))));
    const ours = toJson(TaskTemplateSchema, serializeTask(conf, settings).template!) as typeof theirs & object;
    const pick = (x: unknown) => {
      const o = x as Record<string, unknown>;
      return { type: o.type, interface: o.interface, custom: o.custom };
    };
    assert.deepEqual(pick(ours), pick(theirs));
  });
});

describe("SQL tasks compile with Flyte's compiler", { skip: oracleSkip("compiler") }, () => {
  test("a SQLite task and a plugin SQL task with a sql target are accepted", async () => {
    const dir = join(work, "pkg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "0_sql.conf_1.pb"), toBinary(TaskSpecSchema, serializeTask(conf, settings)));
    writeFileSync(join(dir, "1_sql.plugin_1.pb"), toBinary(TaskSpecSchema, serializeTask(plugin, settings)));
    const run = await runCompiler(dir, { noCrd: true });
    for (const name of ["sql.conf", "sql.plugin"]) {
      const result = run.results.find((x) => x.entity.includes(name));
      assert.ok(result?.ok, `${name}: ${run.stdout}${run.stderr}`);
    }
  });
});
