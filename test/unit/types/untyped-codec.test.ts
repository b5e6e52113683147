import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MsgpackError } from "../../../src/types/msgpack.js";
import {
  bigintToBytes,
  bytesToBigint,
  decodeUntyped,
  encodeUntyped,
  isUntypedBlob,
  UNTYPED_BLOB_FORMAT,
  UNTYPED_VERSION,
  UntypedExt,
} from "../../../src/types/untyped-codec.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const HEADER = "666b747301";
/** The encoded value without the header. */
const body = (v: unknown): string => {
  const h = hex(encodeUntyped(v));
  assert.equal(h.slice(0, HEADER.length), HEADER);
  return h.slice(HEADER.length);
};
const roundTrip = <T>(v: T): T => decodeUntyped(encodeUntyped(v)) as T;

function decodeFails(s: string | Uint8Array, re: RegExp): MsgpackError {
  let caught: unknown;
  try {
    decodeUntyped(typeof s === "string" ? unhex(s) : s);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MsgpackError, `expected a MsgpackError, got ${String(caught)}`);
  assert.match(caught.message, re);
  return caught;
}

describe("untyped format: header and constants", () => {
  it("starts with the magic fkts and version 1", () => {
    assert.equal(hex(encodeUntyped(null)), "666b747301c0");
    assert.equal(UNTYPED_VERSION, 1);
    assert.equal(UNTYPED_BLOB_FORMAT, "JavaScriptValue");
    assert.ok(isUntypedBlob(encodeUntyped(1)));
    assert.ok(!isUntypedBlob(unhex("80")));
  });

  it("ext codes are stable", () => {
    assert.deepEqual(Object.values(UntypedExt), [...Array(21).keys()]);
  });
});

describe("untyped format: golden bytes", () => {
  const cases: [string, unknown, string][] = [
    ["null", null, "c0"],
    ["undefined", undefined, "c70000"],
    ["true", true, "c3"],
    ["int", 1, "01"],
    ["negative int", -200, "d1ff38"],
    ["max safe int", Number.MAX_SAFE_INTEGER, "cf001fffffffffffff"],
    ["float", 1.5, "cb3ff8000000000000"],
    ["-0", -0, "cb8000000000000000"],
    ["NaN", Number.NaN, "cb7ff8000000000000"],
    ["-Infinity", Number.NEGATIVE_INFINITY, "cbfff0000000000000"],
    ["2^53 as a number", 2 ** 53, "cb4340000000000000"],
    ["string", "hé", "a368c3a9"],
    ["lone surrogate", "a\uD800", "d6136100 00d8".replace(/ /g, "")],
    ["0n", 0n, "c70001"],
    ["1n", 1n, "d40101"],
    ["-1n", -1n, "d401ff"],
    ["127n", 127n, "d4017f"],
    ["128n", 128n, "d5010080"],
    ["-128n", -128n, "d40180"],
    ["-129n", -129n, "d501ff7f"],
    ["2^64", 2n ** 64n, "c70901010000000000000000"],
    ["Date(0)", new Date(0), "d7020000000000000000"],
    ["invalid Date", new Date(Number.NaN), "d7027ff8000000000000"],
    ["Map", new Map([[1, "a"]]), "d6039201a161"],
    ["Set", new Set([1]), "d5049101"],
    ["RegExp", /a/g, "c70505 92 a161 a167".replace(/ /g, "")],
    ["ArrayBuffer", new Uint8Array([1, 2]).buffer, "d5070102"],
    ["DataView", new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2), "d5080203"],
    ["Uint8Array", new Uint8Array([1, 2]), "c4020102"],
    ["Int8Array", new Int8Array([-1]), "d409ff"],
    ["Uint16Array", new Uint16Array([0x0102]), "d50c0201"],
    ["Float64Array", new Float64Array([1]), "d710000000000000f03f"],
    ["BigUint64Array", new BigUint64Array([1n]), "d7120100000000000000"],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    ["array with a hole", [1, , 3], "9301c7000003"],
    ["object", { a: 1 }, "81a16101"],
    [
      "shared object",
      (() => {
        const o = {};
        return [o, o];
      })(),
      "9280d61400000001",
    ],
    [
      "cycle",
      (() => {
        const a: unknown[] = [];
        a.push(a);
        return a;
      })(),
      "91d61400000000",
    ],
  ];
  for (const [name, value, bytes] of cases) {
    it(`${name} → ${bytes}`, () => {
      assert.equal(body(value), bytes);
    });
  }

  it("Errors: [name, message, stack, special, props]", () => {
    const e = new RangeError("bad", { cause: 7 });
    e.stack = "S";
    (e as unknown as { code: number }).code = 2;
    // 95: array of 5; a A RangeError; a3 bad; a1 S; 81 a5 cause 07; 81 a4 code 02
    assert.equal(
      body(e),
      `c7 21 06 95 aa${hex(Buffer.from("RangeError"))} a3${hex(Buffer.from("bad"))} a153 81a5${hex(Buffer.from("cause"))}07 81a4${hex(Buffer.from("code"))}02`.replace(
        / /g,
        "",
      ),
    );
  });
});

