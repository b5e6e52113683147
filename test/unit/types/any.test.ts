import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { t } from "flytekit-ts";
import { localDataAt } from "../../../src/core/local-data.js";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { blobLiteral, integerLiteral } from "../../../src/idl/literals.js";
import { blobType } from "../../../src/idl/types.js";
import { type DataContext, NO_DATA } from "../../../src/types/type.js";
import { UNTYPED_BLOB_FORMAT } from "../../../src/types/untyped-codec.js";
import { throwsType } from "./assertions.js";

const root = mkdtempSync(join(tmpdir(), "any-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
const ctx = localDataAt(root);

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (value: unknown, c: DataContext = ctx): unknown =>
  t.any().fromLiteral(wire(t.any().toLiteral(value, c)), c);

/** The blob URI of a literal. */
function uriOf(lit: Literal): string {
  const s = lit.value.case === "scalar" ? lit.value.value : undefined;
  assert.equal(s?.value.case, "blob");
  return (s!.value.value as { uri: string }).uri;
}

/** Whether `v` holds an invalid Date anywhere (which deepStrictEqual never holds equal to another). */
function hasInvalidDate(v: unknown): boolean {
  if (v instanceof Date) return Number.isNaN(v.getTime());
  if (v instanceof Map) return [...v].some(([k, x]) => hasInvalidDate(k) || hasInvalidDate(x));
  if (v instanceof Set) return [...v].some(hasInvalidDate);
  if (Array.isArray(v)) return v.some(hasInvalidDate);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasInvalidDate);
  return false;
}

describe("t.any() literal type", () => {
  it("is a SINGLE blob of format JavaScriptValue, tagged FlytePickle", () => {
    assert.equal(UNTYPED_BLOB_FORMAT, "JavaScriptValue");
    assert.deepEqual(toJson(LiteralTypeSchema, t.any().literalType), { blob: { format: "JavaScriptValue" } });
    const lt = t.any().literalType;
    assert.ok(lt.type.case === "blob" && lt.type.value.dimensionality === BlobType_BlobDimensionality.SINGLE);
    assert.equal(t.any().tag, "FlytePickle");
  });
});

describe("t.any() values", () => {
  it("stores the value as a file under the raw output prefix, named by the md5 of its bytes", () => {
    const lit = t.any().toLiteral({ a: [1, 2] }, ctx);
    const uri = uriOf(lit);
    assert.ok(uri.startsWith(root), uri);
    const bytes = readFileSync(uri);
    assert.equal(basename(uri), createHash("md5").update(bytes).digest("hex"));
    assert.deepEqual([...bytes.subarray(0, 5)], [0x66, 0x6b, 0x74, 0x73, 0x01], "fkts v1 header");
    const meta =
      lit.value.case === "scalar" && lit.value.value.value.case === "blob"
        ? lit.value.value.value.value.metadata
        : undefined;
    assert.equal(meta?.type?.format, "JavaScriptValue");
    assert.equal(meta?.type?.dimensionality, BlobType_BlobDimensionality.SINGLE);
  });

  it("round-trips Dates, Maps, Sets, bigints, typed arrays and nested objects", () => {
    const value = {
      when: new Date("2024-01-02T03:04:05.678Z"),
      m: new Map<unknown, unknown>([
        [1, "one"],
        ["k", new Set([1n, -(2n ** 70n)])],
      ]),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([1.5, Number.NaN, -0]),
      big: new BigInt64Array([-(2n ** 63n)]),
      nums: [Number.NaN, Number.NEGATIVE_INFINITY, -0, 2 ** 60, 0.1],
      hole: [1, undefined, 3],
      re: /a+b/gi,
      nested: { deep: { deeper: [{}] } },
    };
    assert.deepStrictEqual(roundTrip(value), value);
    // (deepStrictEqual holds two invalid Dates unequal, so this one is checked apart.)
    const invalid = roundTrip([new Date(Number.NaN)]) as Date[];
    assert.ok(invalid[0] instanceof Date && Number.isNaN(invalid[0].getTime()));
  });

  it("round-trips arbitrary values", () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withNullPrototype: false,
      withObjectString: false,
      withBoxedValues: false,
      withSparseArray: false,
    });
    fc.assert(
      fc.property(
        anything.filter((v) => v !== null && v !== undefined && !hasInvalidDate(v)),
        (v) => {
          assert.deepStrictEqual(roundTrip(v), v);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps shared and cyclic references", () => {
    const shared = { n: 1 };
    const cyclic: { self?: unknown; pair: unknown[] } = { pair: [shared, shared] };
    cyclic.self = cyclic;
    const back = roundTrip(cyclic) as typeof cyclic;
    assert.equal(back.self, back);
    assert.equal(back.pair[0], back.pair[1]);
  });

  it("writes identical values to identically named files", () => {
    const a = uriOf(t.any().toLiteral(new Map([["x", 1]]), ctx));
    const b = uriOf(t.any().toLiteral(new Map([["x", 1]]), ctx));
    assert.equal(basename(a), basename(b));
    assert.notEqual(basename(a), basename(uriOf(t.any().toLiteral(new Map([["x", 2]]), ctx))));
  });

  it("refuses null and undefined, suggesting t.optional(t.any())", () => {
    throwsType(() => t.any().toLiteral(null, ctx, ["v"]), "v: expected any, got null", "t.optional(t.any())");
    throwsType(() => t.any().toLiteral(undefined, ctx), "got undefined");
  });

  it("accepts none through t.optional(t.any())", () => {
    const o = t.optional(t.any());
    assert.equal(o.fromLiteral(wire(o.toLiteral(null, ctx)), ctx), null);
    assert.equal(o.fromLiteral(wire(o.toLiteral(1, ctx)), ctx), 1);
    assert.deepEqual(o.fromLiteral(wire(o.toLiteral([new Date(0)], ctx)), ctx), [new Date(0)]);
  });

  it("refuses values the codec cannot encode, naming the path, the type and the value", () => {
    const e = throwsType(
      () => t.list(t.any()).toLiteral([1, 2, () => 1], ctx, ["xs"]),
      "xs[2]: expected any, got a function",
      "cannot encode a function",
    );
    assert.deepEqual(e.path, ["xs", 2]);
    assert.equal(e.expected, "any");
    throwsType(() => t.any().toLiteral(Symbol("s"), ctx, ["v"]), "v: expected any", "cannot encode a symbol");
    throwsType(() => t.any().toLiteral(new (class Widget {})(), ctx), "value: expected any, got a Widget", "Widget");
    throwsType(() => t.any().toLiteral({ ok: 1, bad: new WeakMap() }, ctx), "expected any", "value.bad", "WeakMap");
  });

  it("needs raw-data storage", () => {
    throwsType(() => t.any().toLiteral(1, NO_DATA), "raw-data storage");
  });

  it("refuses Python pickles, other blob formats and non-blob literals", () => {
    const pickle = blobLiteral("s3://b/p", blobType("PythonPickle", BlobType_BlobDimensionality.SINGLE));
    throwsType(() => t.any().fromLiteral(pickle, ctx, ["v"]), "v: cannot read", '"PythonPickle"', "Python pickle");
    throwsType(
      () => t.any().fromLiteral(blobLiteral(uriOf(t.any().toLiteral(1, ctx)), blobType("csv", 0)), ctx),
      '"csv"',
    );
    throwsType(() => t.any().fromLiteral(integerLiteral(1n), ctx), "scalar.primitive.integer as any");
  });

  it("refuses a corrupt file as a type error", () => {
    const path = join(root, "corrupt");
    writeFileSync(path, Buffer.from("not an untyped value"));
    const lit = blobLiteral(path, blobType(UNTYPED_BLOB_FORMAT, BlobType_BlobDimensionality.SINGLE));
    throwsType(() => t.any().fromLiteral(lit, ctx, ["v"]), "v: cannot read", "not a valid JavaScriptValue file");
  });

  it("reads prefetched remote blobs and lists the URIs to prefetch", () => {
    const local = t.any().toLiteral({ x: 1n }, ctx);
    const remote = blobLiteral("s3://bucket/abc", blobType(UNTYPED_BLOB_FORMAT, BlobType_BlobDimensionality.SINGLE));
    const uris: string[] = [];
    t.list(t.any()).collectBlobUris(
      {
        ...local,
        value: {
          case: "collection",
          value: { $typeName: "flyteidl.core.LiteralCollection", literals: [local, remote] },
        },
      },
      uris,
    );
    assert.deepEqual(uris, [uriOf(local), "s3://bucket/abc"]);
    const prefetched = localDataAt(root, new Map([["s3://bucket/abc", readFileSync(uriOf(local))]]));
    assert.deepEqual(t.any().fromLiteral(remote, prefetched), { x: 1n });
    assert.throws(() => t.any().fromLiteral(remote, ctx), /not prefetched/);
  });

  it("cannot sit inside a struct", () => {
    throwsType(
      () => t.struct({ v: t.any() }).toLiteral({ v: 1 }, ctx),
      "v: expected any",
      "cannot sit inside a struct",
    );
  });
});
