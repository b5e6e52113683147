// Proves the Python oracle (.venv with the pinned flytekit) works end to end: flytekit's TypeEngine writes a
// LiteralMap, our IDL bindings read it back.
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import type { Literal } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { oracleSkip, repoRoot, runPython } from "./oracles.js";

const skip = oracleSkip("python");
const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-pyoracle-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function pinnedFlytekit(): string {
  const requirements = readFileSync(join(repoRoot, "tools", "flytekit-oracle", "requirements.txt"), "utf8");
  const m = /^flytekit==(\S+)$/m.exec(requirements);
  assert.ok(m, "requirements.txt pins flytekit");
  return m[1]!;
}

function primitiveOf(literal: Literal | undefined) {
  assert.ok(literal, "literal present");
  assert.equal(literal.value.case, "scalar");
  const scalar = literal.value.value;
  assert.equal(scalar.value.case, "primitive");
  return scalar.value.value.value;
}

describe("flytekit (Python oracle)", () => {
  test("TypeEngine LiteralMap written by flytekit decodes with our bindings", { skip }, async () => {
    const out = join(scratch, "literals.pb");
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "flytekit_smoke.py"), [out]);
    assert.equal(run.exitCode, 0, `${run.stdout}${run.stderr}`);
    const info = JSON.parse(run.stdout.trim().split("\n").pop()!) as { flytekit: string; bytes: number };
    assert.equal(info.flytekit, pinnedFlytekit(), "the venv has the pinned flytekit");

    const bytes = readFileSync(out);
    assert.equal(bytes.length, info.bytes);
    const map = fromBinary(LiteralMapSchema, bytes);
    assert.deepEqual(Object.keys(map.literals).sort(), ["count", "greeting"]);
    assert.deepEqual(primitiveOf(map.literals.count), { case: "integer", value: 42n });
    assert.deepEqual(primitiveOf(map.literals.greeting), { case: "stringValue", value: "hello from flytekit" });
    // Nothing in flytekit's output is unknown to our schema.
    assert.equal(map.$unknown, undefined);
    assert.equal(map.literals.count!.$unknown, undefined);
  });
});
