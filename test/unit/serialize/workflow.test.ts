/**
 * Collecting and serializing workflows and launch plans: dependency order, a default launch plan for every
 * workflow (subworkflows too, as pyflyte registers them), deduplication by name, naming errors, node metadata, the
 * launch plan closure, and the single-entity helpers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { launchPlan, t, task, workflow } from "flytekit-ts";
import { LaunchPlanSchema } from "../../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { ResourceType } from "../../../src/idl/gen/flyteidl/core/identifier_pb.js";
import type { Node } from "../../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { entityBytes } from "../../../src/serialize/package.js";
import {
  collectEntities,
  type SerializedEntity,
  Serializer,
  serializeLaunchPlan,
  serializeTask,
  serializeWorkflow,
} from "../../../src/serialize/translate.js";
import { decode, exported, roundTrip, settings, wireFields } from "./helpers.js";

const FILE = import.meta.filename;
const M = "test.unit.serialize.workflow.test";

const add = exported(
  "add",
  task({ inputs: { a: t.int, b: t.int.default(1) }, outputs: t.int }, ({ a, b }) => a + b),
  FILE,
);
const inner = exported(
  "inner",
  workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => add({ a: x })),
  FILE,
);
const middle = exported(
  "middle",
  workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => inner({ x: add({ a: x, b: 2 }) })),
  FILE,
);
const outer = exported(
  "outer",
  workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    const a = middle({ x });
    return inner({ x: a });
  }),
  FILE,
);
const greetWf = exported(
  "greetWf",
  workflow({ inputs: { greeting: t.str, name: t.str, n: t.int }, outputs: t.int }, ({ n }) => add({ a: n })),
  FILE,
);
const french = exported(
  "french",
  launchPlan(greetWf, { name: `${M}.french`, fixedInputs: { greeting: "Bonjour" }, defaultInputs: { name: "monde" } }),
  FILE,
);
const callsLp = exported(
  "callsLp",
  workflow({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => french({ n })),
  FILE,
);

const names = (es: readonly SerializedEntity[]) => es.map((e) => `${e.name.replace(`${M}.`, "")}_${e.kind}`);

describe("collecting entities", () => {
  test("dependency order: tasks, subworkflows (each followed by its default launch plan), the workflow, its launch plan", () => {
    const es = collectEntities([outer], settings());
    assert.deepEqual(names(es), ["add_1", "inner_2", "inner_3", "middle_2", "middle_3", "outer_2", "outer_3"]);
    for (const e of es)
      decode(e.kind === 1 ? TaskSpecSchema : e.kind === 2 ? WorkflowSpecSchema : LaunchPlanSchema, entityBytes(e));
  });

  test("deduplicated by name: roots that were already collected as dependencies add nothing", () => {
    const es = collectEntities([inner, outer, add, middle, outer], settings());
    assert.deepEqual(names(es), ["add_1", "inner_2", "inner_3", "middle_2", "middle_3", "outer_2", "outer_3"]);
  });

  test("a called launch plan comes before its caller, after its workflow and the workflow's default launch plan", () => {
    assert.deepEqual(names(collectEntities([callsLp], settings())), [
      "add_1",
      "greetWf_2",
      "greetWf_3",
      "french_3",
      "callsLp_2",
      "callsLp_3",
    ]);
  });

  test("two different entities under one name are an error; the same one twice is one entity", () => {
    const a = task({ name: `${M}.clash`, inputs: { a: t.int } }, () => undefined);
    const b = task({ name: `${M}.clash`, inputs: { b: t.str } }, () => undefined);
    exported("clashA", a, FILE);
    exported("clashB", b, FILE);
    const s = new Serializer(settings());
    s.add(a);
    s.add(a);
    assert.equal(s.entities.length, 1);
    assert.throws(() => s.add(b), /two different tasks are named "test\.unit\.serialize\.workflow\.test\.clash"/);
  });

  test("an entity that is neither exported nor named is an error that says how to fix it", () => {
    const hidden = workflow({ inputs: {} }, () => undefined);
    assert.throws(
      () => collectEntities([hidden], settings()),
      /has no name; export it from its module or give it a name/,
    );
    const hiddenTask = task({ inputs: {} }, () => undefined);
    const user = exported(
      "userOfHidden",
      workflow({ inputs: {} }, () => {
        hiddenTask();
      }),
      FILE,
    );
    assert.throws(() => collectEntities([user], settings()), /export it from its module or give it a name/);
  });

  test("a launch plan without a name of its own cannot have default or fixed inputs", () => {
    const unnamed = launchPlan(greetWf, { fixedInputs: { greeting: "Hi" } });
    assert.throws(() => collectEntities([unnamed], settings()), /needs a name of its own/);
    // Without inputs it is the default launch plan.
    const plain = launchPlan(greetWf);
    assert.deepEqual(names(collectEntities([plain], settings())), ["add_1", "greetWf_2", "greetWf_3"]);
  });
});

describe("nodes", () => {
  const spec = roundTrip(WorkflowSpecSchema, serializeWorkflow(outer, settings()));
  const [n0, n1] = spec.template!.nodes as [Node, Node];

  test("workflow nodes: subworkflow refs, short names, retries present, interruptible false as flytekit writes it", () => {
    assert.equal(n0.id, "n0");
    assert.equal(n0.metadata?.name, "middle");
    assert.equal(n0.metadata?.retries?.retries, 0);
    assert.deepEqual(n0.metadata?.interruptibleValue, { case: "interruptible", value: false });
    assert.equal(n0.target.case, "workflowNode");
    const ref = n0.target.case === "workflowNode" ? n0.target.value.reference : undefined;
    assert.equal(ref?.case, "subWorkflowRef");
    assert.equal(ref?.value.resourceType, ResourceType.WORKFLOW);
    assert.equal(ref?.value.name, `${M}.middle`);
    assert.deepEqual(n1.upstreamNodeIds, ["n0"]);
  });

  test("task nodes leave interruptible unset when the task does not say", () => {
    const inn = spec.subWorkflows.find((w) => w.id?.name === `${M}.inner`)!;
    const tn = inn.nodes[0]!;
    assert.equal(tn.target.case, "taskNode");
    assert.equal(tn.metadata?.interruptibleValue.case, undefined);
    // The task default b=1 is materialised as a scalar binding; the workflow input is a promise of node "".
    const b = tn.inputs.find((x) => x.var === "b")!.binding!.value;
    assert.equal(b.case, "scalar");
    const a = tn.inputs.find((x) => x.var === "a")!.binding!.value;
    assert.equal(a.case === "promise" && a.value.nodeId, "");
  });

  test("sub_workflows: every workflow below, recursively, once, sorted by id", () => {
    assert.deepEqual(
      spec.subWorkflows.map((w) => w.id?.name),
      [`${M}.inner`, `${M}.middle`],
    );
  });

  test("launch plan nodes bind every input but the fixed ones, defaults included", () => {
    const wspec = serializeWorkflow(callsLp, settings());
    const node = wspec.template!.nodes[0]!;
    assert.equal(node.target.case === "workflowNode" && node.target.value.reference.case, "launchplanRef");
    assert.deepEqual(
      node.inputs.map((b) => b.var),
      ["n", "name"],
    );
    // flytekit's LaunchPlan.construct_node_metadata is its workflow's: interruptible false, the workflow's name.
    assert.deepEqual(node.metadata?.interruptibleValue, { case: "interruptible", value: false });
    assert.deepEqual(wspec.subWorkflows, []);
  });
});

describe("launch plans", () => {
  test("the default launch plan of a workflow, with a closure of expected inputs and outputs", () => {
    const lp = roundTrip(LaunchPlanSchema, serializeLaunchPlan(greetWf, settings()));
    assert.equal(lp.id?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(lp.id?.name, `${M}.greetWf`);
    assert.equal(lp.spec?.workflowId?.name, `${M}.greetWf`);
    assert.deepEqual(Object.keys(lp.spec!.defaultInputs!.parameters).sort(), ["greeting", "n", "name"]);
    assert.ok(Object.values(lp.spec!.defaultInputs!.parameters).every((p) => p.behavior.case === "required"));
    assert.deepEqual(lp.spec?.fixedInputs?.literals, {});
    assert.deepEqual(Object.keys(lp.closure!.expectedInputs!.parameters).sort(), ["greeting", "n", "name"]);
    assert.deepEqual(Object.keys(lp.closure!.expectedOutputs!.variables), ["o0"]);
    // flytectl dereferences the closure without a nil check: field 3 must be on the wire.
    assert.ok(wireFields(toBinary(LaunchPlanSchema, lp)).some((f) => f.no === 3));
  });

  test("a named launch plan: fixed inputs as literals (not parameters), defaults as parameter defaults", () => {
    const lp = roundTrip(LaunchPlanSchema, serializeLaunchPlan(french, settings()));
    assert.equal(lp.id?.name, `${M}.french`);
    assert.equal(lp.spec?.workflowId?.name, `${M}.greetWf`);
    const params = lp.spec!.defaultInputs!.parameters;
    assert.deepEqual(Object.keys(params).sort(), ["n", "name"]);
    assert.equal(params.n?.behavior.case, "required");
    assert.equal(params.name?.behavior.case, "default");
    assert.deepEqual(Object.keys(lp.spec!.fixedInputs!.literals), ["greeting"]);
    assert.ok(lp.closure);
  });

  test("an empty closure still encodes (flytekit writes closure{expected_inputs{}, expected_outputs{}})", () => {
    const none = exported(
      "noIo",
      workflow({ inputs: {} }, () => undefined),
      FILE,
    );
    const lp = serializeLaunchPlan(none, settings());
    const closure = wireFields(toBinary(LaunchPlanSchema, lp)).find((f) => f.no === 3);
    assert.ok(closure, "closure present");
  });
});

describe("single entities", () => {
  test("serializeTask gives a TaskSpec whose template id carries the settings' ids", () => {
    const spec = serializeTask(add, settings({ project: "p", domain: "d", version: "7" }));
    assert.deepEqual(
      [spec.template?.id?.project, spec.template?.id?.domain, spec.template?.id?.name, spec.template?.id?.version],
      ["p", "d", `${M}.add`, "7"],
    );
  });
});
