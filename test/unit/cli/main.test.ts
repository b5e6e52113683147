/**
 * The CLI in-process: dispatch, help, version, error printing and the JSON form of outputs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { formatJson, toJsonValue } from "../../../src/cli/json.js";
import { commands, describeError, main, UsageError } from "../../../src/cli/main.js";
import { FlyteBlob } from "../../../src/types/blob.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Runs `main` capturing its output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s), cwd: ROOT });
  return { code, out, err };
}

describe("main", () => {
  test("help lists the commands of the table; no arguments shows it too", async () => {
    const r = await cli("--help");
    assert.equal(r.code, 0);
    for (const [name, c] of Object.entries(commands)) {
      assert.ok(
        r.out.split("\n").some((l) => l.startsWith(`  ${name} `) && l.trimEnd().endsWith(c.summary)),
        name,
      );
    }
    assert.equal((await cli()).out, r.out);
    assert.equal((await cli("help")).out, r.out);
  });

  test("--version prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.deepEqual(await cli("-V"), { code: 0, out: `${pkg.version}\n`, err: "" });
  });

  test("unknown commands and options are usage errors with a hint", async () => {
    const r = await cli("nope");
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `Error: unknown command "nope"; the commands are ${Object.keys(commands).join(", ")}\nRun 'tsflyte --help' for usage.\n`,
    );
    assert.match((await cli("--nope")).err, /^Error: unknown option --nope\n/);
  });

  test("runs a workflow in-process, with progress lines and a summary (stderr is no terminal here)", async () => {
    const home = mkdtempSync(join(tmpdir(), "main-home-"));
    process.env.FLYTEKIT_TS_HOME = home;
    try {
      const r = await cli("run", "examples/hello.ts", "wf", "--name", "in-process");
      assert.equal(r.code, 0);
      assert.equal(r.out, '"Hello, in-process!"\n');
      assert.match(r.err, /^Running workflow examples\.hello\.wf locally\n\[ +[0-9.]+s\] n0 examples\.hello\.sayHello/);
      assert.match(r.err, /\nWorkflow examples\.hello\.wf succeeded in .*\n {2}✓ n0 {2}examples\.hello\.sayHello/);
      assert.equal(readdirSync(join(home, "runs")).length, 1, "the run is recorded");
    } finally {
      delete process.env.FLYTEKIT_TS_HOME;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("describeError", () => {
  test("the message, the hint, and causes not already in the message", () => {
    const root = new Error("disk full");
    const mid = new Error("cannot write out.bin: disk full", { cause: root });
    assert.equal(
      describeError(new Error("save failed", { cause: mid }), false),
      "Error: save failed\n  Caused by: cannot write out.bin: disk full\n",
    );
    assert.equal(describeError(new UsageError("bad flag", "see --help"), false), "Error: bad flag\nsee --help\n");
    assert.equal(describeError("a string", false), "Error: a string\n");
  });

  test("stack traces with verbose", () => {
    const text = describeError(new Error("outer", { cause: new TypeError("inner") }), true);
    assert.match(text, /^Error: Error: outer\n\s+at /);
    assert.match(text, /\nCaused by: TypeError: inner\n\s+at /);
  });

  test("a cause cycle ends", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(describeError(a, false), "Error: a\n  Caused by: b\n");
  });
});

describe("toJsonValue", () => {
  test("values JSON cannot hold get readable stand-ins", () => {
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const shared = [1];
    assert.deepEqual(
      toJsonValue({
        at: new Date("2024-05-01T00:00:00Z"),
        bad: new Date(Number.NaN),
        n: 2n ** 64n,
        file: new FlyteBlob("/data/x.csv", false),
        dir: new FlyteBlob("s3://bucket/d", true),
        map: new Map([["a", 1]]),
        oddMap: new Map<unknown, unknown>([[1, "one"]]),
        set: new Set(["x", "y"]),
        bytes: new Uint8Array([104, 105]),
        floats: new Float64Array([0.5]),
        nums: [Number.NaN, Infinity, -Infinity],
        missing: undefined,
        error: new RangeError("r"),
        cyclic,
        twice: [shared, shared],
      }),
      {
        at: "2024-05-01T00:00:00.000Z",
        bad: null,
        n: "18446744073709551616",
        file: "/data/x.csv",
        dir: "s3://bucket/d",
        map: { a: 1 },
        oddMap: [[1, "one"]],
        set: ["x", "y"],
        bytes: "aGk=",
        floats: [0.5],
        nums: ["NaN", "Infinity", "-Infinity"],
        missing: null,
        error: { name: "RangeError", message: "r" },
        cyclic: { name: "c", self: "[Circular]" },
        twice: [[1], [1]],
      },
    );
  });

  test("a __proto__ key stays data", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = toJsonValue(parsed) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ["__proto__"]);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.equal(formatJson(new Map([["__proto__", 1]])), '{\n  "__proto__": 1\n}');
  });
});
