import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeMsgpack,
  encodeMsgpack,
  MsgpackError,
  MsgpackExt,
  MsgpackFloat,
  MsgpackKind,
  MsgpackReader,
  MsgpackWriter,
} from "../../../src/types/msgpack.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const enc = (v: unknown): string => hex(encodeMsgpack(v));
const dec = (s: string, o?: Parameters<typeof decodeMsgpack>[1]): unknown => decodeMsgpack(unhex(s), o);

/** Asserts that decoding fails with a MsgpackError whose message matches `re`. */
function decodeFails(s: string | Uint8Array, re: RegExp): MsgpackError {
  let caught: unknown;
  try {
    decodeMsgpack(typeof s === "string" ? unhex(s) : s);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MsgpackError, `expected a MsgpackError, got ${String(caught)}`);
  assert.match(caught.message, re);
  return caught;
}

describe("msgpack golden vectors (Python msgpack.packb(use_bin_type=True))", () => {
  it("encodes the reference struct", () => {
    assert.equal(enc({ a: 1, b: [1.5, "x"] }), "82a16101a16292cb3ff8000000000000a178");
    assert.deepEqual(dec("82a16101a16292cb3ff8000000000000a178"), { a: 1, b: [1.5, "x"] });
  });

  const ints: [number | bigint, string][] = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "cc80"],
    [255, "ccff"],
    [256, "cd0100"],
    [65535, "cdffff"],
    [65536, "ce00010000"],
    [2 ** 32 - 1, "ceffffffff"],
    [2 ** 32, "cf0000000100000000"],
    [2 ** 53 - 1, "cf001fffffffffffff"],
    [2n ** 53n, "cf0020000000000000"],
    [2n ** 63n - 1n, "cf7fffffffffffffff"],
    [2n ** 63n, "cf8000000000000000"],
    [2n ** 64n - 1n, "cfffffffffffffffff"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0df"],
    [-128, "d080"],
    [-129, "d1ff7f"],
    [-32768, "d18000"],
    [-32769, "d2ffff7fff"],
    [-(2 ** 31), "d280000000"],
    [-(2 ** 31) - 1, "d3ffffffff7fffffff"],
    [-(2 ** 32), "d3ffffffff00000000"],
    [-(2 ** 53) + 1, "d3ffe0000000000001"],
    [-(2n ** 53n), "d3ffe0000000000000"],
    [-(2n ** 63n), "d38000000000000000"],
  ];
  for (const [v, bytes] of ints) {
    it(`int ${v} ↔ ${bytes}`, () => {
      assert.equal(enc(v), bytes);
      assert.deepEqual(dec(bytes), v);
      if (typeof v === "bigint" && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n) assert.equal(dec(bytes), Number(v));
    });
  }

  it("writes bigints in their smallest encoding, like Python ints", () => {
    assert.equal(enc(5n), "05");
    assert.equal(enc(-5n), "fb");
    assert.equal(enc(300n), "cd012c");
    assert.equal(enc(2n ** 40n), "cf0000010000000000");
    assert.equal(enc(-(2n ** 40n)), "d3ffffff0000000000");
  });

  it("decodes safe ints as numbers and the rest as bigints", () => {
    assert.equal(dec("cf001fffffffffffff"), Number.MAX_SAFE_INTEGER);
    assert.equal(dec("cf0020000000000000"), 2n ** 53n);
    assert.equal(dec("d3ffe0000000000001"), Number.MIN_SAFE_INTEGER);
    assert.equal(dec("d3ffe0000000000000"), -(2n ** 53n));
    assert.equal(dec("d3ffdfffffffffffff"), -(2n ** 53n) - 1n);
    // Non-canonical encodings are accepted.
    assert.equal(dec("cc05"), 5);
    assert.equal(dec("cd0005"), 5);
    assert.equal(dec("ce00000005"), 5);
    assert.equal(dec("cf0000000000000005"), 5);
    assert.equal(dec("d005"), 5);
    assert.equal(dec("d1fffb"), -5);
    assert.equal(dec("d2fffffffb"), -5);
    assert.equal(dec("d3fffffffffffffffb"), -5);
  });

  it("floats are float64, and MsgpackFloat forces integral floats", () => {
    assert.equal(enc(1.5), "cb3ff8000000000000");
    assert.equal(enc(new MsgpackFloat(1)), "cb3ff0000000000000");
    assert.equal(enc(new MsgpackFloat(0)), "cb0000000000000000");
    assert.equal(enc(1), "01");
    assert.equal(enc(-0), "cb8000000000000000");
    assert.equal(enc(Number.NaN), "cb7ff8000000000000");
    assert.equal(enc(Number.POSITIVE_INFINITY), "cb7ff0000000000000");
    assert.equal(enc(Number.NEGATIVE_INFINITY), "cbfff0000000000000");
    assert.equal(enc(0.1), "cb3fb999999999999a");
    assert.equal(enc(5e-324), "cb0000000000000001");
    // Integral numbers beyond 2^53 are not exact integers any more: they are written as floats.
    assert.equal(enc(2 ** 53), "cb4340000000000000");
    assert.equal(enc(1e20), "cb4415af1d78b58c40");
  });

  it("decodes float32 and float64, with or without the wrapper", () => {
    assert.equal(dec("ca3fc00000"), 1.5);
    assert.equal(dec("cb3ff0000000000000"), 1);
    assert.ok(Object.is(dec("cb8000000000000000"), -0));
    assert.ok(Number.isNaN(dec("cb7ff8000000000000")));
    assert.deepEqual(dec("cb3ff0000000000000", { floatWrapper: true }), new MsgpackFloat(1));
    assert.deepEqual(dec("ca3fc00000", { floatWrapper: true }), new MsgpackFloat(1.5));
    assert.deepEqual(dec("92 01 cb3ff0000000000000", { floatWrapper: true }), [1, new MsgpackFloat(1)]);
    assert.equal(hex(encodeMsgpack(dec("cb3ff0000000000000", { floatWrapper: true }))), "cb3ff0000000000000");
  });

  it("nil and booleans", () => {
    assert.equal(enc(null), "c0");
    assert.equal(enc(undefined), "c0");
    assert.equal(enc(true), "c3");
    assert.equal(enc(false), "c2");
    assert.equal(enc({ a: undefined }), "81a161c0");
    assert.equal(dec("c0"), null);
    assert.equal(dec("c3"), true);
    assert.equal(dec("c2"), false);
  });

  it("string lengths 0/31/32/255/256/65535/65536", () => {
    const cases: [number, string][] = [
      [0, "a0"],
      [31, "bf"],
      [32, "d920"],
      [255, "d9ff"],
      [256, "da0100"],
      [65535, "daffff"],
      [65536, "db00010000"],
    ];
    for (const [n, header] of cases) {
      const s = "x".repeat(n);
      const b = encodeMsgpack(s);
      assert.equal(hex(b.subarray(0, header.length / 2)), header, `length ${n}`);
      assert.equal(b.length, header.length / 2 + n);
      assert.equal(decodeMsgpack(b), s);
    }
  });

  it("UTF-8 strings: the header counts bytes, not characters", () => {
    assert.equal(enc("é"), "a2c3a9");
    assert.equal(enc("€"), "a3e282ac");
    assert.equal(enc("😀"), "a4f09f9880");
    assert.equal(enc("aé€😀"), "aa61c3a9e282acf09f9880");
    // 16 characters but 32 bytes: str8, through the hand-written path.
    assert.equal(hex(encodeMsgpack("é".repeat(16)).subarray(0, 2)), "d920");
    // 11 characters, 33 bytes.
    assert.equal(hex(encodeMsgpack("€".repeat(11)).subarray(0, 2)), "d921");
    // Long strings go through TextEncoder.encodeInto; headers shrink to fit.
    for (const s of ["é".repeat(100), "a".repeat(100), "€".repeat(30000), "😀".repeat(20000), `${"a".repeat(70)}é`]) {
      const b = encodeMsgpack(s);
      const bytes = Buffer.byteLength(s);
      const header = bytes < 32 ? 1 : bytes < 256 ? 2 : bytes < 65536 ? 3 : 5;
      assert.equal(b.length, header + bytes);
      assert.deepEqual(b.subarray(header), new Uint8Array(Buffer.from(s, "utf8")));
      assert.equal(decodeMsgpack(b), s);
    }
    assert.equal(dec("a2c3a9"), "é");
    assert.equal(dec(`d9${(40).toString(16)}${"c3a9".repeat(20)}`), "é".repeat(20));
  });

  it("bin 0/255/256/65535/65536", () => {
    const cases: [number, string][] = [
      [0, "c400"],
      [255, "c4ff"],
      [256, "c50100"],
      [65535, "c5ffff"],
      [65536, "c600010000"],
    ];
    for (const [n, header] of cases) {
      const data = new Uint8Array(n).map((_, i) => i & 0xff);
      const b = encodeMsgpack(data);
      assert.equal(hex(b.subarray(0, header.length / 2)), header);
      const back = decodeMsgpack(b) as Uint8Array;
      assert.ok(back instanceof Uint8Array);
      assert.deepEqual(back, data);
    }
    assert.equal(enc(Buffer.from([1, 2])), "c4020102");
  });

  it("array lengths 15/16/65535/65536", () => {
    const cases: [number, string][] = [
      [0, "90"],
      [15, "9f"],
      [16, "dc0010"],
      [65535, "dcffff"],
      [65536, "dd00010000"],
    ];
    for (const [n, header] of cases) {
      const arr = new Array(n).fill(0);
      const b = encodeMsgpack(arr);
      assert.equal(hex(b.subarray(0, header.length / 2)), header);
      assert.equal(b.length, header.length / 2 + n);
      assert.deepEqual(decodeMsgpack(b), arr);
    }
  });

  it("map sizes 15/16/65535/65536", () => {
    const cases: [number, string][] = [
      [0, "80"],
      [15, "8f"],
      [16, "de0010"],
      [65535, "deffff"],
      [65536, "df00010000"],
    ];
    for (const [n, header] of cases) {
      const obj: Record<string, number> = {};
      for (let i = 0; i < n; i++) obj[`k${i}`] = 1;
      const b = encodeMsgpack(obj);
      assert.equal(hex(b.subarray(0, header.length / 2)), header);
      assert.deepEqual(decodeMsgpack(b), obj);
    }
  });

  it("Maps keep insertion order and any keys", () => {
    assert.equal(
      enc(
        new Map<unknown, unknown>([
          [2, "b"],
          [1, "a"],
        ]),
      ),
      "8202a16201a161",
    );
    assert.equal(enc(new Map([[1.5, true]])), "81cb3ff8000000000000c3");
    assert.equal(enc(new Map([[null, [1]]])), "81c09101");
    // Plain objects: own enumerable string keys in insertion (Object.keys) order.
    assert.equal(enc({ b: 1, a: 2 }), "82a16201a16102");
  });

  it("ext: fixext 1/2/4/8/16, else ext8/16/32", () => {
    const cases: [number, string][] = [
      [1, "d4"],
      [2, "d5"],
      [4, "d6"],
      [8, "d7"],
      [16, "d8"],
      [0, "c700"],
      [3, "c703"],
      [17, "c711"],
      [255, "c7ff"],
      [256, "c80100"],
      [65535, "c8ffff"],
      [65536, "c900010000"],
    ];
    for (const [n, header] of cases) {
      const data = new Uint8Array(n).fill(7);
      const b = encodeMsgpack(new MsgpackExt(5, data));
      assert.equal(hex(b.subarray(0, header.length / 2 + 1)), `${header}05`);
      const back = decodeMsgpack(b) as MsgpackExt;
      assert.ok(back instanceof MsgpackExt);
      assert.equal(back.type, 5);
      assert.deepEqual(back.data, data);
    }
    assert.equal(enc(new MsgpackExt(-1, new Uint8Array(4))), "d6ff00000000");
    assert.equal((dec("d6ff00000000") as MsgpackExt).type, -1);
    assert.throws(() => new MsgpackExt(128, new Uint8Array(0)), RangeError);
  });
});

