// Map-task elements: pick element `index` of every unbound list input, decode and convert only that element.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { task } from "../../../src/core/function-task.js";
import { runContainerTask } from "../../../src/entrypoint/run.js";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { collectionLiteral, integerLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { encodeLiteralMap } from "../../../src/entrypoint/literals-io.js";
import { t } from "../../../src/types/index.js";
import { argsIn, filesUnder, quiet, readError, readOutputs, runTask, tmp } from "./helpers.js";

const square = task({ inputs: { x: t.int, offset: t.int }, outputs: t.int }, ({ x, offset }) => x * x + offset);
const env = (i: number, offset?: number) => ({
  BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
  FLYTE_K8S_ARRAY_INDEX: String(i),
  ...(offset === undefined ? {} : { BATCH_JOB_ARRAY_INDEX_OFFSET: String(offset) }),
});
const offloaded = (uri: string, size: number): Literal => ({
  $typeName: "flyteidl.core.Literal",
  value: {
    case: "offloadedMetadata",
    value: {
      $typeName: "flyteidl.core.LiteralOffloadedMetadata",
      uri,
      sizeBytes: BigInt(size),
      inferredType: undefined,
    },
  },
  hash: "",
  metadata: {},
});

function assertLiteral(actual: Literal | undefined, expected: Literal): void {
  assert.ok(actual);
  assert.deepEqual(toBinary(LiteralSchema, actual), toBinary(LiteralSchema, expected));
}

/** A serialized list literal whose element `bad` is bytes that are not a Literal at all. */
function listWithGarbage(values: bigint[], bad: number): Uint8Array {
  const coll = new BinaryWriter();
  values.forEach((v, i) => {
    const el = i === bad ? new Uint8Array([0x0a, 0xff, 0xff, 0xff]) : toBinary(LiteralSchema, integerLiteral(v));
    coll.tag(1, WireType.LengthDelimited).bytes(el);
  });
  return new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(coll.finish()).finish();
}

describe("map-task elements", () => {
  it("converts only element `index`: the other elements are not even valid for the type", async () => {
    const xs = collectionLiteral([stringLiteral("nope"), integerLiteral(7n), stringLiteral("nope")]);
    const { dir, result } = await runTask(
      square,
      { x: xs, offset: integerLiteral(100n) },
      {
        map: { bound: ["offset"] },
        env: env(1),
      },
    );
    assert.equal(result.status, "succeeded");
    assert.deepEqual(filesUnder(join(dir, "out")), ["outputs.pb"]);
    const lm = readOutputs(join(dir, "out", "outputs.pb"));
    assert.deepEqual(Object.keys(lm.literals), ["o0"], "only the element's outputs, under the inner names");
    assertLiteral(lm.literals.o0, integerLiteral(149n));
  });

  it("decodes only element `index`: other elements may be undecodable bytes", async () => {
    const dir = tmp();
    const inputs = encodeLiteralMap([
      ["x", listWithGarbage([1n, 2n, 3n, 4n], 0)],
      ["offset", toBinary(LiteralSchema, integerLiteral(0n))],
    ]);
    writeFileSync(join(dir, "inputs.pb"), inputs);
    const result = await quiet(() =>
      runContainerTask({
        args: argsIn(dir),
        env: env(1, 2),
        map: { bound: ["offset"] },
        loadTask: async () => square,
      }),
    );
    assert.equal(result.status, "succeeded");
    // index 1 + offset 2 = element 3, whose square is 16
    assertLiteral(readOutputs(join(dir, "out", "outputs.pb")).literals.o0, integerLiteral(16n));
  });

  it("an element that does not decode → SYSTEM, NON_RECOVERABLE, naming the task, the input, the element and the file", async () => {
    const dir = tmp();
    const good = toBinary(LiteralSchema, integerLiteral(0n));
    const garbage = new Uint8Array([0x0a, 0xff]);
    for (const [x, offset, index, what] of [
      [listWithGarbage([1n, 2n, 3n], 2), good, 2, /input x\[2\] \(from /],
      [listWithGarbage([1n, 2n, 3n], 2), garbage, 0, /input offset \(from /],
    ] as const) {
      writeFileSync(
        join(dir, "inputs.pb"),
        encodeLiteralMap([
          ["x", x],
          ["offset", offset],
        ]),
      );
      const result = await quiet(() =>
        runContainerTask({
          args: argsIn(dir),
          env: env(index),
          map: { bound: ["offset"] },
          loadTask: async () => square,
        }),
      );
      assert.equal(result.status, "failed");
      const e = readError(join(dir, "out", "error.pb")).error!;
      assert.equal(e.code, "SYSTEM");
      assert.equal(e.kind, 0, "NON_RECOVERABLE: a retry reads the same bytes");
      assert.match(e.message, new RegExp(`${square.name.replaceAll(".", "\\.")}: `));
      assert.match(e.message, what);
      assert.ok(e.message.includes(join(dir, "inputs.pb")), e.message);
    }
  });

  it("fetches an offloaded list, and an offloaded element", async () => {
    const dir = tmp();
    const element = toBinary(LiteralSchema, integerLiteral(5n));
    writeFileSync(join(dir, "el.pb"), element);
    const list = toBinary(
      LiteralSchema,
      collectionLiteral([integerLiteral(1n), offloaded(join(dir, "el.pb"), element.length)]),
    );
    writeFileSync(join(dir, "list.pb"), list);
    const { result } = await runTask(
      square,
      { x: offloaded(join(dir, "list.pb"), list.length), offset: integerLiteral(0n) },
      { dir, map: { bound: ["offset"] }, env: env(1) },
    );
    assert.equal(result.status, "succeeded");
    assertLiteral(readOutputs(join(dir, "out", "outputs.pb")).literals.o0, integerLiteral(25n));
  });

  it("an index out of range, or an unbound input that is not a list → SYSTEM, NON_RECOVERABLE", async () => {
    const xs = collectionLiteral([integerLiteral(1n)]);
    const out = await runTask(
      square,
      { x: xs, offset: integerLiteral(0n) },
      { map: { bound: ["offset"] }, env: env(4) },
    );
    const e1 = readError(join(out.dir, "out", "error.pb")).error!;
    assert.equal(e1.code, "SYSTEM");
    assert.equal(e1.kind, 0);
    assert.match(e1.message, /map task index 4 is out of range for input x, a list of 1 elements/);
    const notList = await runTask(square, { x: xs, offset: integerLiteral(0n) }, { map: { bound: [] }, env: env(0) });
    assert.match(readError(join(notList.dir, "out", "error.pb")).error!.message, /map task input offset is not a list/);
  });

  it("offloads an element's output with the element type as inferred_type", async () => {
    const repeat = task({ inputs: { n: t.int }, outputs: t.list(t.str) }, ({ n }) =>
      Array.from({ length: n }, () => "abc"),
    );
    const { dir, result } = await runTask(
      repeat,
      { n: collectionLiteral([integerLiteral(1n), integerLiteral(500n)]) },
      { map: { bound: [] }, env: { ...env(1), _F_L_MIN_SIZE_MB: "0.001" } },
    );
    assert.equal(result.status, "succeeded");
    const ref = readOutputs(join(dir, "out", "outputs.pb")).literals.o0!;
    assert.equal(ref.value.case, "offloadedMetadata");
    const inferred = (ref.value.value as { inferredType?: { type: { case?: string } } }).inferredType!;
    assert.equal(inferred.type.case, "collectionType", "the inner task's output type: list<str>, not list<list<str>>");
  });
});
