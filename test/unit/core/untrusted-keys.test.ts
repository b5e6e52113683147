// Keys that come from data (map keys, dict and untyped object keys, input names in inputs.pb) are kept as own keys,
// `__proto__` included, on every path: local calls, workflow bindings, and the container entrypoint. No object's
// prototype changes and Object.prototype is never touched.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { t, task, workflow } from "flytekit-ts";
import { NO_DATA } from "../../../src/types/type.js";
import { readOutputs, runTask } from "../entrypoint/helpers.js";

process.env.FLYTE_LOCAL_CACHE_ENABLED = "false";

const hostile = () =>
  JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "a": 1}');

function assertClean(v: unknown, what: string) {
  assert.deepEqual(Object.getOwnPropertyNames(v).sort(), ["__proto__", "a", "constructor"], what);
  assert.equal(Object.getPrototypeOf(v), Object.prototype, `${what}: prototype unchanged`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${what}: Object.prototype untouched`);
}

describe("keys from data", () => {
  it("t.dict(), t.any() and a struct's map keep __proto__ and constructor keys through local calls", async () => {
    const echo = task(
      {
        inputs: { d: t.dict(), a: t.any(), s: t.struct({ m: t.map(t.dict()) }, { name: "S" }) },
        outputs: { d: t.dict(), a: t.any(), s: t.struct({ m: t.map(t.dict()) }, { name: "S" }) },
      },
      ({ d, a, s }) => ({ d, a, s }),
    );
    const out = await echo({ d: hostile(), a: hostile(), s: { m: { k: hostile() } } });
    assertClean(out.d, "dict");
    assertClean(out.a, "any");
    assertClean((out.s as { m: Record<string, unknown> }).m.k, "struct map value");
  });

  it("a map binding in a workflow keeps a __proto__ key", async () => {
    const one = task({ outputs: t.int }, () => 1);
    const keys = task({ inputs: { m: t.map(t.int) }, outputs: t.list(t.str) }, ({ m }) =>
      Object.getOwnPropertyNames(m).sort(),
    );
    const wf = workflow({ outputs: t.list(t.str) }, () => {
      const m: Record<string, unknown> = { a: one() };
      Object.defineProperty(m, "__proto__", { value: one(), enumerable: true, writable: true, configurable: true });
      return keys({ m: m as Record<string, number> });
    });
    assert.deepEqual(await wf({}), ["__proto__", "a"]);
  });

  it("the container entrypoint keeps __proto__ as a map key and as an input name", async () => {
    const m = t.map(t.int);
    const sum = task({ inputs: { m }, outputs: t.list(t.str) }, ({ m }) => Object.getOwnPropertyNames(m).sort());
    const value: Record<string, number> = { a: 1 };
    Object.defineProperty(value, "__proto__", { value: 2, enumerable: true, writable: true, configurable: true });
    const { dir, result } = await runTask(sum, { m: m.toLiteral(value, NO_DATA) });
    assert.equal(result.status, "succeeded");
    const o0 = readOutputs(join(dir, "out", "outputs.pb")).literals.o0!;
    assert.deepEqual(t.list(t.str).fromLiteral(o0, NO_DATA), ["__proto__", "a"]);
  });
});