describe("untyped round trips", () => {
  it("keeps undefined and null apart", () => {
    assert.deepStrictEqual(roundTrip([undefined, null, { u: undefined, n: null }]), [
      undefined,
      null,
      { u: undefined, n: null },
    ]);
    assert.equal(roundTrip(undefined), undefined);
  });

  it("numbers: NaN, ±Infinity, -0, fractions, large integral doubles", () => {
    for (const n of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      0.1,
      2 ** 60,
      -(2 ** 70),
      5e-324,
    ]) {
      assert.ok(Object.is(roundTrip(n), n), String(n));
    }
  });

  it("bigints of any size", () => {
    for (const n of [0n, 1n, -1n, 2n ** 63n, -(2n ** 63n) - 1n, 10n ** 200n, -(10n ** 200n), 255n, -256n]) {
      assert.equal(roundTrip(n), n);
      assert.equal(bytesToBigint(bigintToBytes(n)), n);
    }
    // Non-minimal encodings are read too.
    assert.equal(bytesToBigint(unhex("0000ff")), 255n);
    assert.equal(bytesToBigint(unhex("ffff")), -1n);
  });

  it("dates with ms precision, and invalid dates", () => {
    const d = new Date("2024-02-29T12:34:56.789Z");
    assert.equal((roundTrip(d) as Date).getTime(), d.getTime());
    const bad = roundTrip(new Date(Number.NaN)) as Date;
    assert.ok(bad instanceof Date);
    assert.ok(Number.isNaN(bad.getTime()));
    assert.equal(roundTrip(new Date(-8.64e15)).getTime(), -8.64e15);
  });

  it("Maps with any keys, in order; Sets", () => {
    const m = new Map<unknown, unknown>([
      ["z", 1],
      [{ k: [1] }, "object key"],
      [undefined, null],
      [Number.NaN, 2n],
      [new Date(3), new Set([1, "1", 1n])],
    ]);
    const back = roundTrip(m);
    assert.deepStrictEqual(back, m);
    assert.deepStrictEqual(
      [...back.keys()].map((k) => typeof k),
      ["string", "object", "undefined", "number", "object"],
    );
  });

  it("plain objects, with __proto__ as an ordinary own key and no prototype pollution", () => {
    const o = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "a": 1}');
    const back = roundTrip(o) as Record<string, unknown>;
    assert.deepStrictEqual(back, o);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((back as { polluted?: unknown }).polluted, undefined);
    // Null-prototype objects are written like plain objects and read back with Object.prototype.
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    assert.deepEqual({ ...(roundTrip(nullProto) as object) }, { a: 1 });
  });

  it("arrays: holes read back as undefined", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const back = roundTrip([1, , 3]);
    assert.equal(back.length, 3);
    assert.ok(1 in back);
    assert.equal(back[1], undefined);
  });

  it("typed arrays keep their exact element type, and views only their own bytes", () => {
    const base = new ArrayBuffer(64);
    new Uint8Array(base).forEach((_, i, a) => {
      a[i] = i * 7;
    });
    const views: ArrayBufferView[] = [
      new Uint8Array(base, 3, 5),
      new Int8Array(base, 1, 4),
      new Uint8ClampedArray(base, 2, 3),
      new Int16Array(base, 2, 3),
      new Uint16Array(base, 4, 2),
      new Int32Array(base, 4, 3),
      new Uint32Array(base, 8, 2),
      new Float32Array([1.5, Number.NaN, -0, Number.POSITIVE_INFINITY]),
      new Float64Array([Math.PI, -0, Number.NaN]),
      new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      new BigUint64Array([2n ** 64n - 1n, 0n]),
    ];
    for (const v of views) {
      const back = roundTrip(v);
      assert.equal(Object.getPrototypeOf(back), Object.getPrototypeOf(v));
      assert.deepStrictEqual(back, v);
      assert.equal((back as ArrayBufferView).byteOffset, 0);
    }
    const buf = roundTrip(Buffer.from("hi"));
    assert.equal(Object.getPrototypeOf(buf), Uint8Array.prototype);
    assert.deepEqual(buf, new Uint8Array([0x68, 0x69]));
  });

  it("ArrayBuffer, DataView, RegExp", () => {
    const ab = new Uint8Array([9, 8, 7]).buffer;
    assert.deepStrictEqual(roundTrip(ab), ab);
    const dv = new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2);
    const dvBack = roundTrip(dv);
    assert.ok(dvBack instanceof DataView);
    assert.deepEqual(new Uint8Array(dvBack.buffer), new Uint8Array([2, 3]));
    for (const re of [/a+b/gimsuy, /\//, /[\uD800]/u, /(?<x>.)\k<x>/d]) {
      const back = roundTrip(re);
      assert.equal(back.source, re.source);
      assert.equal(back.flags, re.flags);
    }
  });

  it("errors keep name, message, stack, cause, errors and own properties", () => {
    const cause = new Error("inner");
    const e = new TypeError("outer", { cause });
    const back = roundTrip(e);
    assert.ok(back instanceof TypeError);
    assert.equal(back.message, "outer");
    assert.equal(back.stack, e.stack);
    assert.deepStrictEqual(back, e);
    assert.ok(back.cause instanceof Error);
    assert.equal((back.cause as Error).message, "inner");
    assert.equal(Object.getOwnPropertyDescriptor(back, "cause")?.enumerable, false);

    const agg = new AggregateError([new RangeError("r"), 1], "many");
    const aggBack = roundTrip(agg);
    assert.ok(aggBack instanceof AggregateError);
    assert.deepStrictEqual(aggBack.errors, agg.errors);
    assert.deepStrictEqual(aggBack, agg);

    class FlyteishError extends Error {
      code = "USER:Boom";
      constructor(message: string) {
        super(message);
        this.name = "FlyteishError";
      }
    }
    const custom = roundTrip(new FlyteishError("boom"));
    assert.ok(custom instanceof Error);
    assert.equal(custom.name, "FlyteishError");
    assert.equal(custom.message, "boom");
    assert.equal((custom as FlyteishError).code, "USER:Boom");
    assert.deepEqual(Object.keys(custom).sort(), ["code", "name"]);

    const plain = new Error();
    delete plain.stack;
    const plainBack = roundTrip(plain);
    assert.equal(plainBack.stack, undefined);
    assert.equal(plainBack.message, "");
    const renamed = new Error("x");
    Object.defineProperty(renamed, "name", { value: "Custom", configurable: true, writable: true });
    const renamedBack = roundTrip(renamed);
    assert.equal(renamedBack.name, "Custom");
    assert.equal(Object.getOwnPropertyDescriptor(renamedBack, "name")?.enumerable, false);
  });

  it("strings with lone surrogates", () => {
    for (const s of ["\uD800", "a\uDC00b", "\uDBFF\uDBFF", `${"x".repeat(5000)}\uD800`]) assert.equal(roundTrip(s), s);
    const o = { "k\uD800": "v\uDFFF" };
    assert.deepStrictEqual(roundTrip(o), o);
  });

  it("shared references and cycles", () => {
    const shared = { s: 1 };
    const d = new Date(1);
    const m = new Map<unknown, unknown>();
    const set = new Set<unknown>();
    const err = new Error("loop");
    const root: Record<string, unknown> = { a: shared, b: shared, d1: d, d2: d, m, set, err };
    root.self = root;
    m.set(m, m);
    m.set("root", root);
    set.add(set);
    set.add(shared);
    err.cause = err;
    const back = roundTrip(root);
    assert.equal(back.self, back);
    assert.equal(back.a, back.b);
    assert.equal(back.d1, back.d2);
    const bm = back.m as Map<unknown, unknown>;
    assert.equal(bm.get(bm), bm);
    assert.equal(bm.get("root"), back);
    const bs = back.set as Set<unknown>;
    assert.ok(bs.has(bs));
    assert.ok(bs.has(back.a));
    const be = back.err as Error;
    assert.equal(be.cause, be);
    assert.deepStrictEqual(back, root);

    const ta = new Float64Array([1, 2]);
    const arrBack = roundTrip([ta, ta, ta.buffer]);
    assert.equal(arrBack[0], arrBack[1]);
    // Views and their buffer are separate copies.
    assert.notEqual((arrBack[0] as Float64Array).buffer, arrBack[2]);
  });
});

