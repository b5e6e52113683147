/**
 * The binding type rules of compile() (src/types/castable.ts) against Flyte's compiler: for each pair of types, a
 * workflow binds an output of the first type to an input of the second, and the compiler's verdict on the workflow
 * must equal `areTypesCastable`. (Our compile() refuses the bad pairs, so the packages are written with matching
 * types and the consuming task's input type is changed afterwards, as a hand-edited package would be.)
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { clone, toBinary } from "@bufbuild/protobuf";
import { t, task, workflow } from "flytekit-ts";
import { bindExports } from "../../src/core/naming.js";
import { type TaskSpec, TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { entityFileNames } from "../../src/serialize/package.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer } from "../../src/serialize/translate.js";
import { areTypesCastable } from "../../src/types/castable.js";
import type { AnyType } from "../../src/types/type.js";
import { oracleSkip, runCompiler } from "./oracles.js";

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-castable-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const A = t.struct({ a: t.int }, { name: "CastA" });
const A2 = t.struct({ a: t.int }, { name: "CastA2" });
const AB = t.struct({ a: t.int, b: t.str }, { name: "CastAB" });
const B = t.struct({ b: t.str }, { name: "CastB" });
const Color = t.enum(["red", "blue"]);

/** [upstream, downstream] */
const PAIRS: [string, AnyType, AnyType][] = [
  ["int-int", t.int, t.int],
  ["int-optional", t.int, t.optional(t.int)],
  ["optional-int", t.optional(t.int), t.int],
  ["none-optional", t.none, t.optional(t.str)],
  ["str-int", t.str, t.int],
  ["int-float", t.int, t.float],
  ["datetime-str", t.datetime, t.str],
  ["listopt-list", t.list(t.optional(t.str)), t.list(t.str)],
  ["list-listopt", t.list(t.str), t.list(t.optional(t.str))],
  ["map-int-float", t.map(t.int), t.map(t.float)],
  ["enum-str", Color, t.str],
  ["str-enum", t.str, Color],
  ["union-wider", t.union(t.int, t.str), t.union(t.str, t.int, t.float)],
  ["union-narrower", t.union(t.int, t.str, t.float), t.union(t.str, t.int)],
  ["int-union", t.int, t.union(t.int, t.str)],
  ["struct-other", A, B],
  ["struct-renamed", A, A2],
  ["struct-wider", AB, A],
  ["struct-narrower", A, AB],
  ["file-file", t.file(), t.file()],
  ["file-dir", t.file(), t.dir()],
  ["df-generic-columns", t.dataframe(), t.dataframe({ columns: { a: t.int } })],
  ["df-columns-generic", t.dataframe({ columns: { a: t.int } }), t.dataframe()],
  ["df-columns-other", t.dataframe({ columns: { a: t.int } }), t.dataframe({ columns: { a: t.str } })],
  ["df-columns-subset", t.dataframe({ columns: { a: t.int, b: t.str } }), t.dataframe({ columns: { b: t.str } })],
];

describe("binding type rules agree with Flyte's compiler", { skip: oracleSkip("compiler") }, () => {
  test("each pair's verdict", async () => {
    const ns: Record<string, unknown> = {};
    const s = new Serializer(serializationSettings({ image: { default: "ghcr.io/acme/castable:v1" } }));
    const wanted = new Map<string, boolean>();
    for (const [name, up, down] of PAIRS) {
      const id = name.replace(/-/g, "_");
      const produce = task({ name: `cast.produce_${id}`, inputs: {}, outputs: up }, () => null as never);
      const consume = task({ name: `cast.consume_${id}`, inputs: { x: up }, outputs: t.int }, () => 0);
      const wf = workflow({ name: `cast.wf_${id}`, inputs: {}, outputs: t.int }, () =>
        consume({ x: produce({}) as never }),
      );
      Object.assign(ns, { [`produce_${id}`]: produce, [`consume_${id}`]: consume, [`wf_${id}`]: wf });
      wanted.set(`cast.wf_${id}`, areTypesCastable(up.literalType, down.literalType));
    }
    bindExports(ns, import.meta.filename, (v): v is never => typeof v === "function");
    for (const e of Object.values(ns)) s.add(e as never);
    const dir = join(scratch, "pkg");
    mkdirSync(dir);
    const names = entityFileNames(s.entities);
    s.entities.forEach((e, i) => {
      let bytes: Uint8Array;
      if (e.kind === 1) {
        const pair = PAIRS.find(([n]) => e.name === `cast.consume_${n.replace(/-/g, "_")}`);
        const spec: TaskSpec = clone(TaskSpecSchema, e.spec);
        if (pair) spec.template!.interface!.inputs!.variables.x!.type = pair[2].literalType;
        bytes = toBinary(TaskSpecSchema, spec);
      } else bytes = e.kind === 2 ? toBinary(WorkflowSpecSchema, e.spec) : toBinary(LaunchPlanSchema, e.spec);
      writeFileSync(join(dir, names[i]!), bytes);
    });
    const run = await runCompiler(dir, { noCrd: true });
    const verdicts = new Map(run.results.filter((r) => r.kind === "workflow").map((r) => [r.entity, r.ok]));
    assert.equal(verdicts.size, PAIRS.length, run.stdout + run.stderr);
    const disagree = [...wanted].filter(([wf, ok]) => verdicts.get(wf) !== ok).map(([wf, ok]) => `${wf}: ours ${ok}`);
    assert.deepEqual(disagree, [], run.stdout);
    // Both verdicts occur: the table tests the rules, not one answer.
    assert.ok([...wanted.values()].includes(true) && [...wanted.values()].includes(false));
  });
});
