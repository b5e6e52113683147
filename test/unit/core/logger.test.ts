import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../../src/core/logger.js";

test("the logger masks secrets, including ones with quotes and backslashes", () => {
  const secret = 'pa"ss\\word-SENTINEL';
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const prev = process.env.FLYTE_SDK_LOGGING_LEVEL;
  process.env.FLYTE_SDK_LOGGING_LEVEL = "debug";
  try {
    const log = createLogger({
      executionName: "e",
      taskName: "t",
      redact: new Set([secret]),
    });
    log.info(`token is ${secret}`, { nested: { value: secret } });
  } finally {
    process.stderr.write = write;
    if (prev === undefined) delete process.env.FLYTE_SDK_LOGGING_LEVEL;
    else process.env.FLYTE_SDK_LOGGING_LEVEL = prev;
  }
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes("SENTINEL"), lines[0]);
  const parsed = JSON.parse(lines[0]!);
  assert.equal(parsed.message, "token is ***");
  assert.equal(parsed.nested.value, "***");
  assert.equal(parsed.task, "t");
});
