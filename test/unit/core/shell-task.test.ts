// Shell tasks: every value reaches the script exactly as it is, wherever its placeholder stands, and is never run.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { shellTask, t } from "flytekit-ts";
import { fillShellTemplate } from "../../../src/core/shell-template.js";

process.env.FLYTE_LOCAL_CACHE_ENABLED = "false";

const HOSTILE = [
  "$(touch PWNED)",
  "`touch PWNED`",
  "a; touch PWNED",
  "x\ntouch PWNED\n",
  "' ; touch PWNED ; '",
  '" ; touch PWNED ; "',
  "\\'$(touch PWNED)",
  "*",
  "-n",
  "",
  "EOF",
  "a b\tc",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, on purpose
  "${HOME}",
  "!!",
  "\\",
];

/** Each way a placeholder can stand in a script, and what the script prints for a value `v`. */
const PLACES: { name: string; script: string; expect: (v: string) => string }[] = [
  { name: "bare word", script: "printf '%s' {inputs.x} > {outputs.o}", expect: (v) => v },
  { name: "double quotes", script: "printf '%s' \"<{inputs.x}>\" > {outputs.o}", expect: (v) => `<${v}>` },
  { name: "single quotes", script: "printf '%s' '<{inputs.x}>' > {outputs.o}", expect: (v) => `<${v}>` },
  { name: "ANSI-C quotes", script: "printf '%s' $'<{inputs.x}>' > {outputs.o}", expect: (v) => `<${v}>` },
  {
    name: "command substitution",
    script: "printf '%s' \"$(printf '%s' {inputs.x})\" > {outputs.o}",
    expect: (v) => v.replace(/\n+$/, ""),
  },
  {
    name: "backticks",
    script: "y=`printf '%s' {inputs.x}`\nprintf '%s' \"$y\" > {outputs.o}",
    expect: (v) => v.replace(/\n+$/, ""),
  },
  { name: "here-document", script: "cat > {outputs.o} <<EOF\n<{inputs.x}>\nEOF", expect: (v) => `<${v}>\n` },
  { name: "quoted here-document", script: "cat > {outputs.o} <<'EOF'\n<{inputs.x}>\nEOF", expect: (v) => `<${v}>\n` },
  { name: "comment", script: "# {inputs.x}\nprintf ok > {outputs.o}", expect: () => "ok" },
];

function echoTask(script: string) {
  return shellTask({
    name: "test.shell.echo",
    inputs: { x: t.str },
    outputs: { o: t.file() },
    script,
    outputLocations: { o: "{ctx.workingDirectory}/out" },
  });
}

async function runIn(dir: string, script: string, x: string): Promise<string> {
  const prev = process.cwd();
  process.chdir(dir);
  try {
    const { o } = await echoTask(script)({ x });
    return readFileSync(o.path, "latin1");
  } finally {
    process.chdir(prev);
  }
}