describe("msgpack ext hooks", () => {
  it("encodes objects without a built-in encoding through the hook", () => {
    const extension = (v: object): MsgpackExt | undefined => {
      if (v instanceof Date) {
        const data = new Uint8Array(8);
        new DataView(data.buffer).setFloat64(0, v.getTime());
        return new MsgpackExt(1, data);
      }
      return undefined;
    };
    const b = encodeMsgpack({ d: new Date(0) }, { extension });
    assert.equal(hex(b), "81a164d7010000000000000000");
    const back = decodeMsgpack(b, {
      extension: (type, data) => (type === 1 ? new Date(new DataView(data.buffer).getFloat64(0)) : undefined),
    });
    assert.deepEqual(back, { d: new Date(0) });
    assert.throws(() => encodeMsgpack({ s: new Set() }, { extension }), /^TypeError: value\.s: cannot encode Set$/);
  });

  it("the hook may encode recursively", () => {
    const extension = (v: object): MsgpackExt | undefined =>
      v instanceof Set ? new MsgpackExt(2, encodeMsgpack([...v], { extension })) : undefined;
    const b = encodeMsgpack([new Set([1, new Set([2])])], { extension });
    assert.equal(hex(b), "91c70602920 1d5029102".replace(/ /g, ""));
  });
});

