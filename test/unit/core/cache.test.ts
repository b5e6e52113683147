import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { equals, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { cacheKey, LocalCache, t, task } from "flytekit-ts";
import { cacheDir, cacheEnabled, cacheOverwrite } from "../../../src/core/cache.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import {
  binaryLiteral,
  collectionLiteral,
  floatLiteral,
  integerLiteral,
  literalMap,
  mapLiteral,
  stringLiteral,
} from "../../../src/idl/literals.js";
import { NO_DATA } from "../../../src/types/type.js";

async function captureStderr<R>(fn: () => Promise<R>): Promise<{ result: R; stderr: string }> {
  let stderr = "";
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const withHash = (lit: Literal, hash: string): Literal => ({ ...lit, hash });
const lm = (literals: Record<string, Literal>): LiteralMap => literalMap(literals);
const KEY = /^(.+)-([^-]+)-([0-9a-f]{32})$/;

describe("cacheKey", () => {
  const inputs = () =>
    lm({
      a: integerLiteral(1n),
      b: stringLiteral("x"),
      c: t.struct({ p: t.float }).toLiteral({ p: 1.5 }, NO_DATA),
      d: mapLiteral({ k1: integerLiteral(1n), k2: collectionLiteral([floatLiteral(0.5)]) }),
    });

  it("is <task name>-<version>-<32 hex digits>", () => {
    const k = cacheKey("my.module.task_name_1", "31415", inputs(), []);
    const m = KEY.exec(k);
    assert.ok(m, k);
    assert.equal(m[1], "my.module.task_name_1");
    assert.equal(m[2], "31415");
  });

  it("is stable across calls (100 times, one key)", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) keys.add(cacheKey("t", "1", inputs(), []));
    assert.equal(keys.size, 1);
  });

  it("does not depend on the order of input names or of map keys", () => {
    const a = lm({ x: integerLiteral(1n), y: mapLiteral({ p: stringLiteral("1"), q: stringLiteral("2") }) });
    const b = lm({ y: mapLiteral({ q: stringLiteral("2"), p: stringLiteral("1") }), x: integerLiteral(1n) });
    assert.equal(cacheKey("t", "1", a, []), cacheKey("t", "1", b, []));
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => k !== "__proto__"),
          fc.integer(),
          { minKeys: 1 },
        ),
        (d) => {
          const entries = Object.entries(d);
          const forward = lm(Object.fromEntries(entries.map(([k, v]) => [k, integerLiteral(BigInt(v))])));
          const backward = lm(Object.fromEntries(entries.reverse().map(([k, v]) => [k, integerLiteral(BigInt(v))])));
          const nested = (m: LiteralMap) => lm({ m: { ...mapLiteral(m.literals) } });
          assert.equal(cacheKey("t", "1", forward, []), cacheKey("t", "1", backward, []));
          assert.equal(cacheKey("t", "1", nested(forward), []), cacheKey("t", "1", nested(backward), []));
        },
      ),
    );
  });

  it("includes the task name and the version", () => {
    const i = inputs();
    const base = cacheKey("pkg.f", "1", i, []);
    assert.notEqual(cacheKey("pkg.g", "1", i, []), base);
    assert.notEqual(cacheKey("pkg.f", "2", i, []), base);
    // The hash part is the same: only the prefix names the task and version.
    assert.equal(KEY.exec(cacheKey("pkg.g", "2", i, []))![3], KEY.exec(base)![3]);
  });

  it("differs when any input value differs", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (x, y) => {
        fc.pre(x !== y);
        assert.notEqual(
          cacheKey("t", "1", lm({ a: integerLiteral(BigInt(x)) }), []),
          cacheKey("t", "1", lm({ a: integerLiteral(BigInt(y)) }), []),
        );
      }),
    );
    assert.notEqual(
      cacheKey("t", "1", lm({ a: integerLiteral(1n) }), []),
      cacheKey("t", "1", lm({ b: integerLiteral(1n) }), []),
    );
    assert.notEqual(
      cacheKey("t", "1", lm({ a: integerLiteral(1n) }), []),
      cacheKey("t", "1", lm({ a: floatLiteral(1) }), []),
    );
  });

  it("ignores the ignored inputs", () => {
    const k1 = cacheKey("t", "1", lm({ a: integerLiteral(1n), b: stringLiteral("same") }), ["a"]);
    const k2 = cacheKey("t", "1", lm({ a: integerLiteral(2n), b: stringLiteral("same") }), ["a"]);
    const k3 = cacheKey("t", "1", lm({ b: stringLiteral("same") }), ["a"]);
    assert.equal(k1, k2);
    assert.equal(k1, k3);
    assert.notEqual(k1, cacheKey("t", "1", lm({ a: integerLiteral(1n), b: stringLiteral("other") }), ["a"]));
    assert.notEqual(k1, cacheKey("t", "1", lm({ a: integerLiteral(1n), b: stringLiteral("same") }), []));
  });

  it("uses a literal's hash in place of its value: different values with one hash share a key", () => {
    const k1 = cacheKey("t", "1", lm({ df: withHash(stringLiteral("value one"), "h1") }), []);
    const k2 = cacheKey("t", "1", lm({ df: withHash(integerLiteral(42n), "h1") }), []);
    const k3 = cacheKey("t", "1", lm({ df: withHash(stringLiteral("value one"), "h2") }), []);
    assert.equal(k1, k2);
    assert.notEqual(k1, k3);
    assert.notEqual(k1, cacheKey("t", "1", lm({ df: stringLiteral("value one") }), []));
  });

  it("uses hashes of collection elements and map values", () => {
    const coll = (v: Literal) => lm({ xs: collectionLiteral([integerLiteral(1n), withHash(v, "h")]) });
    assert.equal(cacheKey("t", "1", coll(stringLiteral("a")), []), cacheKey("t", "1", coll(stringLiteral("b")), []));
    const map = (v: Literal) => lm({ m: mapLiteral({ k: withHash(v, "h"), other: integerLiteral(2n) }) });
    assert.equal(cacheKey("t", "1", map(stringLiteral("a")), []), cacheKey("t", "1", map(floatLiteral(2)), []));
    const unhashed = (v: Literal) => lm({ xs: collectionLiteral([v]) });
    assert.notEqual(
      cacheKey("t", "1", unhashed(stringLiteral("a")), []),
      cacheKey("t", "1", unhashed(stringLiteral("b")), []),
    );
  });

  it("keeps only the hash of a hashed collection or map, whatever it holds", () => {
    const a = lm({ xs: withHash(collectionLiteral([integerLiteral(1n)]), "H") });
    const b = lm({ xs: withHash(collectionLiteral([integerLiteral(2n), integerLiteral(3n)]), "H") });
    assert.equal(cacheKey("t", "1", a, []), cacheKey("t", "1", b, []));
    const m1 = lm({ m: withHash(mapLiteral({ a: integerLiteral(1n) }), "H") });
    const m2 = lm({ m: withHash(mapLiteral({ z: stringLiteral("z") }), "H") });
    assert.equal(cacheKey("t", "1", m1, []), cacheKey("t", "1", m2, []));
  });

  it("tells float64 from int in msgpack and survives malformed msgpack", () => {
    const f = t.struct({ x: t.float }).toLiteral({ x: 1 }, NO_DATA);
    const i = t.struct({ x: t.int }).toLiteral({ x: 1 }, NO_DATA);
    assert.notEqual(cacheKey("t", "1", lm({ s: f }), []), cacheKey("t", "1", lm({ s: i }), []));
    const bad = (b: number[]) => lm({ s: binaryLiteral(Uint8Array.from(b), "msgpack") });
    assert.match(cacheKey("t", "1", bad([0x82, 0xa1]), []), KEY);
    assert.notEqual(cacheKey("t", "1", bad([0x82, 0xa1]), []), cacheKey("t", "1", bad([0x82, 0xa2]), []));
  });

  it("does not modify the inputs", () => {
    const i = lm({ b: integerLiteral(1n), a: withHash(collectionLiteral([withHash(integerLiteral(1n), "e")]), "c") });
    const before = toJson(LiteralMapSchema, i);
    cacheKey("t", "1", i, ["b"]);
    assert.deepEqual(toJson(LiteralMapSchema, i), before);
    assert.deepEqual(Object.keys(i.literals), ["b", "a"]);
  });

  it("is consistent for nested dicts and structs built from equal values", () => {
    const s = t.struct({ m: t.map(t.list(t.int)), d: t.dict() });
    const v1 = { m: { b: [1], a: [2, 3] }, d: { x: 1, y: { z: [true] } } };
    const v2 = { m: { a: [2, 3], b: [1] }, d: { x: 1, y: { z: [true] } } };
    assert.equal(
      cacheKey("t", "1", lm({ s: s.toLiteral(v1, NO_DATA) }), []),
      cacheKey("t", "1", lm({ s: s.toLiteral(v2, NO_DATA) }), []),
    );
    const opt = t.optional(t.struct({ m: t.map(t.int) }));
    assert.equal(
      cacheKey("t", "1", lm({ o: opt.toLiteral({ m: { x: 1, y: 2 } }, NO_DATA) }), []),
      cacheKey("t", "1", lm({ o: opt.toLiteral({ m: { y: 2, x: 1 } }, NO_DATA) }), []),
    );
    assert.notEqual(
      cacheKey("t", "1", lm({ s: s.toLiteral(v1, NO_DATA) }), []),
      cacheKey("t", "1", lm({ s: s.toLiteral({ ...v1, d: { x: 1.5, y: { z: [true] } } }, NO_DATA) }), []),
    );
    const typed = t.map(t.map(t.int));
    assert.equal(
      cacheKey("t", "1", lm({ m: typed.toLiteral({ a: { x: 1, y: 2 }, b: {} }, NO_DATA) }), []),
      cacheKey("t", "1", lm({ m: typed.toLiteral({ b: {}, a: { y: 2, x: 1 } }, NO_DATA) }), []),
    );
  });
});

