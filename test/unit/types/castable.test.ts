import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { t } from "flytekit-ts";
import { areTypesCastable } from "../../../src/types/castable.js";
import type { AnyType } from "../../../src/types/type.js";

const can = (up: AnyType, down: AnyType) => areTypesCastable(up.literalType, down.literalType);

describe("areTypesCastable (Flyte's compiler's binding rules; test/conformance/castable.test.ts asks the compiler)", () => {
  test("same types, ignoring descriptions of structure", () => {
    assert.ok(can(t.int, t.int));
    assert.ok(can(t.list(t.map(t.str)), t.list(t.map(t.str))));
    assert.ok(!can(t.int, t.float));
    assert.ok(!can(t.str, t.int));
    assert.ok(!can(t.list(t.int), t.map(t.int)));
  });

  test("optionals and unions: a value fits a union when exactly one variant takes it; none only fits none", () => {
    assert.ok(can(t.int, t.optional(t.int)));
    assert.ok(can(t.none, t.optional(t.int)));
    assert.ok(!can(t.optional(t.int), t.int));
    assert.ok(!can(t.list(t.optional(t.str)), t.list(t.str)));
    assert.ok(can(t.list(t.str), t.list(t.optional(t.str))));
    assert.ok(can(t.union(t.int, t.str), t.union(t.str, t.int, t.float)));
    assert.ok(!can(t.union(t.int, t.str, t.float), t.union(t.int, t.str)));
    assert.ok(!can(t.int, t.none));
  });

  test("enums and strings cast both ways; structs by their JSON Schemas", () => {
    const color = t.enum(["red", "blue"]);
    assert.ok(can(color, t.str));
    assert.ok(can(t.str, color));
    const A = t.struct({ a: t.int }, { name: "UA" });
    assert.ok(can(A, t.struct({ a: t.int }, { name: "UA2" })));
    assert.ok(can(t.struct({ a: t.int, b: t.str }, { name: "UAB" }), A));
    assert.ok(!can(A, t.struct({ a: t.int, b: t.str }, { name: "UAB" })));
    assert.ok(!can(A, t.struct({ a: t.str }, { name: "UAs" })));
    assert.ok(!can(A, t.struct({ b: t.int }, { name: "UB" })));
  });
});