describe("msgpack decoding", () => {
  it("maps become objects when all keys are strings, Maps otherwise, keeping order", () => {
    assert.deepEqual(dec("82a16101a16202"), { a: 1, b: 2 });
    assert.deepEqual(
      dec("82a16101 02a162"),
      new Map<unknown, unknown>([
        ["a", 1],
        [2, "b"],
      ]),
    );
    const m = dec("83a17a01 a131 02 03 03") as Map<unknown, unknown>;
    assert.deepEqual([...m.keys()], ["z", "1", 3]);
    assert.deepEqual(dec("81a16101", { alwaysMap: true }), new Map([["a", 1]]));
    assert.deepEqual(dec("80"), {});
    assert.deepEqual(dec("80", { alwaysMap: true }), new Map());
  });

  it("a __proto__ key is an own property, never the prototype", () => {
    const v = dec("81a95f5f70726f746f5f5f81a170c3") as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.ok(Object.hasOwn(v, "__proto__"));
    assert.deepEqual(Object.keys(v), ["__proto__"]);
    assert.equal((v as { p?: unknown }).p, undefined);
    assert.equal(({} as { p?: unknown }).p, undefined);
  });

  it("duplicate keys keep the last value, like a Python dict", () => {
    assert.deepEqual(dec("82a16101a16102"), { a: 2 });
  });

  it("returns copies of bin data, not views of the input", () => {
    const input = unhex("c4020102");
    const out = decodeMsgpack(input) as Uint8Array;
    input[2] = 9;
    assert.deepEqual(out, new Uint8Array([1, 2]));
  });

  it("reads from a view with a byte offset", () => {
    const big = unhex("ffff82a16101a16292cb3ff8000000000000a178");
    assert.deepEqual(decodeMsgpack(big.subarray(2)), { a: 1, b: [1.5, "x"] });
  });

  it("MsgpackReader walks items", () => {
    const r = new MsgpackReader(unhex("92a178d6ff01020304"));
    assert.equal(r.readHead(), MsgpackKind.Array);
    assert.equal(r.length, 2);
    assert.equal(r.readHead(), MsgpackKind.Str);
    assert.equal(r.value, "x");
    assert.equal(r.readHead(), MsgpackKind.Ext);
    assert.equal(r.extType, -1);
    assert.equal(r.length, 4);
    assert.deepEqual(r.readBytes(4), new Uint8Array([1, 2, 3, 4]));
    r.expectEnd();
  });

  it("MsgpackWriter patches ext headers to the smallest size", () => {
    const w = new MsgpackWriter(16);
    const mark = w.beginExt();
    w.writeArrayHeader(1);
    w.writeInt(7);
    w.endExt(mark, 3);
    assert.equal(hex(w.finish()), "d5039107");
    w.reset();
    const mark2 = w.beginExt();
    w.writeStr("y".repeat(300));
    w.endExt(mark2, 4);
    const out = w.finish();
    assert.equal(hex(out.subarray(0, 7)), "c8012f04da012c");
    assert.equal(out.length, 4 + 303);
  });
});