describe("LocalCache", () => {
  const outputs = (n: number): LiteralMap => lm({ o0: integerLiteral(BigInt(n)), o1: stringLiteral(`run ${n}`) });
  const fresh = () => new LocalCache(join(mkdtempSync(join(tmpdir(), "cache-test-")), "store"));
  const entries = (c: LocalCache) => (existsSync(c.dir) ? readdirSync(c.dir) : []);

  it("misses, then returns what was put", () => {
    const c = fresh();
    assert.equal(c.get("k"), undefined);
    c.put("k", outputs(1));
    const got = c.get("k");
    assert.ok(got && equals(LiteralMapSchema, got, outputs(1)));
    assert.equal(c.get("other"), undefined);
  });

  it("keeps entries apart by key and writes one file per key", () => {
    const c = fresh();
    c.put("task-1-aaa", outputs(1));
    c.put("task-1-bbb", outputs(2));
    assert.ok(equals(LiteralMapSchema, c.get("task-1-aaa")!, outputs(1)));
    assert.ok(equals(LiteralMapSchema, c.get("task-1-bbb")!, outputs(2)));
    assert.equal(entries(c).length, 2);
  });

  it("is shared by instances on the same directory (a second process sees the entry)", () => {
    const c = fresh();
    c.put("k", outputs(3));
    assert.ok(equals(LiteralMapSchema, new LocalCache(c.dir).get("k")!, outputs(3)));
  });

  it("overwrites atomically, leaving no temporary files", () => {
    const c = fresh();
    c.put("k", outputs(1));
    c.put("k", outputs(2));
    assert.ok(equals(LiteralMapSchema, c.get("k")!, outputs(2)));
    assert.deepEqual(
      entries(c).filter((f) => f.endsWith(".tmp")),
      [],
    );
    assert.equal(entries(c).length, 1);
  });

  it("treats a corrupt entry as a miss and removes it", () => {
    const c = fresh();
    c.put("k", outputs(1));
    const [file] = entries(c);
    writeFileSync(join(c.dir, file!), Uint8Array.from([0x0a, 0xff, 0xff]));
    assert.equal(c.get("k"), undefined);
    assert.deepEqual(entries(c), []);
    c.put("k", outputs(2));
    assert.ok(equals(LiteralMapSchema, c.get("k")!, outputs(2)));
  });

  it("leaves one readable entry after 20 concurrent puts to one key", async () => {
    const c = fresh();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 3));
        c.put("k", outputs(i));
      }),
    );
    const got = c.get("k");
    assert.ok(got, "a readable entry");
    const n = Number(
      got.literals.o0?.value.case === "scalar" && got.literals.o0.value.value.value.case === "primitive"
        ? got.literals.o0.value.value.value.value.value.value
        : -1,
    );
    assert.ok(n >= 0 && n < 20);
    assert.ok(equals(LiteralMapSchema, got, outputs(n)), "the entry is one whole write");
    assert.deepEqual(entries(c).length, 1);
  });

  it("leaves one whole entry when separate processes write the same key at once", async () => {
    const c = fresh();
    const { spawn } = await import("node:child_process");
    const script = `
      import { LocalCache } from ${JSON.stringify(new URL("../../../src/core/cache.ts", import.meta.url).href)};
      import { integerLiteral, literalMap, stringLiteral } from ${JSON.stringify(new URL("../../../src/idl/literals.ts", import.meta.url).href)};
      const n = Number(process.argv[1]);
      const c = new LocalCache(${JSON.stringify(c.dir)});
      const big = stringLiteral("x".repeat(200000) + n);
      for (let i = 0; i < 20; i++) c.put("k", literalMap({ o0: integerLiteral(BigInt(n)), big }));
    `;
    const runs = Array.from(
      { length: 4 },
      (_, n) =>
        new Promise<number>((resolve) => {
          const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, String(n)], {
            stdio: "inherit",
          });
          p.on("exit", (code) => resolve(code ?? 1));
        }),
    );
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const got = c.get("k");
    assert.ok(got);
    const o0 = got.literals.o0!;
    const n =
      o0.value.case === "scalar" && o0.value.value.value.case === "primitive"
        ? Number(o0.value.value.value.value.value.value)
        : -1;
    const big = got.literals.big!;
    const s =
      big.value.case === "scalar" && big.value.value.value.case === "primitive"
        ? big.value.value.value.value.value.value
        : "";
    assert.equal(s, "x".repeat(200000) + n, "the entry is one process's whole write");
    assert.equal(entries(c).length, 1);
  });

  it("a flipped bit anywhere in an entry is a miss, and the entry is removed", () => {
    const c = fresh();
    c.put("k", outputs(1));
    const [file] = entries(c);
    const whole = readFileSync(join(c.dir, file!));
    for (let i = 0; i < whole.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(whole);
        bad[i]! ^= bit;
        writeFileSync(join(c.dir, file!), bad);
        assert.equal(c.get("k"), undefined, `byte ${i} bit ${bit}`);
        assert.deepEqual(entries(c), [], `byte ${i}: removed`);
      }
    }
    // Flipping a bit of the integer's value alone still decodes: the checksum is what catches it.
    writeFileSync(join(c.dir, file!), whole);
    assert.ok(equals(LiteralMapSchema, c.get("k")!, outputs(1)));
  });

  it("a truncated or zero-byte entry is a miss, removed, and the next put works", () => {
    const c = fresh();
    c.put("k", outputs(1));
    const [file] = entries(c);
    const whole = readFileSync(join(c.dir, file!));
    for (let n = 0; n < whole.length; n++) {
      writeFileSync(join(c.dir, file!), whole.subarray(0, n));
      assert.equal(c.get("k"), undefined, `${n} bytes`);
      assert.deepEqual(entries(c), [], `${n} bytes: removed`);
    }
    c.put("k", outputs(2));
    assert.ok(equals(LiteralMapSchema, c.get("k")!, outputs(2)));
  });

  it("an entry written for another key is a miss there (copied or renamed into place)", () => {
    const c = fresh();
    c.put("key-alpha", outputs(1));
    c.put("key-beta", outputs(2));
    const before = entries(c);
    const pathOf = (k: string) => join(c.dir, before.find((f) => readFileSync(join(c.dir, f)).includes(k))!);
    const bFile = pathOf("key-beta");
    writeFileSync(bFile, readFileSync(pathOf("key-alpha")));
    assert.equal(c.get("key-beta"), undefined);
    assert.ok(equals(LiteralMapSchema, c.get("key-alpha")!, outputs(1)));
    assert.equal(existsSync(bFile), false);
  });

  it("an unwritable cache makes put throw and get miss, and a cached task still succeeds with a warning", async () => {
    const parent = mkdtempSync(join(tmpdir(), "cache-ro-"));
    writeFileSync(join(parent, "a-file"), "");
    const dirs = [join(parent, "a-file", "cache")];
    if (process.getuid?.() !== 0) {
      const ro = join(parent, "read-only");
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      dirs.push(ro);
    }
    const saved = process.env.FLYTE_LOCAL_CACHE_DIR;
    try {
      for (const dir of dirs) {
        const c = new LocalCache(dir);
        assert.throws(() => c.put("k", outputs(1)));
        assert.equal(c.get("k"), undefined);
        process.env.FLYTE_LOCAL_CACHE_DIR = dir;
        let runs = 0;
        const cached = task({ inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
          runs++;
          return x + 1;
        });
        const warned = await captureStderr(() => cached({ x: 1 }));
        assert.equal(warned.result, 2);
        assert.match(warned.stderr, /could not write the local cache entry/);
        assert.equal(await cached({ x: 1 }), 2);
        assert.equal(runs, 2, "no entry, so it ran again");
      }
    } finally {
      if (saved === undefined) delete process.env.FLYTE_LOCAL_CACHE_DIR;
      else process.env.FLYTE_LOCAL_CACHE_DIR = saved;
    }
  });

  it("a bad entry in a read-only directory stays a miss without failing", () => {
    const c = fresh();
    c.put("k", outputs(1));
    const [file] = entries(c);
    writeFileSync(join(c.dir, file!), "");
    chmodSync(c.dir, 0o555);
    try {
      assert.equal(c.get("k"), undefined);
      assert.equal(c.get("k"), undefined);
    } finally {
      chmodSync(c.dir, 0o755);
    }
  });

  it("clear() removes every entry and stale temporary file, and nothing else", () => {
    const c = fresh();
    c.put("a", outputs(1), { task: "t.a", version: "1" });
    c.put("b", outputs(2));
    writeFileSync(join(c.dir, "notes.txt"), "mine");
    writeFileSync(join(c.dir, "0".repeat(63) + ".pb"), "not named as an entry");
    const stale = join(c.dir, ".0123456789abcdef.tmp");
    const fresh_ = join(c.dir, ".fedcba9876543210.tmp");
    writeFileSync(stale, "");
    writeFileSync(fresh_, "");
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, old, old);
    assert.equal(c.clear(), 2);
    assert.equal(c.get("a"), undefined);
    assert.deepEqual(entries(c).sort(), [".fedcba9876543210.tmp", "0".repeat(63) + ".pb", "notes.txt"].sort());
  });

  it("list() describes each entry: key, task, version, size, created, last used", async () => {
    const c = fresh();
    assert.deepEqual(c.list(), [], "a missing directory is empty");
    const before = Date.now();
    c.put("t.a-1-aaa", outputs(1), { task: "t.a", version: "1" });
    c.put("t.b-v2-bbb", outputs(2), { task: "t.b", version: "v2" });
    const list = c.list();
    assert.equal(list.length, 2);
    const a = list.find((e) => e.key === "t.a-1-aaa")!;
    assert.equal(a.task, "t.a");
    assert.equal(a.version, "1");
    assert.equal(a.size, statSync(a.path).size);
    assert.ok(a.created.getTime() >= before - 1 && a.created.getTime() <= Date.now());
    assert.equal(a.damaged, undefined);
    // A hit moves the last-used time, not the created time.
    const past = new Date(Date.now() - 86_400_000);
    utimesSync(a.path, past, past);
    const b = list.find((e) => e.key === "t.b-v2-bbb")!;
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(b.path, hourAgo, hourAgo); // so that the hit below is later than b's use whatever the clock's grain
    assert.equal(c.list()[0]!.key, "t.a-1-aaa", "oldest use first");
    assert.ok(c.get("t.a-1-aaa"));
    const again = c.list().find((e) => e.key === "t.a-1-aaa")!;
    assert.ok(again.lastUsed.getTime() > past.getTime() + 3_600_000);
    assert.equal(again.created.getTime(), a.created.getTime());
    assert.equal(c.list()[1]!.key, "t.a-1-aaa", "now the most recent use");
  });

  it("list() marks damaged and misplaced files, and remove() takes only entry files", () => {
    const c = fresh();
    c.put("k", outputs(1), { task: "t", version: "1" });
    c.put("j", outputs(2), { task: "t", version: "1" });
    const [k, j] = [c.list().find((e) => e.key === "k")!, c.list().find((e) => e.key === "j")!];
    writeFileSync(j.path, readFileSync(k.path));
    writeFileSync(k.path, "garbage");
    const list = c.list();
    assert.deepEqual(list.map((e) => e.damaged).sort(), ["misplaced", "not a cache entry"]);
    assert.throws(() => c.remove([{ path: join(c.dir, "..", "other.pb") }]), /is not an entry file of the local cache/);
    assert.throws(() => c.remove([{ path: join(c.dir, "notes.txt") }]), /notes\.txt.*is not an entry file/);
    assert.equal(c.remove(list), 2);
    assert.equal(c.remove(list), 0, "already gone");
    assert.deepEqual(entries(c), []);
  });

  it("stores the serialized output literal map", () => {
    const c = fresh();
    c.put("k", outputs(5));
    const [file] = entries(c);
    const bytes = readFileSync(join(c.dir, file!));
    assert.ok(bytes.length > 0);
    assert.deepEqual(toJson(LiteralSchema, c.get("k")!.literals.o0!), { scalar: { primitive: { integer: "5" } } });
  });
});

