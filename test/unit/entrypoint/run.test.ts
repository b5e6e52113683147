// One attempt end to end, in-process: outputs, raw data, commit order, decks, checkpoints, execution parameters and
// the default resolver.
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { currentContext, currentState } from "../../../src/core/context.js";
import { task } from "../../../src/core/function-task.js";
import { defaultTaskResolver, findModuleFile, loadResolver } from "../../../src/core/resolver.js";
import { EAGER_FAILURE_RESOLVER_LOCATION } from "../../../src/core/eager/failure-handler.js";
import { runContainerTask } from "../../../src/entrypoint/run.js";
import { integerLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { MemoryStorage } from "../../../src/storage/memory.js";
import { registerStorage, unregisterStorage } from "../../../src/storage/registry.js";
import type { PutOptions } from "../../../src/storage/types.js";
import { t } from "../../../src/types/index.js";
import { argsIn, captured, filesUnder, quiet, readOutputs, runTask, tmp, writeInputs } from "./helpers.js";

const repo = join(import.meta.dirname, "..", "..", "..");

describe("a successful attempt", () => {
  it("a task without outputs writes exactly one file: an empty literal map", async () => {
    const { dir, result } = await runTask(task({}, () => {}));
    assert.equal(result.status, "succeeded");
    assert.deepEqual(filesUnder(join(dir, "out")), ["outputs.pb"]);
    assert.deepEqual(readOutputs(join(dir, "out", "outputs.pb")).literals, {});
  });

  it("writes outputs under their interface names", async () => {
    const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    const one = await runTask(add, { a: integerLiteral(2n), b: integerLiteral(40n) });
    assert.deepEqual(Object.keys(readOutputs(join(one.dir, "out", "outputs.pb")).literals), ["o0"]);
    const named = task({ outputs: { mean: t.float, n: t.int } }, () => ({ mean: 1.5, n: 2 }));
    const two = await runTask(named);
    assert.deepEqual(Object.keys(readOutputs(join(two.dir, "out", "outputs.pb")).literals).sort(), ["mean", "n"]);
  });

  it("uploads files and directories to <raw>/<32 hex>/<name>, before outputs.pb which points at them", async () => {
    const files = task({ outputs: { f: t.file(), d: t.dir() } }, () => {
      const wd = currentContext().workingDirectory;
      writeFileSync(join(wd, "report.csv"), "a,b\n1,2\n");
      mkdirSync(join(wd, "images", "sub"), { recursive: true });
      writeFileSync(join(wd, "images", "sub", "x.png"), "png");
      return { f: join(wd, "report.csv"), d: join(wd, "images") };
    });
    const { dir } = await runTask(files);
    const raw = filesUnder(join(dir, "raw")).map((f) => f.replace(/^[0-9a-f]{32}\//, "<hex>/"));
    assert.deepEqual(raw.sort(), ["<hex>/images/sub/x.png", "<hex>/report.csv"]);
    const lm = readOutputs(join(dir, "out", "outputs.pb"));
    const uriOf = (k: string) => {
      const s = lm.literals[k]!.value;
      return s.case === "scalar" && s.value.value.case === "blob" ? s.value.value.value.uri : "";
    };
    assert.equal(readFileSync(uriOf("f"), "utf8"), "a,b\n1,2\n");
    assert.equal(readFileSync(join(uriOf("d"), "sub", "x.png"), "utf8"), "png");
  });

  it("commits in order: raw data, offloaded literals, deck, checkpoint, and outputs.pb last", async () => {
    const order: string[] = [];
    // MemoryStorage.upload goes through put, so put sees every write.
    class Recording extends MemoryStorage {
      override async put(uri: string, data: Uint8Array, opts?: PutOptions) {
        order.push(uri.replace(/[0-9a-f]{32}/g, "<hex>"));
        return super.put(uri, data, opts);
      }
    }
    registerStorage("rec", () => new Recording("rec"));
    try {
      const work = task({ outputs: { v: t.any(), big: t.str }, enableDeck: true }, async () => {
        await currentContext().checkpoint.write(new TextEncoder().encode("state"));
        writeFileSync(join(currentContext().checkpoint.directory, "extra"), "more state");
        return { v: new Map([[1, 2]]), big: "z".repeat(4000) };
      });
      const dir = tmp();
      writeInputs(dir, {});
      const result = await quiet(() =>
        runContainerTask({
          args: argsIn(dir, {
            outputPrefix: "rec://b/out",
            rawOutputDataPrefix: "rec://b/raw",
            checkpointPath: "rec://b/ck",
          }),
          env: { _F_L_MIN_SIZE_MB: "0.001" },
          loadTask: async () => work,
        }),
      );
      assert.equal(result.status, "succeeded");
      assert.deepEqual(order, [
        "rec://b/ck/checkpoint",
        "rec://b/raw/<hex>/<hex>",
        "rec://b/out/big_offloaded_metadata.pb",
        "rec://b/out/deck.html",
        "rec://b/ck/extra",
        "rec://b/out/outputs.pb",
      ]);
    } finally {
      unregisterStorage("rec");
    }
  });

  it("runs in mode task with the execution parameters from the environment", async () => {
    let seen: Record<string, unknown> = {};
    const probe = task({ enableDeck: true }, async () => {
      const ctx = currentContext();
      seen = {
        mode: currentState().mode,
        executionId: ctx.executionId,
        taskId: ctx.taskId,
        raw: ctx.rawOutputPrefix,
        deck: ctx.enableDeck,
        previous: new TextDecoder().decode(await ctx.checkpoint.read()),
      };
      ctx.defaultDeck.append("<b>hello deck</b>");
    });
    const dir = tmp();
    mkdirSync(join(dir, "prev"));
    writeFileSync(join(dir, "prev", "checkpoint"), "from attempt 1");
    writeInputs(dir, {});
    const result = await quiet(() =>
      runContainerTask({
        args: argsIn(dir, { prevCheckpoint: join(dir, "prev") }),
        env: {
          _F_PRJ: "p",
          _F_DM: "d",
          _F_NM: "e1",
          FLYTE_INTERNAL_TASK_PROJECT: "p",
          FLYTE_INTERNAL_TASK_DOMAIN: "d",
          FLYTE_INTERNAL_TASK_NAME: "m.probe",
          FLYTE_INTERNAL_TASK_VERSION: "v7",
        },
        loadTask: async () => probe,
      }),
    );
    assert.equal(result.status, "succeeded");
    assert.deepEqual(seen, {
      mode: "task",
      executionId: { project: "p", domain: "d", name: "e1" },
      taskId: { project: "p", domain: "d", name: "m.probe", version: "v7" },
      raw: join(dir, "raw"),
      deck: true,
      previous: "from attempt 1",
    });
    assert.match(readFileSync(join(dir, "out", "deck.html"), "utf8"), /<b>hello deck<\/b>/);
  });

  it("publishDecks() uploads deck.html while the task runs; the final page replaces it", async () => {
    let midRun = "";
    let dir = "";
    const live = task({ enableDeck: true, deckFields: [] }, async () => {
      const ctx = currentContext();
      ctx.decks.open("Progress").appendText("step 1 of 2");
      await ctx.publishDecks();
      midRun = readFileSync(join(dir, "out", "deck.html"), "utf8");
      ctx.decks.open("Progress").appendText("step 2 of 2");
    });
    dir = tmp();
    writeInputs(dir, {});
    const result = await quiet(() => runContainerTask({ args: argsIn(dir), env: {}, loadTask: async () => live }));
    assert.equal(result.status, "succeeded");
    assert.match(midRun, /step 1 of 2/);
    assert.doesNotMatch(midRun, /step 2 of 2/);
    assert.match(readFileSync(join(dir, "out", "deck.html"), "utf8"), /step 1 of 2<\/pre>\n<pre>step 2 of 2/);
  });

  it("publishDecks() with decks off only warns; locally it writes nothing", async () => {
    const off = task({}, async () => {
      await currentContext().publishDecks();
    });
    const before = captured.stderr.length;
    const { dir, result } = await runTask(off);
    assert.equal(result.status, "succeeded");
    assert.deepEqual(filesUnder(join(dir, "out")), ["outputs.pb"]);
    assert.match(
      captured.stderr.slice(before),
      /publishDecks\(\) in task .*decks are off for it \(enableDeck is false\)/,
    );
  });

  it("prefetches untyped inputs stored as blobs", async () => {
    const echo = task({ inputs: { v: t.any() }, outputs: t.any() }, ({ v }) => v);
    const first = await runTask(echo, {}, {});
    assert.equal(first.result.status, "failed", "v is required");
    const producer = task({ outputs: t.any() }, () => ({ nested: [1, 2n] }));
    const made = await runTask(producer);
    const lit = readOutputs(join(made.dir, "out", "outputs.pb")).literals.o0!;
    const { dir, result } = await runTask(echo, { v: lit });
    assert.equal(result.status, "succeeded");
    assert.ok(filesUnder(join(dir, "raw")).length === 1);
  });

  it("--test loads the task and writes nothing", async () => {
    const dir = tmp();
    const result = await quiet(() =>
      runContainerTask({ args: argsIn(dir, { test: true }), env: {}, loadTask: async () => task({}, () => {}) }),
    );
    assert.equal(result.status, "loaded");
    assert.deepEqual(filesUnder(dir), []);
  });
});

describe("task resolvers", () => {
  const fixtures = join(repo, "test", "unit", "entrypoint", "fixtures");

  it("the default resolver's loader args are task-module <module> task-name <export>", async () => {
    process.env.FLYTE_PROJECT_ROOT = repo;
    try {
      const loaded = await defaultTaskResolver.loadTask([
        "task-module",
        "test.unit.entrypoint.fixtures.resolvable",
        "task-name",
        "double",
      ]);
      assert.equal(loaded.name, "test.unit.entrypoint.fixtures.resolvable.double");
      assert.deepEqual(defaultTaskResolver.loaderArgs(loaded), [
        "task-module",
        "test.unit.entrypoint.fixtures.resolvable",
        "task-name",
        "double",
      ]);
      await assert.rejects(
        defaultTaskResolver.loadTask(["task-module", "test.unit.entrypoint.fixtures.resolvable", "task-name", "nope"]),
        /has no export "nope"; its task exports are: double/,
      );
      await assert.rejects(
        defaultTaskResolver.loadTask([
          "task-module",
          "test.unit.entrypoint.fixtures.resolvable",
          "task-name",
          "helper",
        ]),
        /export "helper" of module .* is not a task/,
      );
      await assert.rejects(
        defaultTaskResolver.loadTask(["module", "x"]),
        /expects "task-module <module> task-name <export>"/,
      );
    } finally {
      delete process.env.FLYTE_PROJECT_ROOT;
    }
  });

  it("finds modules whose file names contain dots, trying .js, .mjs, .ts and .mts", () => {
    assert.equal(findModuleFile("resolvable", fixtures), join(fixtures, "resolvable.ts"));
    assert.equal(findModuleFile("dotted.name", fixtures), join(fixtures, "dotted.name.mjs"));
    assert.equal(findModuleFile("missing", fixtures), undefined);
    const deep = tmp();
    mkdirSync(join(deep, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), { recursive: true });
    writeFileSync(join(deep, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k.js"), "");
    writeFileSync(join(deep, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "x.y.ts"), "");
    assert.equal(findModuleFile("a.b.c.d.e.f.g.h.i.j.k", deep), join(deep, "a/b/c/d/e/f/g/h/i/j/k.js"));
    assert.equal(findModuleFile("a.b.c.d.e.f.g.h.i.j.x.y", deep), join(deep, "a/b/c/d/e/f/g/h/i/j/x.y.ts"));
  });

  it("finds modules in hidden directories and files, whose names drop the leading dot; visible names first", () => {
    const dir = tmp();
    mkdirSync(join(dir, ".flyte"), { recursive: true });
    mkdirSync(join(dir, "src", ".hidden", "deep.er"), { recursive: true });
    writeFileSync(join(dir, ".flyte", "wf.js"), "");
    writeFileSync(join(dir, "src", ".hidden", "deep.er", "x.ts"), "");
    writeFileSync(join(dir, "src", ".dotfile.mts"), "");
    assert.equal(findModuleFile("flyte.wf", dir), join(dir, ".flyte", "wf.js"));
    assert.equal(findModuleFile("src.hidden.deep.er.x", dir), join(dir, "src", ".hidden", "deep.er", "x.ts"));
    assert.equal(findModuleFile("src.dotfile", dir), join(dir, "src", ".dotfile.mts"));
    assert.equal(findModuleFile("src..hidden.x", dir), undefined, "an empty segment names nothing");
    assert.equal(findModuleFile("flyte.nope", dir), undefined);
    mkdirSync(join(dir, "flyte"));
    writeFileSync(join(dir, "flyte", "wf.ts"), "");
    assert.equal(findModuleFile("flyte.wf", dir), join(dir, "flyte", "wf.ts"), "the visible directory wins");
  });

  it("loads the SDK's resolvers, and a custom one named <module>.<export>: an object or a class", async () => {
    process.env.FLYTE_PROJECT_ROOT = repo;
    try {
      for (const name of ["custom", "CustomResolver"]) {
        const r = await loadResolver(`test.unit.entrypoint.fixtures.resolvable.${name}`);
        const loaded = await r.loadTask(["anything"]);
        assert.equal(loaded.name, "test.unit.entrypoint.fixtures.resolvable.double");
      }
      await assert.rejects(
        loadResolver("test.unit.entrypoint.fixtures.resolvable.helper"),
        /not an object with a loadTask/,
      );
      await assert.rejects(loadResolver("nodots"), /not of the form <module>.<export>/);
      const eager = await loadResolver(EAGER_FAILURE_RESOLVER_LOCATION);
      assert.equal((await eager.loadTask(["eager", "failure", "handler"])).kind, "task");
    } finally {
      delete process.env.FLYTE_PROJECT_ROOT;
    }
  });

  it("runs a task named by the resolver args", async () => {
    process.env.FLYTE_PROJECT_ROOT = repo;
    try {
      const dir = tmp();
      writeInputs(dir, { x: integerLiteral(21n) });
      const result = await quiet(() =>
        runContainerTask({
          args: argsIn(dir, {
            loaderArgs: ["task-module", "test.unit.entrypoint.fixtures.resolvable", "task-name", "double"],
          }),
          env: {},
        }),
      );
      assert.equal(result.status, "succeeded");
      const o0 = readOutputs(join(dir, "out", "outputs.pb")).literals.o0!;
      assert.equal(
        o0.value.case === "scalar" &&
          o0.value.value.value.case === "primitive" &&
          o0.value.value.value.value.value.value,
        42n,
      );
    } finally {
      delete process.env.FLYTE_PROJECT_ROOT;
    }
  });

  it("a string literal where an int is expected fails conversion, not loading", async () => {
    const add = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);
    const { result } = await runTask(add, { a: stringLiteral("x") });
    assert.equal(result.error?.code, "SYSTEM");
  });
});
