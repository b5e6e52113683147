/**
 * Entrypoint conformance with flytekit, through the container contract (inputs.pb → outputs.pb or error.pb):
 *
 * - `pyflyte-execute` runs a Python task on an `inputs.pb` our type engine wrote, and we read its `outputs.pb`;
 * - `tsflyte-execute` runs the TypeScript twin on an `inputs.pb` flytekit's TypeEngine wrote, and flytekit reads ours;
 * - for the same failures, both sides' `error.pb` have the same kind and origin (their codes and messages are printed
 *   as diagnostics; the intentional differences are in docs/conformance.md).
 *
 * Python side: test/conformance/py/tasks/ (conformance_tasks.py, conformance_io.py). TypeScript side:
 * test/conformance/fixtures/entrypoint_tasks.ts, run by `node bin/tsflyte-execute.js` (needs `npm run build`).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import type { Task } from "../../src/core/task.js";
import { ContainerError_KindSchema, ErrorDocumentSchema } from "../../src/idl/gen/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKindSchema } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";
import * as tasks from "./fixtures/entrypoint_tasks.js";
import { oracleSkip, pythonPath, repoRoot } from "./oracles.js";

const skip = oracleSkip("python");
const pyTasksDir = join(repoRoot, "test", "conformance", "py", "tasks");
const ioScript = join(pyTasksDir, "conformance_io.py");
const TS_MODULE = "test.conformance.fixtures.entrypoint_tasks";
const PY_MODULE = "conformance_tasks";
const scratch = mkdtempSync(join(tmpdir(), "entrypoint-conformance-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs conformance_io.py (flytekit's TypeEngine) and returns its stdout. */
async function pyIo(args: string[]): Promise<string> {
  const r = await exec(pythonPath(), [ioScript, ...args], pyTasksDir, { PYTHONPATH: pyTasksDir });
  assert.equal(r.status, 0, `conformance_io.py ${args[0]}: ${r.stderr}`);
  return r.stdout;
}

let dirs = 0;