describe("local cache settings", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["FLYTE_LOCAL_CACHE_ENABLED", "FLYTE_LOCAL_CACHE_OVERWRITE", "FLYTE_LOCAL_CACHE_DIR"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("FLYTE_LOCAL_CACHE_ENABLED defaults to on and accepts false/0/no/off", () => {
    delete process.env.FLYTE_LOCAL_CACHE_ENABLED;
    assert.equal(cacheEnabled(), true);
    for (const v of ["false", "False", "0", "no", "OFF"]) {
      process.env.FLYTE_LOCAL_CACHE_ENABLED = v;
      assert.equal(cacheEnabled(), false, v);
    }
    for (const v of ["true", "1", "yes"]) {
      process.env.FLYTE_LOCAL_CACHE_ENABLED = v;
      assert.equal(cacheEnabled(), true, v);
    }
  });

  it("FLYTE_LOCAL_CACHE_OVERWRITE defaults to off and accepts true/1/yes/on", () => {
    delete process.env.FLYTE_LOCAL_CACHE_OVERWRITE;
    assert.equal(cacheOverwrite(), false);
    for (const v of ["true", "TRUE", "1", "yes", "on"]) {
      process.env.FLYTE_LOCAL_CACHE_OVERWRITE = v;
      assert.equal(cacheOverwrite(), true, v);
    }
    process.env.FLYTE_LOCAL_CACHE_OVERWRITE = "false";
    assert.equal(cacheOverwrite(), false);
  });

  it("FLYTE_LOCAL_CACHE_DIR moves the store; LocalCache() uses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cache-dir-"));
    process.env.FLYTE_LOCAL_CACHE_DIR = dir;
    assert.equal(cacheDir(), dir);
    assert.equal(new LocalCache().dir, dir);
    delete process.env.FLYTE_LOCAL_CACHE_DIR;
    assert.match(cacheDir(), /\.flyte[/\\]local-cache-ts$/);
  });
});
