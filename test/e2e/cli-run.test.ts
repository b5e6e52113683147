/**
 * `tsflyte run` as a user runs it: `node bin/tsflyte.js ...` in a subprocess, on the built CLI (dist/), loading
 * TypeScript files that import "flytekit-ts" (the package's build, by self-reference).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, cliScratch, ROOT } from "../helpers/cli.js";

const FIXTURE = "test/e2e/fixtures/cli-run.ts";
const { scratch, env } = cliScratch("tsflyte-run-");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tsflyte(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Runs and expects success; returns the parsed JSON on stdout. */
async function ok(...args: string[]): Promise<unknown> {
  const r = await tsflyte(...args);
  assert.equal(r.code, 0, `tsflyte ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs and expects exit code 1 with a one-line-per-error message and no stack trace; returns stderr. */
async function fails(...args: string[]): Promise<string> {
  const r = await tsflyte(...args);
  assert.equal(r.code, 1, `expected tsflyte ${args.join(" ")} to fail; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stdout, "");
  // The run's progress lines and summary may come first; the error is last.
  assert.match(r.stderr, /^((Running|\[| {2}|Task|Workflow|Launch plan|Recorded).*\n)*Error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace without --verbose");
  return r.stderr;
}

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` before the e2e tests");
  }
});

after(() => rmSync(scratch, { recursive: true, force: true }));

describe("tsflyte run", { concurrency: true }, () => {
  test("runs the hello workflow and prints its output as JSON, with a header, progress and a summary on stderr", async () => {
    const r = await tsflyte("run", "examples/hello.ts", "wf", "--name", "world");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), "Hello, world!");
    assert.match(
      r.stderr,
      /^Running workflow examples\.hello\.wf locally\n\[ +[0-9.]+s\] n0 examples\.hello\.sayHello: queued\n/,
    );
    assert.match(r.stderr, /\] n0 examples\.hello\.sayHello: succeeded in \S+\n/);
    assert.match(r.stderr, /\nWorkflow examples\.hello\.wf succeeded in \S+ \(1 node: 1 succeeded\)\n/);
    assert.match(r.stderr, /\nRecorded as run \d{8}T\d{9}Z-[0-9a-f]{8}; 'tsflyte ui' shows it\n$/);
  });

  test("--json prints one JSON document; --quiet only the outputs; --name=value; a full Flyte name; defaults", async () => {
    const r = await tsflyte("run", "examples/hello.ts", "examples.hello.wf", "--name=Ada", "--json");
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: unknown; run: Record<string, unknown>; nodes: unknown[] };
    assert.equal(doc.outputs, "Hello, Ada!");
    assert.equal(doc.run.status, "succeeded");
    assert.equal(doc.run.entity, "examples.hello.wf");
    assert.equal(doc.nodes.length, 1);
    assert.equal(r.stderr, "");
    const quiet = await tsflyte("run", "-q", "examples/hello.ts", "wf", "--name", "Q");
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '"Hello, Q!"\n', ""]);
    assert.equal(
      ((await ok("run", "--json", "examples/hello.ts", "wf")) as { outputs: unknown }).outputs,
      "Hello, world!",
    );
    assert.equal(await ok("run", "examples/hello.ts", "sayHello", "--name", "task"), "Hello, task!");
  });

  test("runs a plain JavaScript file, without the TypeScript loader", async () => {
    assert.equal(await ok("run", "test/e2e/fixtures/cli-plain.js", "double", "--x", "21"), 42);
  });

  test("named outputs, tuples and launch plans with fixed inputs", async () => {
    assert.deepEqual(await ok("run", "examples/outputs.ts", "wf", "--xs", "[3, 1, 4, 1, 5]"), {
      text: "5 values in [1, 5], mean 2.80",
      mean: 2.8,
    });
    assert.deepEqual(await ok("run", "examples/outputs.ts", "minMax", "--xs", "[2, -1]"), [-1, 2]);
    assert.equal(await ok("run", FIXTURE, "addFive", "--a", "1"), 6);
    assert.equal(await ok("run", FIXTURE, "cli_run.add_five", "--a", "2"), 7);
    assert.match(await fails("run", FIXTURE, "addFive", "--a", "1", "--b", "2"), /unknown option --b/);
    assert.equal(await ok("run", FIXTURE, "nothing"), null);
  });

  test("parses every kind of input", async () => {
    const doc = await ok(
      ...["run", FIXTURE, "echo", "--json"],
      ...["--i", "-5", "--big", "-1234567890123456789", "--f", "1.5e3", "--s", "hi", "--flag"],
      ...["--when", "2024-05-01T12:00:00+02:00", "--every", "PT1H30M", "--color", "green"],
      ...["--xs", "[1,2]", "--m", '{"a":1.5}', "--point", '{"x":1,"y":2}', "--d", '{"k":[1,null]}'],
      ...["--maybe", "7", "--label", "null", "--either", "hello", "--anything", '{"a":[1,2]}'],
    );
    const out = (doc as { outputs: unknown }).outputs;
    assert.deepEqual(out, {
      i: -5,
      big: "-1234567890123456789",
      f: 1500,
      s: "hi",
      flag: true,
      when: "2024-05-01T10:00:00.000Z",
      every: 5_400_000,
      color: "green",
      xs: [1, 2],
      m: { a: 1.5 },
      point: { x: 1, y: 2 },
      d: { k: [1, null] },
      maybe: 7,
      label: null,
      either: "hello",
      anything: { a: [1, 2] },
    });
    const go = (await ok("run", FIXTURE, "echo", "--every", "1h30m", "--no-flag", "--either", "5")) as Record<
      string,
      unknown
    >;
    assert.equal(go.every, 5_400_000);
    assert.equal(go.flag, false);
    assert.equal(go.either, 5);
  });

  test("an input named like a run option takes the flag", async () => {
    assert.equal(await ok("run", FIXTURE, "shadow", "--json"), true);
    assert.equal(await ok("run", FIXTURE, "shadow", "--json", "false"), false);
    assert.equal(await ok("run", FIXTURE, "shadow", "--json", "false", "--quiet"), false);
  });

  test("a file input is a local path that must exist; a file output prints as its path", async () => {
    const file = join(scratch, "notes.txt");
    writeFileSync(file, "first line\nsecond\n");
    assert.deepEqual(await ok("run", FIXTURE, "head", "--file", file), { bytes: 18, first: "first line" });
    assert.equal(await ok("run", FIXTURE, "same", "--file", file), file);
    assert.equal(await ok("run", FIXTURE, "same", "--file", "examples/hello.ts"), join(ROOT, "examples", "hello.ts"));
    const err = await fails("run", FIXTURE, "head", "--file", join(scratch, "missing.txt"));
    assert.match(err, /--file \(file\)/);
    assert.match(err, /no such file/);
    assert.match(await fails("run", FIXTURE, "head", "--file", scratch), /is a directory, not a file/);
  });

  test("a dir input lists what is in it", async () => {
    const dir = join(scratch, "tree");
    mkdirSync(dir);
    writeFileSync(join(dir, "b.txt"), "");
    writeFileSync(join(dir, "a.txt"), "");
    assert.deepEqual(await ok("run", FIXTURE, "ls", "--dir", dir), ["a.txt", "b.txt"]);
  });

  test("a bad int names the input, the value and the type", async () => {
    const err = await fails("run", FIXTURE, "add", "--a", "abc", "--b", "2");
    assert.match(err, /^Error: invalid value "abc" for --a \(int\): not an integer\n/);
    assert.match(err, new RegExp(`Run 'tsflyte run ${FIXTURE} add --help' to see its inputs`));
    assert.match(await fails("run", "examples/hello.ts", "wf", "--name"), /--name needs a value \(str\)/);
    assert.match(await fails("run", FIXTURE, "echo", "--xs", "[1,"), /--xs \(list<int>\): not valid JSON/);
    assert.match(await fails("run", FIXTURE, "echo", "--color", "blue"), /not one of red, green/);
  });

  test("missing required inputs are listed with their types", async () => {
    const one = await fails("run", FIXTURE, "add", "--a", "1");
    assert.match(one, /missing required input for task test\.e2e\.fixtures\.cli-run\.add: --b \(int\)/);
    assert.match(await fails("run", FIXTURE, "add"), /missing required inputs for .*: --a \(int\), --b \(int\)/);
  });

  test("unknown flags, entities and files are errors", async () => {
    assert.match(
      await fails("run", "examples/hello.ts", "wf", "--nme", "x"),
      /unknown option --nme .*the inputs are --name/,
    );
    assert.match(await fails("run", "examples/hello.ts", "wf", "stray"), /unexpected argument "stray"/);
    assert.match(
      await fails("run", "examples/hello.ts", "nope"),
      /no task, workflow or launch plan named "nope" .*it exports sayHello, wf/,
    );
    assert.match(await fails("run", "examples/nope.ts", "wf"), /no such file: examples\/nope\.ts/);
    assert.match(await fails("run", "examples/hello.ts"), /missing NAME/);
    assert.match(await fails("run"), /missing FILE and NAME/);
    assert.match(await fails("frobnicate"), /unknown command "frobnicate"/);
  });

  test("a TypeScript file in a CommonJS package is refused with the fix", async () => {
    const cjs = join(scratch, "cjs");
    mkdirSync(cjs);
    writeFileSync(join(cjs, "package.json"), "{}");
    writeFileSync(join(cjs, "wf.ts"), "export const answer = 42;\n");
    const err = await fails("run", join(cjs, "wf.ts"), "answer");
    assert.match(err, /cannot load .*wf\.ts: .*flytekit-ts is ESM-only: set "type": "module" in package\.json/);
    writeFileSync(join(cjs, "package.json"), '{"type": "module"}');
    const help = await tsflyte("run", join(cjs, "wf.ts"), "--help");
    assert.match(help.stdout, /exports no tasks, workflows or launch plans/);
  });

  test("a failing task prints its error and causes, and stack traces only with --verbose", async () => {
    const err = await fails("run", FIXTURE, "fail");
    assert.match(err, /Error: Error encountered while executing '.*fail': boom\n\s+Caused by: the root cause\n$/);
    const verbose = await tsflyte("run", FIXTURE, "fail", "--why", "bang", "--verbose");
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /bang/);
    assert.match(verbose.stderr, /\n\s+at /);
    assert.match(verbose.stderr, /Caused by: Error: the root cause/);
  });
});

describe("tsflyte help", { concurrency: true }, () => {
  test("run FILE --help lists the entities with their inputs", async () => {
    const r = await tsflyte("run", "examples/hello.ts", "--help");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Tasks:\n {2}sayHello +--name <str>\n/);
    assert.match(r.stdout, /Workflows:\n {2}wf +\[--name <str>\]\n/);
    const lp = (await tsflyte("run", FIXTURE, "-h")).stdout;
    assert.match(lp, /Launch plans:\n {2}addFive +--a <int>/);
  });

  test("run FILE NAME --help shows inputs with types, defaults and descriptions, and outputs", async () => {
    const r = await tsflyte("run", "examples/hello.ts", "wf", "--help");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Workflow examples\.hello\.wf/);
    assert.match(r.stdout, /Inputs:\n {2}--name +str +\(default: "world"\)\n/);
    assert.match(r.stdout, /Outputs:\n {2}o0 +str\n/);
    const add = (await tsflyte("run", FIXTURE, "add", "--a", "1", "--help")).stdout;
    assert.match(add, /Adds two integers\./);
    assert.match(add, /--a +int +\(required\) +the first term/);
    const head = (await tsflyte("run", FIXTURE, "head", "--help")).stdout;
    assert.match(head, /--file +file +\(required; a file or URI\) +the file to read/);
    assert.match(head, /Outputs:\n {2}bytes +int\n {2}first +str\n/);
    const lp = (await tsflyte("run", FIXTURE, "addFive", "--help")).stdout;
    assert.match(lp, /Launch plan cli_run\.add_five/);
    assert.match(lp, /fixed inputs \(not settable\): b/);
  });

  test("tsflyte --help, run --help and --version", async () => {
    const top = await tsflyte("--help");
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Usage: tsflyte/);
    assert.match(top.stdout, /Commands:\n {2}run +Run a task, workflow or launch plan locally/);
    const run = await tsflyte("run", "--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: tsflyte run .*FILE NAME/);
    assert.match(run.stdout, /--json/);
    assert.equal((await tsflyte("help", "run")).stdout, run.stdout);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal((await tsflyte("--version")).stdout, `${pkg.version}\n`);
  });
});
