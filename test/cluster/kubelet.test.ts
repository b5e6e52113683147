/**
 * The kubelet stand-in's provider (tools/local-flyte/kubelet), tested by its Go tests: at most --max-running-pods pods
 * run at once and the others stay Pending with their containers waiting for a slot, a waiting pod that is deleted never
 * starts, no limit runs every pod at once, and every container is recorded in containers.jsonl with its pod's labels,
 * its wait and its process times. The Go toolchain builds the local Flyte, so this suite has it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const dir = join(import.meta.dirname, "..", "..", "tools", "local-flyte", "kubelet");
const hasGo = spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;

test("go test of the kubelet stand-in's provider", {
  skip: hasGo ? false : "go is not installed",
  timeout: 900_000,
}, () => {
  const r = spawnSync("go", ["test", "-count=1", "-v", "."], {
    cwd: dir,
    env: { ...process.env, GOFLAGS: "-mod=readonly -buildvcs=false", GOTOOLCHAIN: "local" },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  for (const name of [
    "TestPodsBeyondTheLimitStayPendingUntilASlotFrees",
    "TestDeletingAWaitingPodNeverStartsIt",
    "TestNoLimitRunsPodsAtOnce",
    "TestANegativeLimitIsRefused",
  ])
    assert.match(r.stdout, new RegExp(`--- PASS: ${name}\\b`), `${name} ran and passed`);
});
