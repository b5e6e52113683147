import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { currentContext, FlyteUserError, SecretsManager, t, task } from "flytekit-ts";

describe("secrets", () => {
  test("env var _FSEC_<GROUP>_<VERSION>_<KEY> first", () => {
    process.env._FSEC_GITHUB_TOKEN = "sentinel-env-1234";
    try {
      const s = new SecretsManager({ local: false });
      assert.equal(s.envVarName("github", "token"), "_FSEC_GITHUB_TOKEN");
      assert.equal(s.envVarName("g", "k", "v1"), "_FSEC_G_V1_K");
      assert.equal(s.get("github", "token"), "sentinel-env-1234");
      assert.ok(s.readValues.has("sentinel-env-1234"));
    } finally {
      delete process.env._FSEC_GITHUB_TOKEN;
    }
  });

  test("locally, the unprefixed name is accepted too", () => {
    process.env.DB_PASSWORD = "sentinel-local-5678";
    try {
      assert.equal(new SecretsManager({ local: true }).get("db", "password"), "sentinel-local-5678");
      assert.throws(() => new SecretsManager({ local: false }).get("db", "password"), FlyteUserError);
    } finally {
      delete process.env.DB_PASSWORD;
    }
  });

  test("then the mounted file /etc/secrets/<group>/<version>/<prefix><key>", () => {
    const dir = mkdtempSync(join(tmpdir(), "secrets-"));
    mkdirSync(join(dir, "grp", "v2"), { recursive: true });
    writeFileSync(join(dir, "grp", "v2", "pre-key"), "from-file-value\n");
    process.env.FLYTE_SECRETS_DEFAULT_DIR = dir;
    process.env.FLYTE_SECRETS_FILE_PREFIX = "pre-";
    try {
      const s = new SecretsManager({ local: false });
      assert.equal(s.filePath("GRP", "KEY", "V2"), join(dir, "grp", "v2", "pre-key"));
      assert.equal(s.get("grp", "key", "v2"), "from-file-value");
    } finally {
      delete process.env.FLYTE_SECRETS_DEFAULT_DIR;
      delete process.env.FLYTE_SECRETS_FILE_PREFIX;
    }
  });

  test("a missing secret names where it looked, never a value", () => {
    assert.throws(
      () => new SecretsManager({ local: true }).get("nope", "k"),
      (e: unknown) =>
        e instanceof FlyteUserError &&
        /_FSEC_NOPE_K or NOPE_K/.test(e.message) &&
        /\/etc\/secrets\/nope\/k/.test(e.message),
    );
  });
});

describe("currentContext()", () => {
  test("outside a task: local ids and a sandbox", () => {
    const ctx = currentContext();
    assert.deepEqual(ctx.executionId, { project: "local", domain: "local", name: "local" });
    assert.ok(ctx.workingDirectory.length > 0);
  });

  test("inside a task: its own working directory, raw output prefix, decks when enabled, a logger", async () => {
    const probe = task(
      { name: "ctx.probe", outputs: { wd: t.str, raw: t.str, decks: t.bool, task: t.str }, enableDeck: true },
      () => {
        const ctx = currentContext();
        ctx.defaultDeck.append("<p>hi</p>");
        ctx.logger.debug("inside");
        return { wd: ctx.workingDirectory, raw: ctx.rawOutputPrefix, decks: ctx.enableDeck, task: ctx.taskId.name };
      },
    );
    const out = await probe();
    assert.notEqual(out.wd, currentContext().workingDirectory);
    assert.equal(out.decks, true);
    assert.equal(out.task, "ctx.probe");
    assert.ok(out.raw.length > 0);
  });

  test("a task's working directory exists once read, and is only made for tasks that read it", async () => {
    const reads = task({ name: "ctx.reads", outputs: t.str }, () => {
      const wd = currentContext().workingDirectory;
      assert.ok(statSync(wd).isDirectory(), `${wd} exists`);
      writeFileSync(join(wd, "scratch.txt"), "x");
      return wd;
    });
    const skips = task({ name: "ctx.skips", inputs: { i: t.int }, outputs: t.int }, ({ i }) => i);
    const wd = await reads();
    assert.ok(existsSync(join(wd, "scratch.txt")));
    const root = join(wd, "..");
    const before = readdirSync(root).length;
    for (let i = 0; i < 20; i++) await skips({ i });
    assert.equal(readdirSync(root).length, before, "tasks that never read their working directory leave none");
    assert.notEqual(await reads(), wd, "each run has a directory of its own");
  });

  test("concurrent tasks each see their own context", async () => {
    const who = task({ name: "ctx.who", inputs: { i: t.int }, outputs: t.str }, async ({ i }) => {
      const before = currentContext().workingDirectory;
      await new Promise((r) => setTimeout(r, 5 * (3 - i)));
      assert.equal(currentContext().workingDirectory, before);
      return before;
    });
    const dirs = await Promise.all([0, 1, 2].map((i) => who({ i })));
    assert.equal(new Set(dirs).size, 3);
  });
});
