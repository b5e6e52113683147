/**
 * Decks end to end: `tsflyte run` writes deck.html with every requested field and prints where; tsflyte-execute and
 * tsflyte-map-execute write deck.html to the output prefix (a local directory, and an S3 bucket with the text/html
 * content type the console needs). Values from the task's inputs are hostile and must arrive escaped.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import S3rver from "s3rver";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { collectionLiteral, floatLiteral, integerLiteral, literalMap, stringLiteral } from "../../src/idl/literals.js";
import type { Literal } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { S3Storage } from "../../src/storage/s3.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const FIXTURE = "test/e2e/fixtures/decks/tasks.ts";
const MODULE = "test.e2e.fixtures.decks.tasks";
const HOSTILE = `</script><img src=x onerror=alert(1)>`;
const scratch = mkdtempSync(join(tmpdir(), "decks-e2e-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const tabs = (html: string) => [...html.matchAll(/<label for="tab-\d+">([^<]*)<\/label>/g)].map((m) => m[1]);

/** The page is inert: no script, no handler attribute outside quoted values, a CSP that loads nothing. */
function assertInert(html: string): void {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html.replace(/="[^"]*"/g, '=""'), /<[^>]+\son[a-z]+\s*=/i);
  assert.doesNotMatch(html, /href="javascript:/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
}

function node(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") fail(error);
      else done({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe("decks through tsflyte run", () => {
  before(() => assert.ok(existsSync(join(ROOT, "dist", "cli", "main.js")), "run `npm run build` first"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
    FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
    FLYTEKIT_TS_HOME: join(scratch, "home"),
  };
  const tsflyte = (...args: string[]) => node([join(ROOT, "bin", "tsflyte.js"), "run", ...args], env);

  test("a task with decks: deck.html with every field and the user decks, its path printed", async () => {
    const r = await tsflyte("--json", FIXTURE, "report", "--title", HOSTILE, "--xs", "[1, 2, 3, 50]");
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      outputs: unknown;
      nodes: { name: string; deck?: string }[];
      decks: { task: string; path: string }[];
    };
    assert.deepEqual(doc.outputs, { n: 4, summary: `${HOSTILE}: 4 values` });
    assert.deepEqual(
      doc.decks.map((d) => d.task),
      ["test.e2e.fixtures.decks.tasks.report"],
    );
    const written = doc.decks[0]!.path;
    assert.ok(written.startsWith(join(scratch, "sandbox", "decks")), "beside the scratch directories, which are gone");
    assert.deepEqual(readdirSync(join(scratch, "sandbox")), ["decks"]);
    const html = readFileSync(written, "utf8");
    assert.deepEqual(tabs(html), [
      "Timeline",
      "Report",
      "Profile",
      "Spread",
      "default",
      "Input",
      "Output",
      "Source Code",
      "Dependencies",
    ]);
    assertInert(html);
    assert.ok(html.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), "the title, escaped");
    assert.match(html, /<td>sum the values<\/td>/);
    assert.match(html, /<th>outliers<\/th><td class="num">1<\/td>/);
    assert.match(html, /<th>i<\/th><th>x<\/th><th>label<\/th>/);
    // The node's deck, as the run store keeps it, is the same page; the summary prints where it is.
    const kept = doc.nodes[0]!.deck!;
    assert.equal(readFileSync(kept, "utf8"), html);
    const human = await tsflyte(FIXTURE, "report", "--title", "t", "--xs", "[1]");
    assert.equal(human.code, 0, human.stderr);
    const shown = /^ {6}deck: (\S+)$/m.exec(human.stderr);
    assert.ok(shown && existsSync(shown[1]!), human.stderr);
  });

  test("a map writes a deck per element, listed with the run", async () => {
    const r = await tsflyte("--json", FIXTURE, "squares", "--xs", "[2, 3]");
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { outputs: unknown; decks: { task: string; path: string }[] };
    assert.deepEqual(doc.outputs, [4, 9]);
    const elements = doc.decks.map((d) => d.task).sort();
    assert.deepEqual(elements, ["test.e2e.fixtures.decks.tasks.square[0]", "test.e2e.fixtures.decks.tasks.square[1]"]);
    for (const d of doc.decks) assert.deepEqual(tabs(readFileSync(d.path, "utf8")), ["default", "Input", "Output"]);
    const human = await tsflyte(FIXTURE, "squares", "--xs", "[2, 3]");
    assert.match(
      human.stderr,
      /Other decks \(2\):\n {2}\S+square\[\d\]: \S+deck\.html\n {2}\S+square\[\d\]: \S+deck\.html/,
    );
  });
});

/** The command line serialization writes for a task of the fixture module. */
function executeArgs(inputs: string, outputPrefix: string, raw: string, name: string): string[] {
  return [
    "--inputs",
    inputs,
    "--output-prefix",
    outputPrefix,
    "--raw-output-data-prefix",
    raw,
    "--resolver",
    "flytekit_ts.default_task_resolver",
    "--",
    "task-module",
    MODULE,
    "task-name",
    name,
  ];
}

function prepare(inputs: Record<string, Literal>): string {
  const dir = mkdtempSync(join(scratch, "ep-"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap(inputs)));
  return dir;
}

function entrypoint(name: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", `${name}.js`), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", FLYTE_PROJECT_ROOT: ROOT, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", fail);
    child.on("exit", (code) => done({ code, stderr }));
  });
}

const reportInputs = () => ({
  title: stringLiteral(HOSTILE),
  xs: collectionLiteral([floatLiteral(1), floatLiteral(2.5), floatLiteral(40)]),
});

describe("decks in a container", () => {
  test("tsflyte-execute writes deck.html beside outputs.pb", async () => {
    const dir = prepare(reportInputs());
    const out = join(dir, "out");
    const r = await entrypoint("tsflyte-execute", executeArgs(join(dir, "inputs.pb"), out, join(dir, "raw"), "report"));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["deck.html", "outputs.pb"]);
    const html = readFileSync(join(out, "deck.html"), "utf8");
    assert.deepEqual(tabs(html).slice(0, 5), ["Timeline", "Report", "Profile", "Spread", "default"]);
    assert.deepEqual(tabs(html).slice(5), ["Input", "Output", "Source Code", "Dependencies"]);
    assertInert(html);
    assert.ok(html.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  });

  test("tsflyte-map-execute writes the element's deck.html to the element's output prefix", async () => {
    const dir = prepare({ x: collectionLiteral([integerLiteral(5n), integerLiteral(7n)]) });
    const out = join(dir, "out", "1");
    const r = await entrypoint(
      "tsflyte-map-execute",
      executeArgs(join(dir, "inputs.pb"), out, join(dir, "raw"), "square"),
      {
        BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
        FLYTE_K8S_ARRAY_INDEX: "1",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["deck.html", "outputs.pb"]);
    const html = readFileSync(join(out, "deck.html"), "utf8");
    assert.deepEqual(tabs(html), ["default", "Input", "Output"]);
    assert.match(html, /squaring 7/);
    assert.match(html, /<h3>o0<\/h3><pre>49<\/pre>/);
  });

  describe("on S3", () => {
    let server: S3rver;
    let endpoint: string;
    const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
    before(async () => {
      server = new S3rver({
        address: "127.0.0.1",
        port: 0,
        silent: true,
        directory: mkdtempSync(join(scratch, "s3-")),
        configureBuckets: [{ name: "flyte" }],
      });
      endpoint = `http://127.0.0.1:${(await server.run()).port}`;
    });
    after(() => server.close());

    test("deck.html is uploaded to the output prefix as text/html", async () => {
      const s3 = new S3Storage({ endpoint, credentials: creds, retry: { maxAttempts: 2, baseDelayMs: 5 } });
      const prefix = "s3://flyte/metadata/exec-d/n0/data/0";
      await s3.put(`${prefix}/inputs.pb`, toBinary(LiteralMapSchema, literalMap(reportInputs())));
      const r = await entrypoint(
        "tsflyte-execute",
        executeArgs(`${prefix}/inputs.pb`, prefix, "s3://flyte/raw/exec-d", "report"),
        {
          FLYTE_AWS_ENDPOINT: endpoint,
          FLYTE_AWS_ACCESS_KEY_ID: creds.accessKeyId,
          FLYTE_AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const res = await fetch(`${endpoint}/flyte/metadata/exec-d/n0/data/0/deck.html`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const html = await res.text();
      assert.deepEqual(tabs(html).slice(-4), ["Input", "Output", "Source Code", "Dependencies"]);
      assertInert(html);
    });
  });
});
