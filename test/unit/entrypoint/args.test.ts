// Command lines as serialization writes them, and the environment propeller sets.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseExecuteArgs,
  parseFastExecuteArgs,
  parseMapExecuteArgs,
  UsageError,
} from "../../../src/entrypoint/args.js";
import { withDistribution } from "../../../src/entrypoint/fast-execute.js";
import { arrayIndex, readSettings } from "../../../src/entrypoint/settings.js";

const TAIL = [
  "--resolver",
  "flytekit_ts.default_task_resolver",
  "--",
  "task-module",
  "examples.hello",
  "task-name",
  "say",
];

describe("tsflyte-execute arguments", () => {
  it("parses the command serialization writes, with rendered templates", () => {
    const a = parseExecuteArgs([
      "--inputs",
      "s3://b/m/inputs.pb",
      "--output-prefix",
      "s3://b/m/0",
      "--raw-output-data-prefix",
      "s3://b/raw/x",
      "--checkpoint-path",
      "s3://b/raw/x/_flytecheckpoints",
      "--prev-checkpoint",
      "s3://b/raw/w/_flytecheckpoints",
      ...TAIL,
    ]);
    assert.deepEqual(a, {
      inputs: "s3://b/m/inputs.pb",
      outputPrefix: "s3://b/m/0",
      rawOutputDataPrefix: "s3://b/raw/x",
      checkpointPath: "s3://b/raw/x/_flytecheckpoints",
      prevCheckpoint: "s3://b/raw/w/_flytecheckpoints",
      dynamicAddlDistro: undefined,
      dynamicDestDir: undefined,
      resolver: "flytekit_ts.default_task_resolver",
      loaderArgs: ["task-module", "examples.hello", "task-name", "say"],
      test: false,
    });
  });

  it("treats an empty previous checkpoint and un-rendered templates as absent (flytekit's normalize_inputs)", () => {
    for (const prev of ["", '""', "''", "{{.prevCheckpointPrefix}}", "{{ .PrevCheckpointPrefix }}"]) {
      const a = parseExecuteArgs([
        "--inputs=in.pb",
        "--output-prefix=out/",
        "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}",
        "--checkpoint-path",
        "{{$checkpointOutputPrefix}}",
        "--prev-checkpoint",
        prev,
        ...TAIL,
      ]);
      assert.equal(a.prevCheckpoint, undefined, prev);
      assert.equal(a.checkpointPath, undefined);
      assert.equal(a.rawOutputDataPrefix, "out/raw", "defaults under the output prefix");
    }
  });

  it("defaults the resolver and accepts --test and the dynamic distribution flags", () => {
    const a = parseExecuteArgs([
      "--inputs",
      "i",
      "--output-prefix",
      "o",
      "--test",
      "--dynamic-addl-distro",
      "s3://b/fast.tar.gz",
      "--dynamic-dest-dir",
      "/root",
      "--",
      "task-module",
      "m",
      "task-name",
      "t",
    ]);
    assert.equal(a.resolver, "flytekit_ts.default_task_resolver");
    assert.equal(a.test, true);
    assert.equal(a.dynamicAddlDistro, "s3://b/fast.tar.gz");
    assert.equal(a.dynamicDestDir, "/root");
  });

  it("rejects malformed command lines with a UsageError", () => {
    const bad: [string[], RegExp][] = [
      [["--output-prefix", "o", ...TAIL], /--inputs is required/],
      [["--inputs", "i", ...TAIL], /--output-prefix is required/],
      [["--inputs", "i", "--output-prefix", "o", "--resolver", "r"], /loader args are missing/],
      [["--inputs", "i", "--output-prefix", "o", "--bogus", "1", ...TAIL], /unknown option --bogus/],
      [["--inputs", "i", "--inputs", "j", "--output-prefix", "o", ...TAIL], /given twice/],
      [["--inputs", "i", "stray", "--output-prefix", "o", ...TAIL], /unexpected argument "stray"/],
      [["--inputs"], /needs a value/],
      [["--inputs", "i", "--output-prefix", "o", "--test=1", ...TAIL], /takes no value/],
    ];
    for (const [argv, message] of bad)
      assert.throws(
        () => parseExecuteArgs(argv),
        (e) => e instanceof UsageError && message.test(e.message),
      );
  });
});

describe("tsflyte-map-execute arguments", () => {
  it("takes --bound-inputs", () => {
    const a = parseMapExecuteArgs(["--inputs", "i", "--output-prefix", "o", "--bound-inputs", "b, c", ...TAIL]);
    assert.deepEqual(a.boundInputs, ["b", "c"]);
    assert.deepEqual(a.loaderArgs, ["task-module", "examples.hello", "task-name", "say"]);
  });

  it("accepts flytekit's map resolver form: vars <bound> resolver <inner resolver> <inner args>", () => {
    const a = parseMapExecuteArgs([
      "--inputs",
      "i",
      "--output-prefix",
      "o",
      "--resolver",
      "MapTaskResolver",
      "--",
      "vars",
      "b",
      "resolver",
      "flytekit_ts.default_task_resolver",
      "task-module",
      "m",
      "task-name",
      "t",
    ]);
    assert.deepEqual(a.boundInputs, ["b"]);
    assert.equal(a.resolver, "flytekit_ts.default_task_resolver");
    assert.deepEqual(a.loaderArgs, ["task-module", "m", "task-name", "t"]);
    const none = parseMapExecuteArgs([
      "--inputs",
      "i",
      "--output-prefix",
      "o",
      "--",
      "vars",
      '""',
      "resolver",
      "r",
      "x",
    ]);
    assert.deepEqual(none.boundInputs, []);
  });
});