describe("untyped: what cannot be encoded", () => {
  const cases: [string, unknown, RegExp][] = [
    ["function", { a: [1, 2, 3, { b: () => 1 }] }, /^TypeError: value\.a\[3\]\.b: cannot encode a function \(b\)$/],
    ["symbol", [Symbol("s")], /^TypeError: value\[0\]: cannot encode a symbol \(Symbol\(s\)\)$/],
    ["class instance", { p: new (class Point {})() }, /^TypeError: value\.p: cannot encode Point$/],
    ["WeakMap", new Map([["k", new WeakMap()]]), /^TypeError: value\.get\("k"\): cannot encode WeakMap$/],
    ["Map key", new Map([[() => 1, 1]]), /^TypeError: value\.keys\(\)\[0\]: cannot encode a function$/],
    ["Set element", new Set([1, Promise.resolve()]), /^TypeError: value\.values\(\)\[1\]: cannot encode Promise$/],
    ["boxed number", { "a-b": new Number(1) }, /^TypeError: value\["a-b"\]: cannot encode Number$/],
    ["Array subclass", [new (class MyList extends Array {})()], /^TypeError: value\[0\]: cannot encode MyList$/],
    ["Map subclass", { m: new (class Registry extends Map {})() }, /^TypeError: value\.m: cannot encode Registry$/],
    [
      "prototype object",
      Object.create({ inherited: 1 }),
      /^TypeError: value: cannot encode an object with a custom prototype$/,
    ],
    [
      "symbol-keyed property",
      { [Symbol("k")]: 1 },
      /^TypeError: value: cannot encode the symbol-keyed property Symbol\(k\) of Object$/,
    ],
    [
      "Map with own properties",
      Object.assign(new Map(), { extra: 1 }),
      /^TypeError: value: cannot encode the own properties \(extra\) of a Map$/,
    ],
    [
      "Date with own properties",
      { d: Object.assign(new Date(0), { tz: "UTC" }) },
      /^TypeError: value\.d: cannot encode the own properties \(tz\) of a Date$/,
    ],
    [
      "error cause",
      new Error("x", { cause: () => 1 }),
      /^TypeError: value\.cause: cannot encode a function \(cause\)$/,
    ],
    ["SharedArrayBuffer", new SharedArrayBuffer(4), /^TypeError: value: cannot encode SharedArrayBuffer$/],
  ];
  for (const [name, value, re] of cases) {
    it(name, () => {
      assert.throws(
        () => encodeUntyped(value),
        (e: unknown) => {
          assert.ok(e instanceof TypeError);
          assert.match(String(e), re);
          return true;
        },
      );
    });
  }

  it("nesting deeper than maxDepth", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1100; i++) deep = { x: deep };
    assert.throws(() => encodeUntyped(deep), /^RangeError: value(\.x){1024}: nesting deeper than 1024 levels$/);
    const b = encodeUntyped(deep, { maxDepth: 2000 });
    assert.throws(() => decodeUntyped(b), /nesting deeper than 1024 levels at offset 3077/);
    assert.deepStrictEqual(decodeUntyped(b, { maxDepth: 2000 }), deep);
  });
});