describe("shell task values", () => {
  for (const place of PLACES) {
    test(`a hostile value in a ${place.name} is passed as it is and never runs`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "shell-"));
      for (const v of HOSTILE) {
        if (place.name.includes("here-document") && v === "EOF") continue;
        const got = await runIn(dir, place.script, v);
        assert.equal(got, place.expect(v), `${place.name}: ${JSON.stringify(v)}`);
      }
      assert.ok(!existsSync(join(dir, "PWNED")), `${place.name}: a value ran as a command`);
    });
  }

  test("any string survives every place (property)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shell-"));
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 24 }).filter((s) => !s.includes("\0") && !/(^|\n)EOF(\r?\n|$)/.test(s)),
        fc.constantFrom(...PLACES),
        async (v, place) => {
          const got = await runIn(dir, place.script, v);
          assert.equal(Buffer.from(got, "latin1").toString("utf8"), place.expect(v));
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(!existsSync(join(dir, "PWNED")));
  });

  test("an input file whose name comes from a hostile storage key is quoted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shell-"));
    const evil = join(dir, "$(touch PWNED); a b.txt");
    writeFileSync(evil, "one\ntwo\n");
    const count = shellTask({
      name: "test.shell.count",
      inputs: { f: t.file() },
      outputs: { n: t.int },
      script: "wc -l < {inputs.f} > {outputs.n}",
      outputLocations: { n: "{ctx.workingDirectory}/n" },
    });
    const prev = process.cwd();
    process.chdir(dir);
    try {
      assert.deepEqual(await count({ f: evil }), { n: 2 });
    } finally {
      process.chdir(prev);
    }
    assert.ok(!existsSync(join(dir, "PWNED")));
  });

  test("a list is separate words, each quoted", async () => {
    const words = shellTask({
      name: "test.shell.words",
      inputs: { xs: t.list(t.str) },
      outputs: { n: t.int, s: t.str },
      script: 'echo $# > /dev/null; set -- {inputs.xs}; echo $# > {outputs.n}; printf "%s|" "$@" > {outputs.s}',
      outputLocations: { n: "{ctx.workingDirectory}/n", s: "{ctx.workingDirectory}/s" },
    });
    assert.deepEqual(await words({ xs: ["a b", "$(id)", "*"] }), { n: 3, s: "a b|$(id)|*|" });
    assert.deepEqual(await words({ xs: [] }), { n: 0, s: "|" });
  });

  test("a value holding the here-document's delimiter line is refused, naming the input", async () => {
    await assert.rejects(
      echoTask("cat > {outputs.o} <<EOF\n{inputs.x}\nEOF")({ x: "a\nEOF\ntouch PWNED" }),
      /\{inputs\.x\} holds the line "EOF"/,
    );
  });

  test("inside $((...)) an integer is written as it is, and anything else is refused (a[$(cmd)] would run)", async () => {
    const inc = shellTask({
      name: "test.shell.inc",
      inputs: { n: t.int, s: t.str },
      outputs: { o: t.int },
      script: 'echo $(( {inputs.n} + 1 )) > {outputs.o}; echo "$(( ({inputs.n}) * 2 ))" >> /dev/null',
      outputLocations: { o: "{ctx.workingDirectory}/o" },
    });
    assert.deepEqual(await inc({ n: 41, s: "" }), { o: 42 });
    assert.deepEqual(await inc({ n: -3, s: "" }), { o: -2 });
    const evil = shellTask({
      name: "test.shell.arith",
      inputs: { s: t.str },
      outputs: { o: t.int },
      script: "echo $(( {inputs.s} + 1 )) > {outputs.o}",
      outputLocations: { o: "{ctx.workingDirectory}/o" },
    });
    await assert.rejects(
      evil({ s: "a[$(touch PWNED)]" }),
      /\{inputs\.s\} stands inside \$\(\(\.\.\.\)\), where only an integer is safe/,
    );
    assert.deepEqual(await evil({ s: "7" }), { o: 8 });
  });

  test("a NUL byte is refused, naming the input", async () => {
    await assert.rejects(echoTask("printf '%s' {inputs.x} > {outputs.o}")({ x: "a\0b" }), /\{inputs\.x\} holds a NUL/);
  });
});

describe("fillShellTemplate", () => {
  test("quotes for the place, escapes inside backticks, leaves \\{...} as written", () => {
    const v = () => "$(id)";
    assert.equal(fillShellTemplate("echo {inputs.x}", v), "echo '$(id)'");
    assert.equal(fillShellTemplate('echo "{inputs.x}"', v), 'echo "\\$(id)"');
    assert.equal(
      fillShellTemplate("echo '{inputs.x}'", () => "it's"),
      "echo 'it'\\''s'",
    );
    assert.equal(fillShellTemplate("echo `echo {inputs.x}`", v), "echo `echo '\\$(id)'`");
    assert.equal(fillShellTemplate("echo \\{inputs.x}", v), "echo \\{inputs.x}");
  });
});
