/**
 * Entrypoint conformance with flytekit: pyflyte-execute runs a Python task on an inputs.pb TypeScript wrote and we
 * read its outputs.pb; tsflyte-execute runs the TypeScript twin on an inputs.pb flytekit wrote and flytekit reads
 * ours; for the same failure classes both sides' error.pb have the same kind and origin.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { ErrorDocumentSchema } from "../../src/idl/gen/flyteidl/core/errors_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";
import { oracleSkip, pythonPath } from "./oracles.js";

const repo = join(import.meta.dirname, "..", "..");
const pyDir = join(repo, "test", "conformance", "py", "interop");
const ioScript = join(pyDir, "interop_io.py");

function tsInputs(bad = false): Uint8Array {
  return toBinary(
    LiteralMapSchema,
    literalMap({
      a: bad ? t.str.toLiteral("two", NO_DATA) : t.int.toLiteral(2, NO_DATA),
      b: t.float.toLiteral(0.5, NO_DATA),
      s: t.str.toLiteral("ts", NO_DATA),
      xs: t.list(t.int).toLiteral([1, 2], NO_DATA),
    }),
  );
}

function onlyA(): Uint8Array {
  return toBinary(LiteralMapSchema, literalMap({ a: t.int.toLiteral(3, NO_DATA) }));
}

function py(args: string[]): string {
  const r = spawnSync(pythonPath(), args, { cwd: pyDir, encoding: "utf8", env: { ...process.env, PYTHONPATH: pyDir } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Runs one side's entrypoint on `inputs` and returns its output directory. */
function execute(side: "py" | "ts", task: string, inputs: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), `interop-${side}-`));
  const inputsPb = join(dir, "inputs.pb");
  if (typeof inputs === "string") py([ioScript, inputs, inputsPb]);
  else writeFileSync(inputsPb, inputs);
  const out = join(dir, "out");
  mkdirSync(out);
  const common = ["--inputs", inputsPb, "--output-prefix", out, "--raw-output-data-prefix", join(dir, "raw")];
  const r =
    side === "py"
      ? spawnSync(
          join(dirname(pythonPath()), "pyflyte-execute"),
          [
            ...common,
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
            "--",
            "task-module",
            "interop_tasks",
            "task-name",
            task,
          ],
          { cwd: pyDir, encoding: "utf8", env: { ...process.env, PYTHONPATH: pyDir } },
        )
      : spawnSync(
          process.execPath,
          [
            join(repo, "bin", "tsflyte-execute.js"),
            ...common,
            "--resolver",
            "flytekit_ts.default_task_resolver",
            "--",
            "task-module",
            "test.conformance.fixtures.interop",
            "task-name",
            task,
          ],
          { cwd: repo, encoding: "utf8", env: { ...process.env, FLYTE_PROJECT_ROOT: repo } },
        );
  assert.equal(r.status, 0, `${side} ${task}: ${r.stderr}`);
  return out;
}

function errorOf(out: string): { kind: number; origin: number; code: string } {
  const file = join(out, "error.pb");
  assert.ok(existsSync(file), `no error.pb in ${out}`);
  assert.ok(!existsSync(join(out, "outputs.pb")), "an error leaves no outputs.pb");
  const e = fromBinary(ErrorDocumentSchema, readFileSync(file)).error!;
  return { kind: e.kind, origin: e.origin, code: e.code };
}

describe("entrypoint conformance with pyflyte-execute", { skip: oracleSkip("python") }, () => {
  test("pyflyte-execute runs a Python task on inputs TypeScript wrote; TypeScript reads its outputs", () => {
    const out = execute("py", "add", tsInputs());
    const lm = fromBinary(LiteralMapSchema, readFileSync(join(out, "outputs.pb")));
    assert.equal(t.float.fromLiteral(lm.literals.o0!, NO_DATA), 5.5);
    assert.equal(t.str.fromLiteral(lm.literals.o1!, NO_DATA), "TS");
  });

  test("tsflyte-execute runs the TypeScript twin on inputs flytekit wrote; flytekit reads our outputs", () => {
    assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
    const out = execute("ts", "add", "write-inputs");
    const read = JSON.parse(py([ioScript, "read-outputs", join(out, "outputs.pb")])) as { o0: number; o1: string };
    assert.deepEqual(read, { o0: 5.5, o1: "PY" });
  });

  for (const [failure, task, inputs] of [
    ["a user exception", "boom", undefined],
    ["a recoverable user error", "flaky", undefined],
    ["an input of the wrong type", "add", "bad"],
  ] as const) {
    test(`${failure}: both sides write an error.pb of the same kind and origin`, () => {
      const py = errorOf(execute("py", task, inputs ? tsInputs(true) : tsInputs()));
      const ts = errorOf(execute("ts", task, inputs ? tsInputs(true) : tsInputs()));
      assert.deepEqual(
        { kind: ts.kind, origin: ts.origin },
        { kind: py.kind, origin: py.origin },
        `py ${py.code} vs ts ${ts.code}`,
      );
    });
  }
});