describe("untyped: malformed input", () => {
  it("rejects a missing or wrong magic, and unknown versions", () => {
    decodeFails("", /not an untyped value blob/);
    decodeFails("81a16101", /not an untyped value blob/);
    decodeFails("666b7473", /not an untyped value blob/);
    const e = decodeFails(
      "666b747302c0",
      /unsupported untyped format version 2 at offset 4 \(this reader knows version 1\)/,
    );
    assert.equal(e.offset, 4);
  });

  it("rejects every strict prefix of a valid blob", () => {
    const b = encodeUntyped({
      m: new Map([[1, [new Date(0), 2n ** 70n, "x"]]]),
      e: new Error("m"),
      t: new Int32Array(3),
    });
    for (let n = 5; n < b.length; n++) {
      assert.throws(() => decodeUntyped(b.subarray(0, n)), MsgpackError, `prefix of ${n} bytes`);
    }
  });

  it("rejects trailing bytes, unknown ext types, bad payloads and dangling references", () => {
    decodeFails(`${HEADER}c0c0`, /trailing bytes: the value ends at offset 6/);
    decodeFails(`${HEADER}d46300`, /unknown untyped ext type 99 at offset 5/);
    decodeFails(`${HEADER}c7 01 00 00`, /ext 0 payload of 1 bytes has 1 unread byte\(s\) at offset 5/);
    decodeFails(`${HEADER}d5 02 0000`, /a Date payload must have 8 bytes, not 2 at offset 5/);
    decodeFails(`${HEADER}91 d614 00000001`, /back-reference to object #1, but only 1 were read at offset 6/);
    decodeFails(`${HEADER}c7 03 03 93 01 02 03`, /the payload of a Map must be an array of even length at offset 8/);
    decodeFails(`${HEADER}d5 0b 010203`, /trailing bytes|payload must be a multiple/);
    decodeFails(`${HEADER}c7 03 0b 010203`, /Int16Array payload of 3 bytes is not a multiple of 2 at offset 5/);
    decodeFails(`${HEADER}81 01 02`, /a map key must be a string at offset 6/);
    decodeFails(`${HEADER}c7 04 05 92 a1 28 a0`, /invalid RegExp \/\(\/ /);
    // A payload claims more bytes than its ext.
    decodeFails(`${HEADER}d5 04 92 01 02`, /unexpected end of input at offset 8: a container of 2 item/);
    decodeFails(`${HEADER}c1`, /unknown msgpack type byte 0xc1 at offset 5/);
  });

  it("never throws anything but MsgpackError on arbitrary bytes after the header", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (tail) => {
        const b = new Uint8Array(5 + tail.length);
        b.set(unhex(HEADER));
        b.set(tail, 5);
        try {
          decodeUntyped(b);
        } catch (e) {
          assert.ok(e instanceof MsgpackError, String(e));
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property tests.

/** Any string, lone surrogates included. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt(),
    anyString,
    fc.date({ noInvalidDate: true }),
    fc.uint8Array(),
    fc.int8Array(),
    fc.uint8ClampedArray(),
    fc.int16Array(),
    fc.uint16Array(),
    fc.int32Array(),
    fc.uint32Array(),
    fc.float32Array(),
    fc.float64Array(),
    fc.bigInt64Array(),
    fc.bigUint64Array(),
    fc.uint8Array().map((a) => a.buffer),
    fc
      .tuple(anyString, fc.constantFrom("", "g", "gi", "msuy"))
      .map(([s, f]) => new RegExp(s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"), f)),
    fc.tuple(fc.constantFrom(Error, TypeError, RangeError, SyntaxError), anyString).map(([C, m]) => new C(m)),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(anyString, tie("value"), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 }).map((e) => new Map(e)),
    fc.array(tie("value"), { maxLength: 4 }).map((e) => new Set(e)),
  ),
}));

describe("untyped properties", () => {
  it("decode(encode(x)) deep-equals x", () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepStrictEqual(decodeUntyped(encodeUntyped(v)), v);
      }),
      { numRuns: 300 },
    );
  });

  it("encoding is deterministic and re-encoding the decoded value gives the same bytes", () => {
    fc.assert(
      fc.property(value, (v) => {
        const b = encodeUntyped(v);
        assert.deepEqual(encodeUntyped(v), b);
        assert.deepEqual(encodeUntyped(decodeUntyped(b)), b);
      }),
    );
  });

  it("values with shared parts keep their sharing", () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, picks) => {
          const objects = parts.filter((p) => typeof p === "object" && p !== null);
          const root = picks.map((i) => (objects.length ? objects[i % objects.length] : i));
          const back = decodeUntyped(encodeUntyped(root)) as unknown[];
          assert.deepStrictEqual(back, root);
          for (let i = 0; i < root.length; i++) {
            for (let j = 0; j < root.length; j++) assert.equal(back[i] === back[j], root[i] === root[j]);
          }
        },
      ),
    );
  });
});

describe("untyped values at scale", () => {
  // Speed is measured by `npm run bench`, not here.
  it("round-trips 10^4 ten-field records", () => {
    const data = Array.from({ length: 10_000 }, (_, i) => ({
      id: i,
      name: `record-${i}`,
      score: i * 0.75 + 0.1,
      active: i % 3 === 0,
      tags: ["alpha", "beta", `t${i % 10}`],
      when: new Date(i * 1000),
      big: BigInt(i) ** 3n,
      label: i % 2 ? "naïve" : undefined,
      offset: -i,
      dims: new Float64Array([i, i + 1]),
    }));
    const bytes = encodeUntyped(data);
    assert.deepStrictEqual(decodeUntyped(bytes), data);
  });
});
