import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import {
  containerTask,
  FlyteUserError,
  FlyteValidationError,
  serializationSettings,
  serializeTask,
  t,
} from "flytekit-ts";

const square = containerTask({
  name: "ct.unit.square",
  image: "alpine:3.20",
  inputs: { n: t.int },
  outputs: { out: t.int },
  command: ["sh", "-c", "echo $(( {{.inputs.n}} * {{.inputs.n}} )) > /var/outputs/out"],
});

/** Whether a docker or podman engine answers on this machine. */
function engineAnswers(): boolean {
  return ["docker", "podman"].some((e) => spawnSync(e, ["info"], { timeout: 20_000 }).status === 0);
}

describe("container tasks", () => {
  it("serialize as a raw-container task with the image, command and data loading config", () => {
    const tt = serializeTask(square, serializationSettings()).template!;
    assert.equal(tt.type, "raw-container");
    assert.equal(tt.target.case, "container");
    const c = tt.target.value as { image: string; command: string[]; args: string[]; dataConfig?: object };
    assert.equal(c.image, "alpine:3.20");
    assert.deepEqual(c.command, ["sh", "-c", "echo $(( {{.inputs.n}} * {{.inputs.n}} )) > /var/outputs/out"]);
    assert.deepEqual(c.args, []);
    assert.deepEqual(
      { ...(c.dataConfig as Record<string, unknown>), $typeName: undefined },
      { $typeName: undefined, enabled: true, inputPath: "/var/inputs", outputPath: "/var/outputs", format: 0 },
    );
  });

  it("bad declarations fail at definition time, naming what is wrong", () => {
    const base = { name: "ct.bad", image: "alpine", inputs: { n: t.int }, command: ["true"] };
    assert.throws(() => containerTask({ ...base, image: "" }), FlyteValidationError);
    assert.throws(() => containerTask({ ...base, command: [] }), /command must be a non-empty array/);
    assert.throws(
      () => containerTask({ ...base, command: ["echo", "{{.inputs.m}}"] }),
      /\{\{\.inputs\.m\}\}, which is not an input/,
    );
    assert.throws(() => containerTask({ ...base, outputs: { x: t.list(t.int) } }), /output x is list<int>/);
    assert.throws(() => containerTask({ ...base, inputDataDir: "rel" }), /absolute paths, got rel/);
  });

  it("without a container engine, running locally fails with an error that says so", async (t) => {
    if (engineAnswers()) {
      t.skip("a container engine answers here: the error path cannot be reached");
      return;
    }
    await assert.rejects(square({ n: 3 }), (e: unknown) => {
      const err = (e as { cause?: unknown }).cause ?? e;
      assert.ok(err instanceof FlyteUserError, String(e));
      assert.match(
        err.message,
        /ct\.unit\.square: a container task runs its image alpine:3\.20 locally with docker or podman/,
      );
      assert.match(
        err.message,
        /(neither docker nor podman is installed|docker is installed but its engine does not answer)/,
      );
      return true;
    });
  });

  it("an engine named by FLYTE_CONTAINER_ENGINE that is not installed is named in the error", async () => {
    const before = process.env.FLYTE_CONTAINER_ENGINE;
    process.env.FLYTE_CONTAINER_ENGINE = "/nonexistent/engine";
    try {
      await assert.rejects(square({ n: 3 }), /\/nonexistent\/engine is not installed/);
    } finally {
      if (before === undefined) delete process.env.FLYTE_CONTAINER_ENGINE;
      else process.env.FLYTE_CONTAINER_ENGINE = before;
    }
  });

  it("with a container engine, the task runs its image and reads its outputs from files", {
    skip: !engineAnswers(),
  }, async () => {
    assert.deepEqual(await square({ n: 7 }), { out: 49 });
  });
});
