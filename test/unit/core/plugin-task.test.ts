import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlyteUserError, FlyteValidationError, PluginTask, pluginTask, t, workflow } from "flytekit-ts";
import { serializationSettings } from "../../../src/serialize/settings.js";
import { serializeTask, serializeWorkflow } from "../../../src/serialize/translate.js";

const config = { sensor_module: "m", sensor_name: "S", sensor_config: null, inputs: null };

describe("plugin tasks", () => {
  test("declared with a task type and a JSON config; serialized with custom and no container", () => {
    const s = pluginTask({
      name: "pt.sensor",
      taskType: "sensor",
      inputs: { path: t.str },
      taskConfig: config,
      retries: 2,
      timeout: "1h",
      docs: "Waits.",
    });
    assert.ok(s instanceof PluginTask);
    // No default image is needed: there is no container.
    const spec = serializeTask(s, serializationSettings({ image: {} }));
    const tt = spec.template!;
    assert.equal(tt.type, "sensor");
    assert.equal(tt.target.case, undefined);
    assert.deepEqual(tt.custom, config);
    assert.equal(tt.metadata!.retries!.retries, 2);
    assert.equal(tt.taskTypeVersion, 0);
    assert.equal(spec.description!.shortDescription, "Waits.");
    const v2 = pluginTask({ name: "pt.v2", taskType: "agent", taskConfig: {}, taskTypeVersion: 2 });
    assert.equal(serializeTask(v2, serializationSettings({ image: {} })).template!.taskTypeVersion, 2);
  });

  test("bad declarations fail at definition, naming the option and the value", () => {
    const bad = (o: Record<string, unknown>, re: RegExp) =>
      assert.throws(
        () => pluginTask({ name: "pt.bad", taskType: "sensor", taskConfig: {}, ...o } as never),
        (e: unknown) => e instanceof FlyteValidationError && re.test(e.message),
      );
    bad({ name: "" }, /a plugin task needs an explicit name/);
    bad({ taskType: "python-task" }, /taskType = "python-task" must name the plugin/);
    bad({ taskType: undefined }, /taskType = undefined must name the plugin/);
    bad({ taskConfig: [1] }, /taskConfig must be a JSON object/);
    bad({ taskConfig: { when: new Date(0) } }, /taskConfig.when = .* is not JSON/);
    bad({ taskConfig: { n: Number.NaN } }, /taskConfig.n = NaN is not JSON/);
    bad({ taskConfig: { deep: [{ big: 1n }] } }, /taskConfig.deep\[0\].big = 1n is not JSON/);
    bad({ taskTypeVersion: -1 }, /taskTypeVersion = -1/);
    bad({ containerImage: "x" }, /unrecognized option\(s\) "containerImage"/);
    bad({ requests: { cpu: "1" } }, /unrecognized option\(s\) "requests"/);
  });

  test("locally: the given function runs; without one, a clear error naming the task and its type", async () => {
    const withFn = pluginTask(
      { name: "pt.local", taskType: "sensor", inputs: { x: t.int }, outputs: t.int, taskConfig: {} },
      ({ x }) => x + 1,
    );
    assert.equal(await withFn({ x: 1 }), 2);
    const none = pluginTask({ name: "pt.none", taskType: "sensor", taskConfig: {} });
    await assert.rejects(
      () => none(),
      (e: unknown) =>
        e instanceof FlyteUserError && /pt.none is run by the Flyte plugin for task type "sensor"/.test(e.message),
    );
  });

  test("a node's taskConfig override becomes the node's custom; a pod template override is refused", () => {
    const s = pluginTask({ name: "pt.cfg", taskType: "sensor", inputs: { p: t.str }, taskConfig: { mode: "a" } });
    const wf = workflow({ name: "pt.cfgwf", inputs: { p: t.str } }, ({ p }) => {
      s({ p }).withOverrides({ taskConfig: { mode: "b" } });
    });
    const node = wf.compile().nodes[0]!;
    assert.deepEqual((node.entity as PluginTask).getCustom(), { mode: "b" });
    const pod = workflow({ name: "pt.podwf", inputs: { p: t.str } }, ({ p }) => {
      s({ p }).withOverrides({ podTemplate: { podSpec: {} } });
    });
    assert.throws(
      () => serializeWorkflow(pod, serializationSettings({ image: { default: "img:v1" } })),
      /a pod template override needs the task's container, and a plugin task has none/,
    );
  });
});
