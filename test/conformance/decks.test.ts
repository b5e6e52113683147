/**
 * Deck settings against flytekit 1.16: the tasks of test/conformance/py/decks_oracle.py, serialized by flytekit at
 * test time, and their TypeScript twins (fixtures/decks_twin.ts) must agree on the TaskTemplate's metadata
 * (`generates_deck`, `is_eager`; all but the SDK's runtime version and flavor) and on which deck fields each task
 * renders (flytekit's defaults, and fields dropped when decks are off).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import type { Task } from "../../src/core/task.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer } from "../../src/serialize/translate.js";
import { oracleSkip, repoRoot, runPython } from "./oracles.js";

type Json = { [k: string]: any };

describe("deck settings as flytekit writes them", { skip: oracleSkip("python") }, () => {
  test("generates_deck, is_eager and the deck fields of each task agree", async () => {
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "decks_oracle.py"));
    assert.equal(run.exitCode, 0, run.stderr);
    const theirs = new Map(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Json)
        .map((j) => [j.name as string, j]),
    );
    const { entities } = await loadEntities(join(repoRoot, "test", "conformance", "fixtures", "decks_twin.ts"));
    const s = new Serializer(serializationSettings({ image: { default: "img:v1" } }));
    const tasks = new Map<string, Task>();
    for (const e of entities.values()) {
      s.add(e);
      tasks.set(e.name, e as unknown as Task);
    }
    const ours = new Map(
      s.entities
        .filter((e) => e.kind === 1)
        .map((e) => [e.name, toJson(TaskSpecSchema, e.spec as never) as JsonValue as Json]),
    );
    assert.deepEqual([...theirs.keys()].sort(), [
      "all_fields",
      "eager_deck",
      "fields_without_decks",
      "plain",
      "some_fields",
    ]);
    for (const [name, py] of theirs) {
      const ts = ours.get(name);
      assert.ok(ts, `the twin serializes ${name}`);
      const meta = (j: Json) => ({ ...j.template.metadata, runtime: { type: j.template.metadata.runtime.type } });
      assert.deepEqual(meta(ts), meta(py.spec), `${name}: metadata`);
      assert.deepEqual(tasks.get(name)!.deckFields, py.deck_fields, `${name}: deck fields`);
    }
  });
});
