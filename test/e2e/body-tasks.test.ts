/**
 * Tasks defined inside a workflow body: named after the workflow, serialized with the workflow as their resolver
 * (loader args: their index), and loaded back through it by the container entrypoint.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Serializer, serializationSettings, t } from "flytekit-ts";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";
import { bindExports } from "../../src/core/naming.js";

const repo = join(import.meta.dirname, "..", "..");

test("tasks defined in a workflow body run locally, serialize with the workflow as resolver, and load in a container", async () => {
  const file = join(repo, "test", "e2e", "fixtures", "body", "wf.ts");
  const mod = await import("./fixtures/body/wf.js");
  bindExports(
    mod as Record<string, unknown>,
    file,
    (v): v is never => typeof v === "function" && "identity" in (v as object),
  );
  assert.equal(await mod.inBody({ x: 5 }), 11);

  const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
  s.add(mod.inBody);
  const tasks = s.entities.filter((e) => e.kind === 1);
  assert.deepEqual(
    tasks.map((e) => e.name),
    [
      "test.e2e.fixtures.body.wf.inBody.test.e2e.fixtures.body.wf.task_0",
      "test.e2e.fixtures.body.wf.inBody.test.e2e.fixtures.body.wf.inc",
    ],
  );
  const args = tasks.map((e) =>
    e.kind === 1 && e.spec.template?.target.case === "container" ? e.spec.template.target.value.args : [],
  );
  for (const [i, a] of args.entries()) {
    assert.deepEqual(a.slice(-4), ["--resolver", "test.e2e.fixtures.body.wf.inBody", "--", String(i)]);
  }

  assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "body-e2e-"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ v: t.int.toLiteral(20, NO_DATA) })));
  const r = spawnSync(
    process.execPath,
    [
      join(repo, "bin", "tsflyte-execute.js"),
      "--inputs",
      join(dir, "inputs.pb"),
      "--output-prefix",
      join(dir, "out"),
      "--raw-output-data-prefix",
      join(dir, "raw"),
      ...args[0]!.slice(-4),
    ],
    { cwd: repo, encoding: "utf8", env: { ...process.env, FLYTE_PROJECT_ROOT: repo } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(dir, "out", "outputs.pb")), r.stderr);
  const out = fromBinary(LiteralMapSchema, readFileSync(join(dir, "out", "outputs.pb")));
  assert.equal(t.int.fromLiteral(out.literals.o0!, NO_DATA), 40);
});