describe("msgpack errors", () => {
  it("rejects truncated input with the offset", () => {
    const e = decodeFails("cd01", /unexpected end of input at offset 1: 2 more byte\(s\) needed, 1 left/);
    assert.equal(e.offset, 1);
    decodeFails("", /unexpected end of input at offset 0/);
    decodeFails("92 01", /unexpected end of input at offset 1: a container of 2 item/);
    decodeFails("93 01 01 cd01", /unexpected end of input at offset 4: 2 more byte\(s\) needed, 1 left/);
    decodeFails("a3 6162", /unexpected end of input/);
    decodeFails("81 a161", /unexpected end of input/);
  });

  it("rejects every strict prefix of a valid encoding", () => {
    const b = encodeMsgpack({ a: [1, 300, -5000, 2 ** 40, 1.5, "héllo", new Uint8Array(3), { b: null }], c: true });
    for (let n = 0; n < b.length; n++) decodeFails(b.subarray(0, n), /unexpected end of input/);
  });

  it("does not allocate for lengths the input cannot hold", () => {
    decodeFails("ddffffffff", /container of 4294967295 item\(s\) needs at least 4294967295 more byte/);
    decodeFails("dfffffffff", /needs at least 8589934590 more byte/);
    decodeFails("dbffffffff61", /unexpected end of input at offset 5: 4294967295 more byte/);
  });

  it("rejects trailing bytes", () => {
    const e = decodeFails(
      "0000",
      /trailing bytes: the value ends at offset 1 but the input has 2 bytes \(next byte 0x00\)/,
    );
    assert.equal(e.offset, 1);
  });

  it("rejects the unknown type byte 0xc1 with its offset", () => {
    let e = decodeFails("c1", /^unknown msgpack type byte 0xc1 at offset 0$/);
    assert.equal(e.byte, 0xc1);
    e = decodeFails("93 01 02 c1", /unknown msgpack type byte 0xc1 at offset 3/);
    assert.equal(e.offset, 3);
  });

  it("rejects invalid UTF-8", () => {
    decodeFails("a1ff", /invalid UTF-8 in the string at offset 1/);
    decodeFails("a2c328", /invalid UTF-8/);
    decodeFails("a3eda080", /invalid UTF-8/); // an encoded surrogate
    decodeFails(`d940${"61".repeat(63)}ff`, /invalid UTF-8/);
  });

  it("limits nesting depth on both sides", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    assert.throws(() => encodeMsgpack(deep), /^RangeError: value(\[0\]){1024}: nesting deeper than 1024 levels/);
    assert.ok(encodeMsgpack(deep, { maxDepth: 3000 }).length > 2000);
    decodeFails(`${"91".repeat(2000)}01`, /nesting deeper than 1024 levels at offset 1024/);
    const cyclic: unknown[] = [];
    cyclic.push({ a: cyclic });
    assert.throws(
      () => encodeMsgpack(cyclic),
      /RangeError: value\[0\]\.a\[0\]\.a.*: nesting deeper than 1024 levels \(is the value cyclic\?\)/,
    );
  });

  it("names the path and constructor of what it cannot encode", () => {
    assert.throws(
      () => encodeMsgpack({ a: [1, 2, 3, { b: () => 1 }] }),
      /^TypeError: value\.a\[3\]\.b: cannot encode a function$/,
    );
    assert.throws(() => encodeMsgpack({ when: new Date() }), /^TypeError: value\.when: cannot encode Date$/);
    assert.throws(() => encodeMsgpack([new Set()]), /^TypeError: value\[0\]: cannot encode Set$/);
    assert.throws(() => encodeMsgpack({ "a b": Symbol("s") }), /^TypeError: value\["a b"\]: cannot encode a symbol$/);
    class Point {
      x = 1;
    }
    assert.throws(() => encodeMsgpack({ p: new Point() }), /^TypeError: value\.p: cannot encode Point$/);
    assert.throws(
      () => encodeMsgpack(new Map([["k", new Int16Array(1)]])),
      /^TypeError: value\.get\("k"\): cannot encode Int16Array$/,
    );
    assert.throws(
      () => encodeMsgpack({ big: 2n ** 64n }),
      /^TypeError: value\.big: bigint 18446744073709551616 does not fit in 64 bits$/,
    );
    assert.throws(() => encodeMsgpack({ s: "a\uD800" }), /^TypeError: value\.s: string has a lone surrogate/);
    assert.throws(
      () => encodeMsgpack({ s: `${"a".repeat(100)}\uDC00` }),
      /^TypeError: value\.s: string has a lone surrogate/,
    );
    assert.throws(
      () => encodeMsgpack({ "k\uD800": 1 }),
      /^TypeError: value\["k\\ud800"\] \(the key\): string has a lone surrogate/,
    );
  });

  it("a failed encode leaves the shared buffer usable", () => {
    assert.throws(() => encodeMsgpack([1, 2, () => 3]));
    assert.equal(enc([1, 2]), "920102");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property tests.

const key = fc.string({ unit: "binary", maxLength: 8 });
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.string({ unit: "binary" }),
    fc.array(tie("json")),
    fc.dictionary(key, tie("json"), { noNullPrototype: true }),
  ),
}));

