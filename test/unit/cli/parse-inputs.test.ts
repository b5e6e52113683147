/**
 * Command-line inputs: each declared type read from its string form, and the flag grammar around them.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { UsageError } from "../../../src/cli/command.js";
import { inputFormat, isBoolFlag, parseInputs, parseInputValue } from "../../../src/cli/parse-inputs.js";
import { FlyteBlob } from "../../../src/types/blob.js";
import { t } from "../../../src/types/index.js";
import type { StandardJSONSchemaV1 } from "../../../src/types/standard-schema.js";
import type { AnyType } from "../../../src/types/type.js";

/** Asserts that reading `raw` as `type` fails with a UsageError whose message matches every pattern. */
function rejects(type: AnyType, raw: string, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseInputValue("x", type, raw),
    (e: unknown) => {
      assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
      assert.match(e.message, /--x/);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

describe("parseInputValue", () => {
  test("int: decimal integers only; the message names the input, the value and the type", () => {
    assert.equal(parseInputValue("n", t.int, "42"), 42);
    assert.equal(parseInputValue("n", t.int, "-7"), -7);
    assert.equal(parseInputValue("n", t.int, "+3"), 3);
    assert.equal(parseInputValue("n", t.int, " 8 "), 8);
    rejects(t.int, "abc", /"abc"/, /\(int\)/, /not an integer/);
    for (const bad of ["1.5", "", "1e3", "0x10", "1_000"]) rejects(t.int, bad, /not an integer/);
    rejects(t.int, "9007199254740993", /safe integer range/, /t\.bigint/);
  });

  test("bigint: the full int64 range, exactly", () => {
    assert.equal(parseInputValue("n", t.bigint, "9223372036854775807"), 9223372036854775807n);
    assert.equal(parseInputValue("n", t.bigint, "-9223372036854775808"), -9223372036854775808n);
    rejects(t.bigint, "9223372036854775808", /int64 range/);
    rejects(t.bigint, "12.5", /not an integer/);
  });

  test("float: decimal and exponent forms, inf and nan", () => {
    assert.equal(parseInputValue("f", t.float, "1.5"), 1.5);
    assert.equal(parseInputValue("f", t.float, "-2e3"), -2000);
    assert.equal(parseInputValue("f", t.float, ".5"), 0.5);
    assert.equal(parseInputValue("f", t.float, "3"), 3);
    assert.equal(parseInputValue("f", t.float, "-inf"), -Infinity);
    assert.ok(Number.isNaN(parseInputValue("f", t.float, "NaN")));
    for (const bad of ["abc", "1.2.3", "", "1,5"]) rejects(t.float, bad, /\(float\)/, /not a number/);
  });

  test("str: the text as given", () => {
    for (const s of ["hello", "", "--not-a-flag", "  spaced  ", "null"])
      assert.equal(parseInputValue("s", t.str, s), s);
  });

  test("bool: true/false and the usual spellings", () => {
    for (const s of ["true", "TRUE", "yes", "y", "on", "1", "t"]) assert.equal(parseInputValue("b", t.bool, s), true);
    for (const s of ["false", "False", "no", "n", "off", "0", "f"])
      assert.equal(parseInputValue("b", t.bool, s), false);
    rejects(t.bool, "maybe", /\(bool\)/, /true or false/);
  });

  test("datetime: ISO-8601, UTC unless a zone is given", () => {
    const at = (s: string) => (parseInputValue("d", t.datetime, s) as Date).toISOString();
    assert.equal(at("2024-05-01"), "2024-05-01T00:00:00.000Z");
    assert.equal(at("2024-05-01T12:30"), "2024-05-01T12:30:00.000Z");
    assert.equal(at("2024-05-01 12:30:15"), "2024-05-01T12:30:15.000Z");
    assert.equal(at("2024-05-01T12:00:00.250+02:00"), "2024-05-01T10:00:00.250Z");
    assert.equal(at("2024-05-01T12:00:00-0530"), "2024-05-01T17:30:00.000Z");
    assert.equal(at("2024-05-01T12:00:00.123000Z"), "2024-05-01T12:00:00.123Z");
    assert.equal(at("0042-01-01"), "0042-01-01T00:00:00.000Z");
    const now = Date.now();
    assert.ok(Math.abs((parseInputValue("d", t.datetime, "now") as Date).getTime() - now) < 5000);
    assert.equal(at("today").slice(11), "00:00:00.000Z");
    rejects(t.datetime, "2024-02-30", /not a valid calendar date/);
    rejects(t.datetime, "2024-05-01T25:00", /not a valid calendar date/);
    rejects(t.datetime, "yesterday", /\(datetime\)/, /ISO-8601/);
    rejects(t.datetime, "2024-05-01T12:00:00.1234Z", /sub-millisecond/);
  });

  test("duration: ISO-8601, Go-style, or milliseconds", () => {
    const ms = (s: string) => parseInputValue("d", t.duration, s);
    assert.equal(ms("PT1H30M"), 5_400_000);
    assert.equal(ms("pt1h30m"), 5_400_000);
    assert.equal(ms("P1DT2H"), 26 * 3_600_000);
    assert.equal(ms("P1W"), 7 * 86_400_000);
    assert.equal(ms("PT0.5S"), 500);
    assert.equal(ms("PT0,5S"), 500);
    assert.equal(ms("-PT5S"), -5000);
    assert.equal(ms("P0D"), 0);
    assert.equal(ms("1h30m"), 5_400_000);
    assert.equal(ms("250ms"), 250);
    assert.equal(ms("1.5s"), 1500);
    assert.equal(ms("1500"), 1500);
    assert.equal(ms("2.5"), 2.5);
    rejects(t.duration, "P1M", /years and months/);
    rejects(t.duration, "P1Y", /years and months/);
    for (const bad of ["P", "PT", "P1DT", "abc", "1x", ""]) rejects(t.duration, bad, /\(duration\)/, /not a duration/);
  });

  test("enum: a member, or an error listing them", () => {
    const color = t.enum(["red", "green"]);
    assert.equal(parseInputValue("c", color, "green"), "green");
    rejects(color, "blue", /"blue"/, /not one of red, green/);
    rejects(color, "Red", /not one of/);
  });

  test("list, map, struct, dict: JSON, checked element by element", () => {
    assert.deepEqual(parseInputValue("xs", t.list(t.int), "[1, 2, 3]"), [1, 2, 3]);
    assert.deepEqual(parseInputValue("xs", t.list(t.list(t.str)), '[["a"], []]'), [["a"], []]);
    assert.deepEqual(parseInputValue("m", t.map(t.float), '{"a": 1.5}'), { a: 1.5 });
    const point = t.struct({ x: t.int, at: t.datetime, note: t.optional(t.str) });
    assert.deepEqual(parseInputValue("p", point, '{"x": 1, "at": "2024-05-01T00:00:00Z"}'), {
      x: 1,
      at: new Date("2024-05-01T00:00:00Z"),
      note: null,
    });
    assert.deepEqual(parseInputValue("d", t.dict(), '{"k": [1, null, {"z": true}]}'), { k: [1, null, { z: true }] });
    rejects(t.list(t.int), "1,2,3", /\(list<int>\)/, /not valid JSON/);
    rejects(t.list(t.int), '[1, "a"]', /x\[1\]: expected int/);
    rejects(t.list(t.int), '{"a": 1}', /expected list<int>/);
    rejects(point, '{"x": 1}', /missing field "at"/);
    rejects(point, '{"x": 1, "at": "2024-05-01", "extra": 0}', /unknown field "extra"/);
    rejects(t.dict(), "[1]", /expected dict/);
  });

  test("schema: JSON validated by the Standard Schema", () => {
    const positive: StandardJSONSchemaV1<{ n: number }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (v) =>
          typeof (v as { n?: unknown })?.n === "number" && (v as { n: number }).n > 0
            ? { value: v as { n: number } }
            : { issues: [{ message: "n must be positive", path: ["n"] }] },
        jsonSchema: { input: () => ({ type: "object" }), output: () => ({ type: "object" }) },
      },
    };
    const type = t.schema(positive, { name: "Positive" });
    assert.deepEqual(parseInputValue("s", type, '{"n": 2}'), { n: 2 });
    rejects(type, '{"n": -1}', /n must be positive/);
  });

  test("optional and union: the first variant that reads the value, text last", () => {
    assert.equal(parseInputValue("o", t.optional(t.int), "5"), 5);
    assert.equal(parseInputValue("o", t.optional(t.int), "null"), null);
    rejects(t.optional(t.int), "abc", /no variant reads it/, /int: not an integer/);
    assert.equal(parseInputValue("o", t.optional(t.str), "hello"), "hello");
    assert.equal(parseInputValue("o", t.optional(t.str), ""), "");
    assert.equal(parseInputValue("o", t.optional(t.str), "null"), null);
    assert.equal(parseInputValue("u", t.union(t.int, t.str), "5"), 5);
    assert.equal(parseInputValue("u", t.union(t.str, t.int), "5"), 5);
    assert.equal(parseInputValue("u", t.union(t.int, t.str), "five"), "five");
    assert.deepEqual(parseInputValue("u", t.union(t.str, t.list(t.int)), "[1, 2]"), [1, 2]);
    assert.equal(parseInputValue("u", t.union(t.float, t.bool), "true"), true);
    const at = parseInputValue("o", t.optional(t.datetime), "2024-05-01T08:00") as Date;
    assert.equal(at.toISOString(), "2024-05-01T08:00:00.000Z");
    assert.equal(parseInputValue("o", t.optional(t.duration), "PT2S"), 2000);
  });

  test("file and dir: an existing local path (made absolute), or a remote URI", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-parse-"));
    writeFileSync(join(dir, "data.csv"), "a,b\n");
    mkdirSync(join(dir, "sub"));
    const file = parseInputValue("f", t.file(), "data.csv", dir);
    assert.ok(file instanceof FlyteBlob);
    assert.equal(file.path, join(dir, "data.csv"));
    assert.equal(file.isDirectory, false);
    assert.equal((parseInputValue("f", t.file({ format: "csv" }), join(dir, "data.csv")) as FlyteBlob).path, file.path);
    assert.equal((parseInputValue("f", t.file(), `file://${join(dir, "data.csv")}`) as FlyteBlob).path, file.path);
    const sub = parseInputValue("d", t.dir(), "sub", dir) as FlyteBlob;
    assert.equal(sub.path, join(dir, "sub"));
    assert.equal(sub.isDirectory, true);
    assert.equal((parseInputValue("f", t.file(), "s3://bucket/key.csv") as FlyteBlob).path, "s3://bucket/key.csv");
    rejects(t.file(), join(dir, "missing.csv"), /\(file\)/, /no such file/);
    rejects(t.file(), dir, /is a directory, not a file/);
    rejects(t.dir(), join(dir, "data.csv"), /is not a directory/);
    rejects(t.dir(), join(dir, "nope"), /no such directory/);
    const maybe = parseInputValue("f", t.optional(t.file()), "data.csv", dir) as FlyteBlob;
    assert.equal(maybe.path, join(dir, "data.csv"));
  });

  test("any: JSON, else the text", () => {
    assert.deepEqual(parseInputValue("a", t.any(), '{"a": [1, 2]}'), { a: [1, 2] });
    assert.equal(parseInputValue("a", t.any(), "42"), 42);
    assert.equal(parseInputValue("a", t.any(), "hello"), "hello");
    rejects(t.any(), "null", /cannot store a missing value/);
  });

  test("none: null", () => {
    assert.equal(parseInputValue("n", t.none, "null"), null);
    rejects(t.none, "0", /expected "null"/);
  });
});

