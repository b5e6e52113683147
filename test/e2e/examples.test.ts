/**
 * Every example runs, in-process through the public API, with the outputs its header promises.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "examples-cache-"));
process.env.FLYTE_LOCAL_DECK_DIR = mkdtempSync(join(tmpdir(), "examples-decks-"));
process.env.FLYTEKIT_TS_HOME = mkdtempSync(join(tmpdir(), "examples-home-"));

describe("examples", () => {
  test("hello", async () => {
    const { wf, sayHello } = await import("../../examples/hello.js");
    assert.equal(await wf({ name: "world" }), "Hello, world!");
    assert.equal(await wf(), "Hello, world!");
    assert.equal(await sayHello({ name: "Ada" }), "Hello, Ada!");
    assert.equal(wf.name, "examples.hello.wf");
  });

  test("named and multiple outputs", async () => {
    const { wf, minMax } = await import("../../examples/outputs.js");
    assert.deepEqual(await wf({ xs: [3, 1, 4, 1, 5] }), { text: "5 values in [1, 5], mean 2.80", mean: 2.8 });
    assert.deepEqual(await minMax({ xs: [2, -1] }), [-1, 2]);
  });

  test("structs and attribute access", async () => {
    const { wf } = await import("../../examples/structs.js");
    const out = await wf({ city: "Paris" });
    assert.equal(out.tempF, 70.7);
    assert.deepEqual(out.report, {
      city: "Paris",
      tempC: 21.5,
      observedAt: new Date("2026-01-01T12:00:00Z"),
      tags: ["sunny"],
      note: null,
    });
  });

  test("fan-out runs independent nodes concurrently", async () => {
    const { wf } = await import("../../examples/fanout.js");
    const started = Date.now();
    assert.equal(await wf({ base: 10 }), 100 + 1 + 4 + 9);
    // Four 20 ms tasks in parallel finish well before four in sequence (80 ms) plus overhead would.
    assert.ok(Date.now() - started < 2000);
  });

  test("conditional", async () => {
    const { wf, strict } = await import("../../examples/conditional.js");
    assert.equal(await wf({ x: 3 }), "positive");
    assert.equal(await wf({ x: -3 }), "negative");
    assert.equal(await wf({ x: 0 }), "zero");
    assert.equal(await strict({ x: 0 }), "zero");
    await assert.rejects(strict({ x: 1 }), /x must be zero/);
  });

  test("decks: the analysis task writes deck.html with the report, the profile and the standard decks", async () => {
    const { collectDecks } = await import("flytekit-ts");
    const { wf } = await import("../../examples/decks.js");
    const { result, decks } = await collectDecks(() => wf({ n: 200 }));
    assert.deepEqual(result, { mean: 20.45, outliers: 4 });
    assert.deepEqual(
      decks.map((d) => d.task),
      ["examples.decks.analyze"],
    );
    const html = readFileSync(decks[0]!.path, "utf8");
    const tabs = [...html.matchAll(/<label for="tab-\d+">([^<]*)<\/label>/g)].map((m) => m[1]);
    assert.deepEqual(tabs, ["Timeline", "Report", "Profile", "default", "Input", "Output", "Source Code"]);
    assert.match(html, /200 readings, mean <strong>20.45 °C<\/strong>, 4 above 30 °C/);
    assert.match(html, /<td>read the dataframe<\/td>/);
  });

  test("subworkflow", async () => {
    const { parent } = await import("../../examples/subworkflow.js");
    assert.deepEqual(await parent({ a: 2, b: 3 }), { sum2: 10, product: 6 });
  });

  test("launch plan with fixed and default inputs", async () => {
    const { greetInFrench, usesLaunchPlan } = await import("../../examples/launch-plan.js");
    assert.equal(await greetInFrench({ name: "Ada" }), "Bonjour, Ada!");
    assert.equal(await greetInFrench(), "Bonjour, monde!");
    assert.equal(await usesLaunchPlan({ name: "Bob" }), "Bonjour, Bob!");
    await assert.rejects(
      () => (greetInFrench as (i: unknown) => Promise<unknown>)({ greeting: "Hi" }),
      /unexpected input "greeting"/,
    );
  });

  test("scheduled launch plan", async () => {
    const { nightlyStamp } = await import("../../examples/launch-plan.js");
    const at = new Date("2026-01-02T03:00:00Z");
    assert.equal(await nightlyStamp({ at }), "nightly at 2026-01-02T03:00:00.000Z");
    assert.deepEqual(nightlyStamp.settings.schedule, {
      kind: "cron",
      cron: "0 3 * * *",
      offset: "",
      kickoffTimeInput: "at",
    });
  });

  test("node overrides", async () => {
    const { wf } = await import("../../examples/overrides.js");
    assert.equal(await wf({ n: 3 }), 82);
    assert.deepEqual(
      wf.compile().nodes.map((n) => n.id),
      ["first-square", "n1", "n2", "n3"],
    );
  });

  test("plugin task", async () => {
    const { wf, waitForFile } = await import("../../examples/plugin-task.js");
    assert.equal(await wf({ path: "README.md" }), 9);
    assert.equal(waitForFile.taskType, "sensor");
  });

  test("cached task", async () => {
    const { slowSquare } = await import("../../examples/cached.js");
    const t0 = Date.now();
    assert.equal(await slowSquare({ x: 12 }), 144);
    const first = Date.now() - t0;
    const t1 = Date.now();
    assert.equal(await slowSquare({ x: 12, label: "other label is ignored" }), 144);
    const second = Date.now() - t1;
    assert.ok(first >= 190, `first run ${first} ms`);
    assert.ok(second < 150, `cache hit took ${second} ms`);
  });

  test("shell task", async () => {
    const { wf, countLines } = await import("../../examples/shell.js");
    assert.equal(await wf({ text: "hello shell" }), 2);
    assert.equal(countLines.name, "examples.shell.count_lines");
  });

  test("dataframe pipeline: CSV, Arrow transform, streamed aggregate, SQLite query", async () => {
    const { wf, regionTotals } = await import("../../examples/dataframes.js");
    assert.equal(
      await wf({ rows: 1000, minUnits: 3 }),
      "best region: west (1662.5); apples=2175.75, pears=2208.00, plums=2191.25",
    );
    assert.equal(regionTotals.name, "examples.dataframes.region_totals");
  });

  test("raw container task: serialized for copilot, run with docker or podman or a clear error", async () => {
    const { wf, ellipseArea } = await import("../../examples/container.js");
    const { serializationSettings, serializeTask } = await import("flytekit-ts");
    const tt = serializeTask(ellipseArea, serializationSettings()).template!;
    assert.equal(tt.type, "raw-container");
    const c = tt.target.value as { image: string; args: string[]; dataConfig?: { inputPath: string } };
    assert.equal(c.image, "python:3.12-slim");
    assert.equal(c.dataConfig?.inputPath, "/var/inputs");
    const engine = ["docker", "podman"].some((e) => spawnSync(e, ["info"], { timeout: 20_000 }).status === 0);
    if (engine) {
      assert.match(await wf({ a: 3, b: 4.5 }), /^area 42\.412 \(computed with python 3\.12\.\d+\)$/);
    } else {
      await assert.rejects(wf({ a: 3, b: 4.5 }), /runs its image python:3\.12-slim locally with docker or podman/);
    }
  });

  test("async task", async () => {
    const { wf } = await import("../../examples/async-task.js");
    assert.equal(await wf({ n: 3 }), "item-0,item-1,item-2");
  });
});

describe("examples: dynamic, map and eager", () => {
  test("dynamic fan-out whose width comes from an input", async () => {
    const { wf, squares } = await import("../../examples/dynamic.js");
    assert.equal(await wf({ n: 5 }), 0 + 1 + 4 + 9 + 16);
    assert.deepEqual(await squares({ n: 3 }), [0, 1, 4]);
    const spec = await squares.compileIntoWorkflow({ n: 3 });
    assert.deepEqual(
      spec.nodes.map((n) => n.id),
      ["dn0", "dn1", "dn2"],
    );
  });

  test("map over 10,000 elements, and a map that tolerates failures", async () => {
    const { wf, sqrts } = await import("../../examples/map.js");
    const started = Date.now();
    assert.equal(await wf(), 2 * ((9_999 * 10_000) / 2));
    assert.ok(Date.now() - started < 5000, `10,000 elements took ${Date.now() - started} ms`);
    assert.deepEqual(await sqrts({ x: [4, -1, 9] }), [2, null, 3]);
    assert.match(sqrts.name, /^examples\.map\.map_safeSqrt_[0-9a-f]{32}-arraynode$/);
  });

  test("eager workflow with Promise.all and a caught failure", async () => {
    const { pipeline } = await import("../../examples/eager.js");
    assert.deepEqual(await pipeline({ values: ["1", "2", "x", "4"] }), { total: 14, rejected: ["x"] });
    assert.equal(pipeline.metadata.isEager, true);
    const wf = pipeline.getAsWorkflow();
    assert.equal(wf.compile().failureNode?.id, "efn");
  });
});