/** Values with every kind the encoder writes natively, decoded back to themselves. */
const { rich } = fc.letrec((tie) => ({
  rich: fc.oneof(
    { depthSize: "small" },
    json,
    fc.uint8Array(),
    fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
    fc.integer({ min: -128, max: 127 }).map((t) => new MsgpackExt(t, new Uint8Array([t & 0xff]))),
    fc.array(fc.tuple(fc.oneof(fc.integer(), fc.double(), fc.boolean()), tie("rich"))).map((entries) => {
      const m = new Map<unknown, unknown>();
      for (const [k, v] of entries) if (!Number.isNaN(k)) m.set(k, v);
      // An empty map reads back as an object.
      return m.size > 0 ? m : {};
    }),
    fc.array(tie("rich"), { maxLength: 5 }),
    fc.dictionary(key, tie("rich"), { noNullPrototype: true }),
  ),
}));

describe("msgpack properties", () => {
  it("decode(encode(x)) deep-equals x for JSON-like values", () => {
    fc.assert(
      fc.property(json, (v) => {
        assert.deepStrictEqual(decodeMsgpack(encodeMsgpack(v)), v);
      }),
    );
  });

  it("decode(encode(x)) deep-equals x for binaries, big ints, exts and Maps", () => {
    fc.assert(
      fc.property(rich, (v) => {
        assert.deepStrictEqual(decodeMsgpack(encodeMsgpack(v)), v);
      }),
    );
  });

  it("canonical bytes re-encode identically after a floatWrapper/alwaysMap decode", () => {
    fc.assert(
      fc.property(rich, (v) => {
        const b = encodeMsgpack(v);
        assert.deepEqual(encodeMsgpack(decodeMsgpack(b, { floatWrapper: true, alwaysMap: true })), b);
      }),
    );
  });

  it("integers encode to the smallest form", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const size = encodeMsgpack(n).length;
        const expected =
          n >= 0
            ? n < 128
              ? 1
              : n < 256
                ? 2
                : n < 65536
                  ? 3
                  : n < 2 ** 32
                    ? 5
                    : 9
            : n >= -32
              ? 1
              : n >= -128
                ? 2
                : n >= -32768
                  ? 3
                  : n >= -(2 ** 31)
                    ? 5
                    : 9;
        assert.equal(size, expected);
      }),
    );
  });

  it("never throws anything but MsgpackError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeMsgpack(b);
        } catch (e) {
          assert.ok(e instanceof MsgpackError, String(e));
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Speed.

function records(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: i,
      name: `record-${i}`,
      score: i * 0.75 + 0.1,
      active: i % 3 === 0,
      tags: ["alpha", "beta", `t${i % 10}`],
      count: i * 1000,
      ratio: i / 7,
      label: i % 2 ? "naïve" : "plain",
      offset: -i,
      dims: [i, i + 1, i + 2.5],
    });
  }
  return out;
}