/** A fresh directory holding `inputs.pb`; returns its path. */
function inputsFile(bytes: Uint8Array): string {
  const dir = join(scratch, `run-${++dirs}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "inputs.pb"), bytes);
  return join(dir, "inputs.pb");
}

/**
 * Runs `task` with one side's entrypoint on `inputs` (a local inputs.pb), with the argument tail each SDK's default
 * resolver writes at registration, and returns the output prefix (a local directory).
 */
async function execute(side: "py" | "ts", task: string, inputs: string): Promise<string> {
  const base = join(dirname(inputs), side);
  mkdirSync(base);
  const out = join(base, "out");
  const common = ["--inputs", inputs, "--output-prefix", out, "--raw-output-data-prefix", join(base, "raw")];
  const r =
    side === "py"
      ? await exec(
          join(dirname(pythonPath()), "pyflyte-execute"),
          [
            ...common,
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
            "--",
            "task-module",
            PY_MODULE,
            "task-name",
            task,
          ],
          pyTasksDir,
          { PYTHONPATH: pyTasksDir },
        )
      : await exec(
          process.execPath,
          [
            join(repoRoot, "bin", "tsflyte-execute.js"),
            ...common,
            "--resolver",
            "flytekit_ts.default_task_resolver",
            "--",
            "task-module",
            TS_MODULE,
            "task-name",
            task,
          ],
          repoRoot,
          { FLYTE_PROJECT_ROOT: repoRoot },
        );
  // Both exit 0 on a task failure (FLYTE_FAIL_ON_ERROR unset): propeller reads the outcome from error.pb.
  assert.equal(r.status, 0, `${side} ${task} exited ${r.status}:\n${r.stderr}`);
  return out;
}

/** Our type engine's inputs.pb for `task`'s inputs, from the fixture's declared types. */
function tsInputs(task: Task, values: object): Uint8Array {
  const literals = Object.fromEntries(
    task.interface.inputs.map(
      ([k, type]) => [k, type.toLiteral((values as Record<string, unknown>)[k], NO_DATA)] as const,
    ),
  );
  return toBinary(LiteralMapSchema, literalMap(literals));
}

/** Reads outputs.pb with our type engine (the fixture's declared output types). */
function tsOutputs(task: Task, out: string): Record<string, unknown> {
  const file = join(out, "outputs.pb");
  assert.ok(existsSync(file), `no outputs.pb in ${out}`);
  const lm = fromBinary(LiteralMapSchema, readFileSync(file));
  assert.deepEqual(Object.keys(lm.literals).sort(), task.interface.outputs.map(([k]) => k).sort());
  return Object.fromEntries(task.interface.outputs.map(([k, type]) => [k, type.fromLiteral(lm.literals[k]!, NO_DATA)]));
}

interface Point {
  x: number;
  y: number;
  label: string;
  tags: string[];
}
interface SummarizeInputs {
  a: number;
  b: number;
  s: string;
  xs: number[];
  d: Record<string, number>;
  p: Point;
}

/** What `summarize` returns, computed here independently of both SDKs. */
function summarized(v: SummarizeInputs): Record<string, unknown> {
  const sum = (ns: number[]) => ns.reduce((x, y) => x + y, 0);
  return {
    total: v.a + v.b + sum(v.xs) + sum(Object.values(v.d)) + v.p.x,
    shout: v.s.toUpperCase(),
    doubled: v.xs.map((x) => x * 2),
    scaled: Object.fromEntries(Object.entries(v.d).map(([k, n]) => [k, n * v.a])),
    moved: { x: v.p.x + v.a, y: v.p.y * 2, label: `${v.p.label}!`, tags: [...v.p.tags, v.s] },
  };
}

describe("entrypoint conformance with pyflyte-execute", { skip }, () => {
  test("the TypeScript side is built", () => {
    assert.ok(existsSync(join(repoRoot, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
  });

  test("pyflyte-execute runs summarize on an inputs.pb our type engine wrote; we read its outputs.pb", async () => {
    const values: SummarizeInputs = {
      a: 3,
      b: 0.25,
      s: "from ts",
      xs: [1, 2, 3, -4],
      d: { u: 1, v: 2, "with space": 10 },
      p: { x: 7, y: 1.5, label: "p", tags: ["t1", "é✓"] },
    };
    const out = await execute("py", "summarize", inputsFile(tsInputs(tasks.summarize, values)));
    assert.deepEqual(tsOutputs(tasks.summarize, out), summarized(values));
  });

  test("pyflyte-execute runs pair (positional outputs o0, o1); we read them", async () => {
    const out = await execute("py", "pair", inputsFile(tsInputs(tasks.pair, { a: -4, s: "ab" })));
    assert.deepEqual(tsOutputs(tasks.pair, out), { o0: -40, o1: "abab" });
  });

  test("tsflyte-execute runs summarize on an inputs.pb flytekit's TypeEngine wrote; flytekit reads our outputs.pb", async () => {
    const values: SummarizeInputs = {
      a: 2,
      b: 0.5,
      s: "from py",
      xs: [10, 20],
      d: { only: 5 },
      p: { x: 1, y: -2.75, label: "q", tags: [] },
    };
    const inputs = join(scratch, `run-${++dirs}`, "inputs.pb");
    mkdirSync(dirname(inputs));
    await pyIo(["write-inputs", "summarize", JSON.stringify(values), inputs]);
    const out = await execute("ts", "summarize", inputs);
    const read = JSON.parse(await pyIo(["read-outputs", "summarize", join(out, "outputs.pb")]));
    assert.deepEqual(read, summarized(values));
  });

  test("tsflyte-execute runs pair on flytekit's inputs; flytekit reads o0, o1", async () => {
    const inputs = join(scratch, `run-${++dirs}`, "inputs.pb");
    mkdirSync(dirname(inputs));
    await pyIo(["write-inputs", "pair", JSON.stringify({ a: 6, s: "xy" }), inputs]);
    const out = await execute("ts", "pair", inputs);
    assert.deepEqual(JSON.parse(await pyIo(["read-outputs", "pair", join(out, "outputs.pb")])), {
      o0: 60,
      o1: "xyxy",
    });
  });

  const failures: { what: string; task: string; inputs: () => Uint8Array }[] = [
    { what: "a user exception in the body", task: "boom", inputs: () => tsInputs(tasks.boom, { a: 1 }) },
    {
      what: "a recoverable user error (FlyteRecoverableException / FlyteRecoverableError)",
      task: "flaky",
      inputs: () => tsInputs(tasks.flaky, { a: 1 }),
    },
    {
      what: "an input of the wrong type (a string where an int is declared)",
      task: "pair",
      inputs: () =>
        toBinary(
          LiteralMapSchema,
          literalMap({ a: t.str.toLiteral("four", NO_DATA), s: t.str.toLiteral("ab", NO_DATA) }),
        ),
    },
    {
      what: "a task that cannot be loaded (no such export)",
      task: "no_such_task",
      inputs: () => tsInputs(tasks.boom, { a: 1 }),
    },
  ];
  for (const f of failures) {
    test(`${f.what}: both error.pb have the same kind and origin`, async (ctx) => {
      const inputs = inputsFile(f.inputs());
      const [py, ts] = await Promise.all([execute("py", f.task, inputs), execute("ts", f.task, inputs)]);
      for (const out of [py, ts])
        assert.ok(!existsSync(join(out, "outputs.pb")), `${out}: a failure writes no outputs.pb`);
      // Decoded by flytekit's flyteidl and by our bindings: both must read both files the same way.
      const [pyDoc, tsDoc] = (await Promise.all([py, ts].map((o) => pyIo(["read-error", join(o, "error.pb")])))).map(
        (s) => JSON.parse(s) as { code: string; kind: string; origin: string; message: string },
      );
      const ours = [py, ts].map((o) => fromBinary(ErrorDocumentSchema, readFileSync(join(o, "error.pb"))).error!);
      for (const [i, e] of ours.entries()) {
        const doc = [pyDoc, tsDoc][i]!;
        assert.equal(ContainerError_KindSchema.value[e.kind]?.name, doc.kind);
        assert.equal(ExecutionError_ErrorKindSchema.value[e.origin]?.name, doc.origin);
        assert.equal(e.code, doc.code);
      }
      // The first line of each message's `Message:` section: the error's type and text.
      const headline = (m: string) => m.split("\nMessage:\n\n")[1]?.split("\n")[0]?.trim();
      ctx.diagnostic(`flytekit:    ${pyDoc.kind} ${pyDoc.origin} ${pyDoc.code}: ${headline(pyDoc.message)}`);
      ctx.diagnostic(`flytekit-ts: ${tsDoc.kind} ${tsDoc.origin} ${tsDoc.code}: ${headline(tsDoc.message)}`);
      assert.deepEqual(
        { kind: tsDoc.kind, origin: tsDoc.origin },
        { kind: pyDoc.kind, origin: pyDoc.origin },
        `flytekit wrote ${pyDoc.code}, we wrote ${tsDoc.code}`,
      );
      for (const doc of [pyDoc, tsDoc]) {
        assert.match(doc.message, /^Trace:\n\n[\s\S]*\nMessage:\n\n {4}\S/, "flytekit's message layout");
      }
    });
  }
});
