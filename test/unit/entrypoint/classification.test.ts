// The error classification table (src/entrypoint/errors.ts), one golden ErrorDocument per row, as flytekit's
// test_python_entrypoint.py pins it.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FlyteNonRecoverableError, FlyteRecoverableError } from "../../../src/errors.js";
import { task } from "../../../src/core/function-task.js";
import { IgnoreOutputs } from "../../../src/core/ignore-outputs.js";
import { TaskLoadError } from "../../../src/entrypoint/errors.js";
import { ContainerError_Kind, type ErrorDocument } from "../../../src/idl/gen/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKind } from "../../../src/idl/gen/flyteidl/core/execution_pb.js";
import { binaryLiteral, integerLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { registerStorage, unregisterStorage } from "../../../src/storage/registry.js";
import { MemoryStorage } from "../../../src/storage/memory.js";
import { StorageError } from "../../../src/storage/errors.js";
import { t } from "../../../src/types/index.js";
import type { DataContext } from "../../../src/types/type.js";
import { argsIn, filesUnder, quiet, readError, runTask, tmp, writeInputs } from "./helpers.js";
import { runContainerTask } from "../../../src/entrypoint/run.js";
import { encodeLiteralMap } from "../../../src/entrypoint/literals-io.js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

const { USER, SYSTEM } = ExecutionError_ErrorKind;
const { RECOVERABLE, NON_RECOVERABLE } = ContainerError_Kind;

/** The golden fields of an error document (message checked separately). */
function golden(doc: ErrorDocument) {
  const e = doc.error!;
  return { code: e.code, kind: e.kind, origin: e.origin, worker: e.worker };
}

async function errorOf(...args: Parameters<typeof runTask>): Promise<ErrorDocument> {
  const { dir, result } = await runTask(...args);
  assert.equal(result.status, "failed");
  assert.deepEqual(filesUnder(join(dir, "out")), ["error.pb"]);
  return readError(join(dir, "out", "error.pb"));
}

describe("error classification", () => {
  it("user exception → USER:<ErrorName>, NON_RECOVERABLE, USER, with trace and causes", async () => {
    const fails = task({ inputs: { a: t.int } }, ({ a }) => {
      throw new TypeError(`bad value ${a}`, { cause: new RangeError("the root cause") });
    });
    const doc = await errorOf(fails, { a: integerLiteral(3n) });
    assert.deepEqual(golden(doc), { code: "USER:TypeError", kind: NON_RECOVERABLE, origin: USER, worker: "" });
    const m = doc.error!.message;
    assert.match(m, /^Trace:\n\n {4}TypeError: bad value 3\n {8}at /);
    assert.match(m, /\n {4}Caused by: RangeError: the root cause\n {8}at /);
    assert.match(m, /\n\nMessage:\n\n {4}TypeError: bad value 3\n {4}Caused by: RangeError: the root cause$/);
    assert.ok(doc.error!.timestamp!.seconds > 0n);
  });

  it("FlyteRecoverableError → USER:Recoverable, RECOVERABLE, USER", async () => {
    const flaky = task({}, () => {
      throw new FlyteRecoverableError("try again");
    });
    assert.deepEqual(golden(await errorOf(flaky)), {
      code: "USER:Recoverable",
      kind: RECOVERABLE,
      origin: USER,
      worker: "",
    });
  });

  it("a FlyteRecoverableError anywhere in the cause chain → RECOVERABLE (code of the thrown error)", async () => {
    const wrapped = task({}, () => {
      throw new Error("fetch failed", { cause: new FlyteRecoverableError("503") });
    });
    assert.deepEqual(golden(await errorOf(wrapped)), {
      code: "USER:Error",
      kind: RECOVERABLE,
      origin: USER,
      worker: "",
    });
  });

  it("FlyteNonRecoverableError → USER:NonRecoverable, NON_RECOVERABLE, USER", async () => {
    const fatal = task({}, () => {
      throw new FlyteNonRecoverableError("corrupt");
    });
    assert.deepEqual(golden(await errorOf(fatal)), {
      code: "USER:NonRecoverable",
      kind: NON_RECOVERABLE,
      origin: USER,
      worker: "",
    });
  });

  it("a custom errorCode (instance or class) is the code, like flytekit's _ERROR_CODE", async () => {
    class QuotaError extends Error {
      static errorCode = "USER:Quota";
    }
    const quota = task({}, () => {
      throw new QuotaError("over quota");
    });
    assert.equal((await errorOf(quota)).error!.code, "USER:Quota");
    const numeric = task({}, () => {
      throw Object.assign(new Error("x"), { errorCode: 42 });
    });
    assert.equal((await errorOf(numeric)).error!.code, "42");
  });

  it("a thrown non-Error → USER:RuntimeError", async () => {
    const throwsString = task({}, () => {
      throw "boom";
    });
    const doc = await errorOf(throwsString);
    assert.equal(doc.error!.code, "USER:RuntimeError");
    assert.match(doc.error!.message, /Message:\n\n {4}RuntimeError: boom$/);
  });

  it("IgnoreOutputs from the task body → nothing written, not even queued raw data", async () => {
    const ignored = task({ outputs: t.any() }, () => {
      throw new IgnoreOutputs();
    });
    const { dir, result } = await runTask(ignored);
    assert.equal(result.status, "ignored");
    assert.deepEqual(filesUnder(join(dir, "out")), []);
    assert.deepEqual(filesUnder(join(dir, "raw")), []);
  });

  it("IgnoreOutputs from postExecute is not honoured → SYSTEM, RECOVERABLE", async () => {
    const post = task(
      {
        postExecute: () => {
          throw new IgnoreOutputs();
        },
      },
      () => {},
    );
    assert.deepEqual(golden(await errorOf(post)), { code: "SYSTEM", kind: RECOVERABLE, origin: SYSTEM, worker: "" });
  });

  it("a task that cannot be loaded → USER:TaskLoadError, NON_RECOVERABLE, USER", async () => {
    const doc = await errorOf(async () => {
      throw new TaskLoadError("cannot load the task (x): module m was not found");
    });
    assert.deepEqual(golden(doc), { code: "USER:TaskLoadError", kind: NON_RECOVERABLE, origin: USER, worker: "" });
    assert.match(doc.error!.message, /module m was not found/);
  });

  it("a module that does not exist, through the default resolver → USER:TaskLoadError naming where it looked", async () => {
    const dir = tmp();
    writeInputs(dir, {});
    const result = await quiet(() =>
      runContainerTask({
        args: argsIn(dir, { loaderArgs: ["task-module", "no.such.module", "task-name", "t"] }),
        env: {},
      }),
    );
    assert.equal(result.status, "failed");
    const doc = readError(join(dir, "out", "error.pb"));
    assert.deepEqual(golden(doc), { code: "USER:TaskLoadError", kind: NON_RECOVERABLE, origin: USER, worker: "" });
    assert.match(doc.error!.message, /module no\.such\.module was not found under .* \(tried .*no\/such\/module\.js/);
  });

  it("input conversion failure → SYSTEM, NON_RECOVERABLE, SYSTEM", async () => {
    const add = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);
    const doc = await errorOf(add, { a: stringLiteral("not a number") });
    assert.deepEqual(golden(doc), { code: "SYSTEM", kind: NON_RECOVERABLE, origin: SYSTEM, worker: "" });
    assert.match(doc.error!.message, /FlyteTypeError: .*input a/);
  });

  it("data that cannot be read (bad msgpack, a missing blob) → SYSTEM, NON_RECOVERABLE, naming task, input and file", async () => {
    const dir = tmp();
    const missing = join(dir, "no-such-blob");
    const noData = { putBlob: () => missing } as unknown as DataContext;
    const takesDict = task({ inputs: { d: t.dict() }, outputs: t.int }, () => 1);
    const takesAny = task({ inputs: { v: t.any() }, outputs: t.int }, () => 1);
    const cases = [
      { task: takesDict, input: "d", lit: binaryLiteral(Uint8Array.from([0x82, 0xa1]), "msgpack"), where: /d/ },
      { task: takesDict, input: "d", lit: binaryLiteral(Uint8Array.from([0xc1]), "msgpack"), where: /d/ },
      { task: takesAny, input: "v", lit: t.any().toLiteral({ a: 1 }, noData), where: /no-such-blob/ },
    ];
    for (const c of cases) {
      const doc = await errorOf(c.task, { [c.input]: c.lit });
      assert.deepEqual(golden(doc), { code: "SYSTEM", kind: NON_RECOVERABLE, origin: SYSTEM, worker: "" }, c.input);
      const m = doc.error!.message;
      assert.match(m, new RegExp(`FlyteTypeError: ${c.task.name.replaceAll(".", "\\.")}: input ${c.input}`), m);
      assert.match(m, c.where);
    }
  });

  it("a malformed value deep inside inputs.pb → SYSTEM, NON_RECOVERABLE, naming the task, the input and the file", async () => {
    const garbage = new Uint8Array([0x0a, 0xff, 0xff]);
    const entry = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string("k")
      .tag(2, WireType.LengthDelimited)
      .bytes(garbage)
      .finish();
    const map = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(entry).finish();
    const literal = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(map).finish();
    for (const valueType of [t.int, t.struct({ a: t.int }, { name: "S" })]) {
      const dir = tmp();
      writeFileSync(join(dir, "inputs.pb"), encodeLiteralMap([["m", literal]]));
      const takes = task({ inputs: { m: t.map(valueType) }, outputs: t.int }, () => 1);
      const result = await quiet(() => runContainerTask({ args: argsIn(dir), env: {}, loadTask: async () => takes }));
      assert.equal(result.status, "failed");
      const doc = readError(join(dir, "out", "error.pb"));
      assert.deepEqual(
        golden(doc),
        { code: "SYSTEM", kind: NON_RECOVERABLE, origin: SYSTEM, worker: "" },
        valueType.name,
      );
      const m = doc.error!.message;
      assert.match(m, new RegExp(`${takes.name.replaceAll(".", "\\.")}: input m`), m);
      assert.ok(m.includes(`malformed literal in ${join(dir, "inputs.pb")}`), m);
    }
  });

  it("a blob in object storage: missing → NON_RECOVERABLE, throttled → RECOVERABLE, both naming the input and URI", async () => {
    const store = new MemoryStorage("blobs");
    const get = store.get.bind(store);
    store.get = async (uri, opts) => {
      if (uri.endsWith("/slow")) {
        throw new StorageError({ operation: "GetObject", uri, kind: "throttled", detail: "SlowDown", attempts: 5 });
      }
      return get(uri, opts);
    };
    registerStorage("blobs", () => store);
    try {
      const takesAny = task({ inputs: { v: t.any() }, outputs: t.int }, () => 1);
      for (const [uri, kind] of [
        ["blobs://b/gone", NON_RECOVERABLE],
        ["blobs://b/slow", RECOVERABLE],
      ] as const) {
        const lit = t.any().toLiteral(1, { putBlob: () => uri } as unknown as DataContext);
        const doc = await errorOf(takesAny, { v: lit });
        assert.deepEqual(golden(doc), { code: "SYSTEM", kind, origin: SYSTEM, worker: "" }, uri);
        assert.match(doc.error!.message, new RegExp(`input v \\(from ${uri}\\) cannot be read`));
      }
    } finally {
      unregisterStorage("blobs");
    }
  });

  it("output conversion failure → SYSTEM, NON_RECOVERABLE, SYSTEM", async () => {
    const wrong = task({ outputs: t.int }, () => "seven" as unknown as number);
    const doc = await errorOf(wrong);
    assert.deepEqual(golden(doc), { code: "SYSTEM", kind: NON_RECOVERABLE, origin: SYSTEM, worker: "" });
    assert.match(doc.error!.message, /output o0/);
  });

  it("malformed inputs.pb → SYSTEM, RECOVERABLE, SYSTEM, naming the file", async () => {
    const dir = tmp();
    const add = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);
    const result = await quiet(() => {
      writeFileSync(join(dir, "inputs.pb"), Buffer.from([0x0a, 0xff, 0xff]));
      return runContainerTask({ args: argsIn(dir), env: {}, loadTask: async () => add });
    });
    assert.equal(result.status, "failed");
    const doc = readError(join(dir, "out", "error.pb"));
    assert.deepEqual(golden(doc), { code: "SYSTEM", kind: RECOVERABLE, origin: SYSTEM, worker: "" });
    assert.match(doc.error!.message, /inputs\.pb is not a valid LiteralMap/);
  });

  it("missing inputs.pb (storage not_found) → SYSTEM, NON_RECOVERABLE (StorageError.recoverable)", async () => {
    const dir = tmp();
    const noop = task({}, () => {});
    const result = await quiet(() => runContainerTask({ args: argsIn(dir), env: {}, loadTask: async () => noop }));
    assert.equal(result.status, "failed");
    const doc = readError(join(dir, "out", "error.pb"));
    assert.deepEqual(golden(doc), { code: "SYSTEM", kind: NON_RECOVERABLE, origin: SYSTEM, worker: "" });
  });

  it("storage throttling → SYSTEM, RECOVERABLE, whether it hits the entrypoint or the task body", async () => {
    const slowDown = () =>
      new StorageError({
        operation: "GetObject",
        uri: "throttled://b/k",
        kind: "throttled",
        detail: "SlowDown",
        attempts: 5,
      });
    const store = new MemoryStorage("throttled");
    store.get = async () => {
      throw slowDown();
    };
    registerStorage("throttled", () => store);
    try {
      const noop = task({}, () => {});
      const dir = tmp();
      const result = await quiet(() =>
        runContainerTask({
          args: argsIn(dir, { inputs: "throttled://b/inputs.pb" }),
          env: {},
          loadTask: async () => noop,
        }),
      );
      assert.equal(result.status, "failed");
      assert.deepEqual(golden(readError(join(dir, "out", "error.pb"))), {
        code: "SYSTEM",
        kind: RECOVERABLE,
        origin: SYSTEM,
        worker: "",
      });
      const readsInBody = task({}, async () => {
        throw new Error("could not read the dataset", { cause: slowDown() });
      });
      assert.deepEqual(golden(await errorOf(readsInBody)), {
        code: "SYSTEM",
        kind: RECOVERABLE,
        origin: SYSTEM,
        worker: "",
      });
    } finally {
      unregisterStorage("throttled");
    }
  });

  it("a result that is neither a literal map nor a dynamic job → UNKNOWN_OUTPUT, RECOVERABLE, SYSTEM", async () => {
    const odd = task({}, () => {});
    Object.defineProperty(odd, "dispatchExecute", { value: async () => 42 });
    assert.deepEqual(golden(await errorOf(odd)), {
      code: "UNKNOWN_OUTPUT",
      kind: RECOVERABLE,
      origin: SYSTEM,
      worker: "",
    });
  });

  it("any failure after SIGTERM → SYSTEM, RECOVERABLE (a preempted attempt is retried)", async () => {
    const abort = new AbortController();
    const stops = task({}, async () => {
      abort.abort(new Error("SIGTERM"));
      throw new Error("interrupted");
    });
    const doc = await errorOf(stops, {}, { signal: abort.signal });
    assert.deepEqual(golden(doc), { code: "SYSTEM", kind: RECOVERABLE, origin: SYSTEM, worker: "" });
    assert.match(doc.error!.message, /asked to stop \(SIGTERM\)/);
  });

  it("distributed errors: error-<uuid4 hex>.pb, worker from _F_WN, timestamp > 0", async () => {
    const fails = task({}, () => {
      throw new Error("x");
    });
    const { dir, result } = await runTask(fails, {}, { env: { _F_DES: "1", _F_WN: "worker" } });
    assert.equal(result.status, "failed");
    const files = filesUnder(join(dir, "out"));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^error-[0-9a-f]{32}\.pb$/);
    const doc = readError(join(dir, "out", files[0]!));
    assert.equal(doc.error!.worker, "worker");
    assert.ok(doc.error!.timestamp!.seconds > 0n);
  });

  it("the timestamp is the error's own when it carries one (10.5 → 10 s + 5e8 ns)", async () => {
    const stamped = task({}, () => {
      throw Object.assign(new Error("x"), { timestamp: 10.5 });
    });
    const ts = (await errorOf(stamped)).error!.timestamp!;
    assert.equal(ts.seconds, 10n);
    assert.equal(ts.nanos, 500_000_000);
  });

  it("an output over the size limit → USER:OutputTooLargeError, NON_RECOVERABLE, before any upload", async () => {
    const big = task({ outputs: { blob: t.any(), text: t.str } }, () => ({
      blob: new Uint8Array(10),
      text: "x".repeat(2048),
    }));
    const { dir, result } = await runTask(big, {}, { env: { FLYTEKIT_TS_MAX_OUTPUT_MB: "0.001" } });
    assert.equal(result.status, "failed");
    const doc = readError(join(dir, "out", "error.pb"));
    assert.deepEqual(golden(doc), {
      code: "USER:OutputTooLargeError",
      kind: NON_RECOVERABLE,
      origin: USER,
      worker: "",
    });
    assert.match(doc.error!.message, /over the 0\.00 MiB \(1048 bytes\) limit .*text is 0\.00 MiB \(20\d\d bytes\)/);
    assert.deepEqual(filesUnder(join(dir, "raw")), [], "the raw value of `blob` was never uploaded");
  });
});
