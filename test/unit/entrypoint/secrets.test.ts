// A secret read through the SDK never appears in what the entrypoint writes: error.pb, deck.html, its logs.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { currentContext } from "../../../src/core/context.js";
import { task } from "../../../src/core/function-task.js";
import { captured, readError, runTask, tmp } from "./helpers.js";

const SENTINEL = "s3ntinel-Pa55w0rd-7c1e";

describe("secret masking", () => {
  before(() => {
    process.env._FSEC_DB_PASSWORD = SENTINEL;
    process.env._FSEC_API_TOKEN = `${SENTINEL}-api`;
    process.env.FLYTE_SDK_LOGGING_LEVEL = "debug";
  });
  after(() => {
    delete process.env._FSEC_DB_PASSWORD;
    delete process.env._FSEC_API_TOKEN;
    delete process.env.FLYTE_SDK_LOGGING_LEVEL;
  });

  it("masks the value in error.pb (message and causes), deck.html and every log line", async () => {
    captured.stderr = "";
    const leaky = task({ secrets: [{ group: "db", key: "password" }], enableDeck: true }, () => {
      const ctx = currentContext();
      const pw = ctx.secrets.get("db", "password");
      ctx.logger.debug(`connecting with ${pw}`, { pw });
      ctx.logger.error("connecting", new Error(pw));
      ctx.defaultDeck.append(`<p>password is ${pw}</p>`);
      throw new Error(`login failed for ${pw}`, { cause: new Error(`server said: bad password ${pw}`) });
    });
    const { dir, result } = await runTask(leaky);
    assert.equal(result.status, "failed");
    const files = readdirSync(join(dir, "out"));
    assert.deepEqual(files.sort(), ["deck.html", "error.pb"]);
    for (const f of files) {
      const bytes = readFileSync(join(dir, "out", f));
      assert.equal(bytes.includes(SENTINEL), false, `${f} leaks the secret`);
    }
    const message = readError(join(dir, "out", "error.pb")).error!.message;
    assert.match(message, /login failed for \*\*\*/);
    assert.match(message, /Caused by: Error: server said: bad password \*\*\*/);
    assert.match(readFileSync(join(dir, "out", "deck.html"), "utf8"), /password is \*\*\*/);
    assert.ok(captured.stderr.length > 0, "the logs were captured");
    assert.equal(captured.stderr.includes(SENTINEL), false, "the logs leak the secret");
    assert.match(captured.stderr, /connecting with \*\*\*/);
  });

  it("masks secrets read while the task's module loads", async () => {
    captured.stderr = "";
    const { dir } = await runTask(async () => {
      const token = currentContext().secrets.get("api", "token");
      return task({}, () => {
        throw new Error(`token ${token} rejected`);
      });
    });
    const bytes = readFileSync(join(dir, "out", "error.pb"));
    assert.equal(bytes.includes(SENTINEL), false);
    assert.match(readError(join(dir, "out", "error.pb")).error!.message, /token \*\*\* rejected/);
    assert.equal(captured.stderr.includes(SENTINEL), false);
  });

  it("masks what user code and its child processes print, split writes included", () => {
    const dir = tmp();
    const child = spawnSync(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(import.meta.dirname, "fixtures", "print-secret.ts"), dir],
      { encoding: "utf8", env: { ...process.env, FLYTE_SDK_LOGGING_LEVEL: "info" }, timeout: 60_000 },
    );
    const { stdout, stderr } = child;
    assert.match(stdout, /status succeeded/, stderr);
    for (const [name, text] of [
      ["stdout", stdout],
      ["stderr", stderr],
    ] as const) {
      assert.equal(text.includes(SENTINEL), false, `${name} leaks the secret: ${text}`);
      assert.equal(text.includes(SENTINEL.slice(3, 15)), false, `${name} leaks part of the secret: ${text}`);
    }
    assert.match(stdout, /console\.log \*\*\*\n/);
    assert.match(stdout, /split \*\*\* end\n/);
    assert.match(stdout, /shell sees \*\*\*/);
    assert.match(stdout, /tail s3n\n/, "a prefix that turned out not to be a secret is written in the end");
    assert.match(stderr, /console\.error \{ pw: '\*\*\*' \}/);
    assert.match(stderr, /shell err \*\*\*/);
  });
});