describe("msgpack at scale", () => {
  // Speed is measured by `npm run bench` (structs to and from msgpack literals), not here.
  it("round-trips 10^4 ten-field records", () => {
    const data = records(10_000);
    const bytes = encodeMsgpack(data);
    assert.deepStrictEqual(decodeMsgpack(bytes), data);
    assert.deepStrictEqual(encodeMsgpack(decodeMsgpack(bytes)), bytes);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Byte-for-byte comparison with Python's msgpack, when the project venv has it.

const PYTHON = new URL("../../../.venv/bin/python", import.meta.url).pathname;

function pythonWithMsgpack(): string | undefined {
  const python = process.env.FLYTEKIT_TS_TEST_PYTHON ?? PYTHON;
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, ["-c", "import msgpack"], { encoding: "utf8" });
  return r.status === 0 ? python : undefined;
}

const python = pythonWithMsgpack();

/** Python expressions and the JavaScript values that must pack to the same bytes. */
const PYTHON_CASES: [string, unknown][] = [
  ["{'a': 1, 'b': [1.5, 'x']}", { a: 1, b: [1.5, "x"] }],
  [
    "[0, 127, 128, 255, 256, 65535, 65536, 2**32-1, 2**32, 2**53-1, 2**53, 2**63-1, 2**64-1]",
    [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n],
  ],
  [
    "[-1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31-1, -2**53+1, -2**53, -2**63]",
    [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1, -(2n ** 53n), -(2n ** 63n)],
  ],
  [
    "[1.0, 0.0, -0.0, 1.5, 0.1, float('nan'), float('inf'), float('-inf'), 2.0**53, 1e300, 5e-324]",
    [
      new MsgpackFloat(1),
      new MsgpackFloat(0),
      -0,
      1.5,
      0.1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2 ** 53,
      1e300,
      5e-324,
    ],
  ],
  ["[None, True, False]", [null, true, false]],
  [
    "['', 'é€😀', 'a'*31, 'a'*32, 'a'*255, 'a'*256]",
    ["", "é€😀", "a".repeat(31), "a".repeat(32), "a".repeat(255), "a".repeat(256)],
  ],
  [
    "['a'*65535, 'a'*65536, 'é'*100, '€'*11, '😀'*20000]",
    ["a".repeat(65535), "a".repeat(65536), "é".repeat(100), "€".repeat(11), "😀".repeat(20000)],
  ],
  [
    "[b'', b'\\x01'*255, b'\\x01'*256, b'\\x01'*65536]",
    [new Uint8Array(0), new Uint8Array(255).fill(1), new Uint8Array(256).fill(1), new Uint8Array(65536).fill(1)],
  ],
  [
    "[list(range(15)), list(range(16)), [None]*65536]",
    [[...Array(15).keys()], [...Array(16).keys()], new Array(65536).fill(null)],
  ],
  [
    "[{str(i): i for i in range(15)}, {str(i): i for i in range(16)}, {str(i): i for i in range(65536)}]",
    [15, 16, 65536].map((n) => Object.fromEntries([...Array(n).keys()].map((i) => [String(i), i]))),
  ],
  [
    "{1: 'a', 2.5: None, None: [1]}",
    new Map<unknown, unknown>([
      [1, "a"],
      [2.5, null],
      [null, [1]],
    ]),
  ],
  ["{'z': 1, 'a': {'y': [1, 2.5, {'x': None}]}}", { z: 1, a: { y: [1, 2.5, { x: null }] } }],
  [
    "[msgpack.ExtType(5, b'\\x07'*n) for n in (0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 65536)]",
    [0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 65536].map((n) => new MsgpackExt(5, new Uint8Array(n).fill(7))),
  ],
];

describe("msgpack vs Python", { skip: python === undefined ? "no .venv/bin/python with msgpack" : false }, () => {
  it("packs every case to the bytes Python's msgpack.packb(use_bin_type=True) writes", () => {
    const script = [
      "import json, sys, msgpack",
      "for expr in json.load(sys.stdin):",
      "    print(msgpack.packb(eval(expr), use_bin_type=True).hex())",
    ].join("\n");
    const r = spawnSync(python!, ["-c", script], {
      input: JSON.stringify(PYTHON_CASES.map(([expr]) => expr)),
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, PYTHON_CASES.length);
    PYTHON_CASES.forEach(([expr, value], i) => {
      const ours = hex(encodeMsgpack(value));
      assert.ok(ours === lines[i], `${expr}: ours ${ours.slice(0, 120)}… python ${lines[i].slice(0, 120)}…`);
      // Python's bytes read back to the same value (floats kept as floats).
      assert.equal(hex(encodeMsgpack(decodeMsgpack(unhex(lines[i]), { floatWrapper: true }))), lines[i]);
    });
  });
});
