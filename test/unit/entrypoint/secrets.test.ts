// A secret read through the SDK never appears in what the entrypoint writes: error.pb, deck.html, its logs.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { currentContext } from "../../../src/core/context.js";
import { task } from "../../../src/core/function-task.js";
import { captured, readError, runTask } from "./helpers.js";

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
});
