/**
 * Decks of local task executions: which decks a task renders (enableDeck, deckFields), user decks through the
 * context, where deck.html goes and how runs report it (collectDecks), map elements and failures.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { collectDecks, currentContext, map, t, task, workflow } from "flytekit-ts";
import { declarationSource, localDeckRoot } from "../../../src/core/task-decks.js";

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-decks-"));
const deckDir = join(scratch, "decks");
let saved: string | undefined;
before(() => {
  saved = process.env.FLYTE_LOCAL_DECK_DIR;
  process.env.FLYTE_LOCAL_DECK_DIR = deckDir;
});
after(() => {
  if (saved === undefined) delete process.env.FLYTE_LOCAL_DECK_DIR;
  else process.env.FLYTE_LOCAL_DECK_DIR = saved;
  rmSync(scratch, { recursive: true, force: true });
});

const tabs = (html: string) => [...html.matchAll(/<label for="tab-\d+">([^<]*)<\/label>/g)].map((m) => m[1]);

export const report = task(
  { inputs: { n: t.int, rows: t.list(t.dict()) }, outputs: { total: t.int }, enableDeck: true },
  async ({ n, rows }) => {
    const ctx = currentContext();
    ctx.decks.open("Report").appendMarkdown(`# ${n} rows\n<script>alert(1)</script>`);
    ctx.defaultDeck.appendTable(rows as Record<string, unknown>[]);
    await ctx.timeline.time("user phase", () => undefined);
    return { total: n * 2 };
  },
);

describe("task deck options", () => {
  test("flytekit's defaults: decks off; all five fields when on; fields kept only with decks on", () => {
    const off = task({}, () => undefined);
    assert.equal(off.metadata.generatesDeck, false);
    assert.deepEqual(off.deckFields, []);
    assert.deepEqual(task({ enableDeck: true }, () => undefined).deckFields, [
      "Source Code",
      "Dependencies",
      "Timeline",
      "Input",
      "Output",
    ]);
    assert.deepEqual(task({ deckFields: ["Input"] }, () => undefined).deckFields, []);
    assert.deepEqual(task({ enableDeck: true, deckFields: [] }, () => undefined).deckFields, []);
  });
  test("bad values name the option, the value and what is expected", () => {
    assert.throws(
      () => task({ name: "bad", enableDeck: "yes" as never }, () => undefined),
      /bad: enableDeck must be true or false, got "yes"/,
    );
    assert.throws(
      () => task({ name: "bad", enableDeck: true, deckFields: "Input" as never }, () => undefined),
      /bad: deckFields must be an array of deck fields \(Source Code, Dependencies, Timeline, Input, Output\), got "Input"/,
    );
    assert.throws(
      () => task({ name: "bad", enableDeck: true, deckFields: ["input" as never] }, () => undefined),
      /bad: unknown deck field "input"; known: Source Code, Dependencies, Timeline, Input, Output/,
    );
  });
});

describe("local decks", () => {
  test("a task with decks writes deck.html with every field and the user decks, and reports it", async () => {
    const { result, decks } = await collectDecks(() => report({ n: 2, rows: [{ a: "<img src=x onerror=alert(1)>" }] }));
    assert.deepEqual(result, { total: 4 });
    assert.equal(decks.length, 1);
    assert.equal(decks[0]!.task, report.name);
    assert.ok(decks[0]!.path.startsWith(deckDir), `${decks[0]!.path} is under FLYTE_LOCAL_DECK_DIR`);
    const html = readFileSync(decks[0]!.path, "utf8");
    assert.deepEqual(tabs(html), ["Timeline", "Report", "default", "Input", "Output", "Source Code", "Dependencies"]);
    for (const phase of ["Convert inputs", "Run the task body", "user phase", "Convert outputs"]) {
      assert.match(html, new RegExp(`<td>${phase}</td>`));
    }
    assert.doesNotMatch(html, /<script|<img/);
    assert.match(html, /<h3>total<\/h3><pre>4<\/pre>/);
    // The declaration as written, not the transpiled function.
    assert.match(html, /<span class="hljs-keyword">export<\/span> <span class="hljs-keyword">const<\/span> report/);
    assert.match(html, /<td>node<\/td><td>v\d+/);
  });

  test("deckFields picks the standard decks; a task without decks writes nothing", async () => {
    const some = task(
      { name: "some", inputs: { x: t.int }, outputs: t.int, enableDeck: true, deckFields: ["Output"] },
      ({ x }) => x + 1,
    );
    const none = task({ name: "none", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
    const { decks } = await collectDecks(async () => [await some({ x: 1 }), await none({ x: 1 })]);
    assert.deepEqual(
      decks.map((d) => d.task),
      ["some"],
    );
    assert.deepEqual(tabs(readFileSync(decks[0]!.path, "utf8")), ["Output"]);
  });

  test("a failing task still writes its decks; a caller's array sees them", async () => {
    const boom = task({ name: "boom", enableDeck: true, deckFields: ["Timeline"] }, () => {
      currentContext().decks.open("Before").appendText("got here");
      throw new Error("nope");
    });
    const seen: { task: string; path: string }[] = [];
    await assert.rejects(
      collectDecks(() => boom(), seen),
      /nope/,
    );
    assert.equal(seen.length, 1);
    const html = readFileSync(seen[0]!.path, "utf8");
    assert.deepEqual(tabs(html), ["Timeline", "Before"]);
    assert.match(html, /<td>Run the task body<\/td>/);
  });

  test("map elements write a deck each; nested scopes all see them", async () => {
    const sq = task(
      { name: "sq", inputs: { x: t.int }, outputs: t.int, enableDeck: true, deckFields: ["Input"] },
      ({ x }) => {
        currentContext().defaultDeck.appendText(`element ${x}`);
        return x * x;
      },
    );
    const wf = workflow({ name: "mapwf", inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) =>
      map(sq)({ x: xs }),
    );
    let inner: { task: string }[] = [];
    const { result, decks } = await collectDecks(async () => {
      const r = await collectDecks(() => wf({ xs: [1, 2, 3] }));
      inner = r.decks;
      return r.result;
    });
    assert.deepEqual(result, [1, 4, 9]);
    assert.deepEqual(decks.map((d) => d.task).sort(), ["sq[0]", "sq[1]", "sq[2]"]);
    assert.equal(inner.length, 3);
    const texts = decks.map((d) => /element (\d)/.exec(readFileSync(d.path, "utf8"))![1]).sort();
    assert.deepEqual(texts, ["1", "2", "3"]);
  });

  test("the deck root: FLYTE_LOCAL_DECK_DIR, else decks/ beside the scratch directories", () => {
    assert.equal(localDeckRoot({ FLYTE_LOCAL_DECK_DIR: "/x/d" }), "/x/d");
    assert.equal(localDeckRoot({ FLYTE_LOCAL_SANDBOX: "/s" }), join("/s", "decks"));
    assert.equal(localDeckRoot({}), join(tmpdir(), "flytekit-ts", "decks"));
  });

  test("declarationSource: the declaration up to the next top-level statement", () => {
    const file = join(scratch, "m.ts");
    writeFileSync(
      file,
      'import x from "y";\n\nexport const a = task(\n  {},\n  () => {\n    return 1;\n  },\n);\n\nexport const b = 2;\n',
    );
    assert.equal(declarationSource(file, "a"), "export const a = task(\n  {},\n  () => {\n    return 1;\n  },\n);");
    assert.equal(declarationSource(file, "b"), "export const b = 2;");
    assert.equal(declarationSource(file, "zz"), undefined);
    assert.equal(declarationSource(join(scratch, "missing.ts"), "a"), undefined);
  });
});

describe("source code of tasks that are not functions", () => {
  test("a shell task shows its script as bash", async () => {
    const { shellTask } = await import("flytekit-ts");
    const sh = shellTask({
      name: "sh",
      script: 'echo "{inputs.x}" > /dev/null',
      inputs: { x: t.str },
      enableDeck: true,
      deckFields: ["Source Code"],
    });
    const { decks } = await collectDecks(() => sh({ x: "</script>" }));
    const html = readFileSync(decks[0]!.path, "utf8");
    assert.match(html, /<code class="hljs language-bash"><span class="hljs-built_in">echo<\/span>/);
  });
});