describe("parseInputs", () => {
  const inputs = [
    ["a", t.int],
    ["b", t.int.default(3)],
    ["my_name", t.str],
    ["flag", t.bool.default(false)],
    ["maybe", t.optional(t.bool)],
    ["xs", t.list(t.float).default([])],
  ] as const;

  test("--name value and --name=value, in any order, kebab case for snake case", () => {
    const { values, options } = parseInputs(["--my-name", "Ada", "--a=1", "--xs", "[1.5]"], inputs);
    assert.deepEqual(values, { my_name: "Ada", a: 1, xs: [1.5] });
    assert.deepEqual(options, []);
    assert.deepEqual(parseInputs(["--a", "2", "--my_name=x=y"], inputs).values, { a: 2, my_name: "x=y" });
  });

  test("values may start with a dash", () => {
    assert.deepEqual(parseInputs(["--a", "-5", "--my_name", "--b"], inputs).values, { a: -5, my_name: "--b" });
  });

  test("booleans: bare for true, with a value, or negated", () => {
    const run = (...args: string[]) => parseInputs(["--a", "1", "--my_name", "n", ...args], inputs).values;
    assert.equal(run("--flag").flag, true);
    assert.equal(run("--flag", "false").flag, false);
    assert.equal(run("--flag=no").flag, false);
    assert.equal(run("--flag", "--b", "4").flag, true);
    assert.equal(run("--no-flag").flag, false);
    assert.equal(run("--maybe").maybe, true);
    assert.equal(run("--no-maybe").maybe, false);
    assert.throws(() => run("--no-flag=true"), /takes no value/);
    assert.throws(() => run("--flag", "maybe"), /unexpected argument "maybe"/);
  });

  test("left-out inputs with defaults or optional types are absent; required ones are listed", () => {
    assert.deepEqual(parseInputs(["--a", "1", "--my_name", "n"], inputs).values, { a: 1, my_name: "n" });
    assert.throws(
      () => parseInputs([], inputs, { owner: "task m.t" }),
      (e: unknown) =>
        e instanceof UsageError && e.message === "missing required inputs for task m.t: --a (int), --my_name (str)",
    );
    assert.throws(() => parseInputs(["--a", "1"], inputs), /missing required input: --my_name \(str\)/);
  });

  test("unknown flags, stray arguments, repeats and missing values are errors", () => {
    assert.throws(
      () => parseInputs(["--bogus", "1"], inputs),
      /unknown option --bogus; the inputs are --a, --b, --my_name/,
    );
    assert.throws(() => parseInputs(["-x"], inputs), /unknown option -x/);
    assert.throws(() => parseInputs(["--x"], []), /unknown option --x; it takes no inputs/);
    assert.throws(() => parseInputs(["extra"], inputs), /unexpected argument "extra"/);
    assert.throws(() => parseInputs(["--a", "1", "--a", "2"], inputs), /--a was given more than once/);
    assert.throws(() => parseInputs(["--my_name", "n", "--a"], inputs), /--a needs a value \(int\)/);
  });

  test("the value error names the input, the value and the type", () => {
    assert.throws(
      () => parseInputs(["--a", "abc", "--my_name", "n"], inputs),
      (e: unknown) => e instanceof UsageError && e.message === 'invalid value "abc" for --a (int): not an integer',
    );
  });

  test("reserved options are returned, unless an input has the name", () => {
    const reserved = ["json", "help", "-h"];
    const got = parseInputs(["--json", "--a", "1", "-h", "--my_name", "n"], inputs, { reserved });
    assert.deepEqual(got.options, ["--json", "-h"]);
    assert.deepEqual(got.values, { a: 1, my_name: "n" });
    const shadowed = parseInputs(["--json"], [["json", t.bool]], { reserved });
    assert.deepEqual(shadowed, { values: { json: true }, options: [] });
    assert.throws(() => parseInputs(["--json=1"], [], { reserved }), /unknown option --json/);
  });

  test("the hint is attached to every error", () => {
    assert.throws(
      () => parseInputs(["--nope"], inputs, { hint: "see --help" }),
      (e: unknown) => e instanceof UsageError && e.hint === "see --help",
    );
    assert.throws(
      () => parseInputs(["--a", "x"], inputs, { hint: "see --help" }),
      (e: unknown) => e instanceof UsageError && e.hint === "see --help",
    );
  });

  test("file paths resolve against cwd", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-parse-"));
    writeFileSync(join(dir, "in.txt"), "x");
    const { values } = parseInputs(["--f", "in.txt"], [["f", t.file()]], { cwd: dir });
    assert.equal((values.f as FlyteBlob).path, join(dir, "in.txt"));
  });
});

describe("help helpers", () => {
  test("isBoolFlag: booleans and optional booleans", () => {
    assert.equal(isBoolFlag(t.bool), true);
    assert.equal(isBoolFlag(t.optional(t.bool)), true);
    assert.equal(isBoolFlag(t.bool.default(true)), true);
    assert.equal(isBoolFlag(t.union(t.bool, t.int)), false);
    assert.equal(isBoolFlag(t.str), false);
  });

  test("inputFormat says how to write a value", () => {
    assert.equal(inputFormat(t.int), "");
    assert.equal(inputFormat(t.list(t.int)), "JSON");
    assert.equal(inputFormat(t.struct({ a: t.int })), "JSON");
    assert.match(inputFormat(t.duration), /PT1H30M/);
    assert.match(inputFormat(t.datetime), /ISO-8601/);
    assert.equal(inputFormat(t.file()), "a file or URI");
    assert.equal(inputFormat(t.dir()), "a directory or URI");
    assert.equal(inputFormat(t.any()), "JSON, or text");
  });
});