describe("tsflyte-fast-execute arguments", () => {
  it("parses the prefix fast registration writes", () => {
    const a = parseFastExecuteArgs([
      "--additional-distribution",
      "s3://b/fast/abc.tar.gz",
      "--dest-dir",
      "{{ .dest_dir }}",
      "--",
      "tsflyte-execute",
      "--inputs",
      "i",
    ]);
    assert.deepEqual(a, {
      additionalDistribution: "s3://b/fast/abc.tar.gz",
      destDir: undefined,
      command: ["tsflyte-execute", "--inputs", "i"],
    });
    assert.throws(() => parseFastExecuteArgs(["--dest-dir", "/d", "--", "x"]), /--additional-distribution is required/);
    assert.throws(() => parseFastExecuteArgs(["--additional-distribution", "x.tar.gz"]), /command to run is missing/);
  });

  it("inserts --dynamic-addl-distro and --dynamic-dest-dir right before --resolver", () => {
    const cmd = ["tsflyte-execute", "--inputs", "i", "--output-prefix", "o", ...TAIL];
    assert.deepEqual(withDistribution(cmd, "s3://b/f.tar.gz", "/root"), [
      "tsflyte-execute",
      "--inputs",
      "i",
      "--output-prefix",
      "o",
      "--dynamic-addl-distro",
      "s3://b/f.tar.gz",
      "--dynamic-dest-dir",
      "/root",
      ...TAIL,
    ]);
    assert.deepEqual(withDistribution(["node", "-e", "0"], "d", "/r"), ["node", "-e", "0"]);
    assert.deepEqual(
      withDistribution(["x", "--", "--resolver"], "d", "/r"),
      ["x", "--", "--resolver"],
      "only before --",
    );
  });
});

describe("environment", () => {
  it("reads execution and task ids, long names first, then the short _F_ names", () => {
    const s = readSettings({
      FLYTE_INTERNAL_EXECUTION_PROJECT: "p",
      _F_PRJ: "ignored",
      _F_DM: "development",
      FLYTE_INTERNAL_EXECUTION_ID: "abc123",
      _F_TK_PRJ: "tp",
      FLYTE_INTERNAL_TASK_DOMAIN: "td",
      FLYTE_INTERNAL_TASK_NAME: "m.t",
      _F_TK_V: "v1",
    });
    assert.deepEqual(s.executionId, { project: "p", domain: "development", name: "abc123" });
    assert.deepEqual(s.taskId, { project: "tp", domain: "td", name: "m.t", version: "v1" });
    assert.equal(s.distributedErrors, false);
    assert.equal(s.workerName, "", "the worker name is only used with distributed errors");
    assert.equal(s.offload, undefined, "offloading is off unless _F_L_MIN_SIZE_MB is set");
    assert.equal(s.maxOutputBytes, 10 * 1024 * 1024);
    assert.equal(s.failOnError, false);
  });

  it("reads offloading bounds, distributed errors and FLYTE_FAIL_ON_ERROR", () => {
    const s = readSettings({
      _F_L_MIN_SIZE_MB: "2",
      FLYTE_INTERNAL_DIST_ERROR_STRATEGY: "1",
      _F_WN: "w-3",
      FLYTE_FAIL_ON_ERROR: "True",
    });
    assert.deepEqual(s.offload, { minBytes: 2 * 1024 * 1024, maxBytes: 1000 * 1024 * 1024 });
    assert.equal(s.distributedErrors, true);
    assert.equal(s.workerName, "w-3");
    assert.equal(s.failOnError, true);
    for (const v of ["t", "1", "yes", "TRUE"]) assert.equal(readSettings({ FLYTE_FAIL_ON_ERROR: v }).failOnError, true);
    for (const v of ["", "0", "false", "no"]) assert.equal(readSettings({ FLYTE_FAIL_ON_ERROR: v }).failOnError, false);
    assert.throws(() => readSettings({ _F_L_MIN_SIZE_MB: "lots" }), /_F_L_MIN_SIZE_MB must be a non-negative number/);
  });

  it("computes the map index from the variable named by BATCH_JOB_ARRAY_INDEX_VAR_NAME plus the offset", () => {
    assert.equal(
      arrayIndex({ BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX", FLYTE_K8S_ARRAY_INDEX: "3" }),
      3,
    );
    assert.equal(
      arrayIndex({
        BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
        FLYTE_K8S_ARRAY_INDEX: "3",
        BATCH_JOB_ARRAY_INDEX_OFFSET: "10",
      }),
      13,
    );
    assert.equal(arrayIndex({ BATCH_JOB_ARRAY_INDEX_OFFSET: "2" }), 2, "like flytekit: the offset alone");
    assert.throws(
      () => arrayIndex({ BATCH_JOB_ARRAY_INDEX_VAR_NAME: "I", I: "x" }),
      /I must be a non-negative integer/,
    );
  });
});
