/** Live progress lines: only changes are printed, with durations, cache status and the first line of errors. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDurationMs, progressRenderer } from "../../../src/cli/progress.js";

const node = (
  id: string,
  phase: string,
  extra: Partial<{ durationMs: number; cache: string; error: string }> = {},
) => ({
  id,
  phase,
  durationMs: extra.durationMs,
  cache: extra.cache,
  error: extra.error,
});

describe("progress rendering", () => {
  test("each report prints only what changed", () => {
    const render = progressRenderer();
    assert.deepEqual(render({ phase: "QUEUED", nodes: [] }), ["execution QUEUED"]);
    assert.deepEqual(render({ phase: "RUNNING", nodes: [node("n0", "RUNNING", { durationMs: 10 })] }), [
      "execution RUNNING",
      "  n0           RUNNING",
    ]);
    assert.deepEqual(render({ phase: "RUNNING", nodes: [node("n0", "RUNNING")] }), []);
    assert.deepEqual(
      render({
        phase: "RUNNING",
        nodes: [node("n0", "SUCCEEDED", { durationMs: 1234, cache: "CACHE_HIT" }), node("n1", "QUEUED")],
      }),
      ["  n0           SUCCEEDED (1.2s, cache hit)", "  n1           QUEUED"],
    );
    assert.deepEqual(
      render({
        phase: "FAILED",
        nodes: [
          node("n0", "SUCCEEDED", { cache: "CACHE_HIT" }),
          node("n1", "FAILED", { durationMs: 80, error: "boom\ntrace" }),
        ],
      }),
      ["execution FAILED", "  n1           FAILED (80ms): boom"],
    );
  });

  test("durations", () => {
    assert.equal(formatDurationMs(12), "12ms");
    assert.equal(formatDurationMs(12_345), "12.3s");
    assert.equal(formatDurationMs(245_000), "4m05s");
  });
});
