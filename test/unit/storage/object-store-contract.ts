/**
 * The behaviour every object-store backend shares, run against a real server (emulator) for each backend.
 */
import * as assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { StorageError } from "../../../src/storage/errors.js";
import { downloadDir, uploadDir } from "../../../src/storage/index.js";
import type { Storage } from "../../../src/storage/types.js";

/** What the contract needs of a backend under test. */
export interface ContractTarget {
  /** The backend with default options. */
  readonly store: Storage;
  /** The backend with listings of 3 per page. */
  readonly paged: Storage;
  /** The backend writing objects above 64 KiB in 40 KiB parts. */
  readonly parts: Storage;
  /** A URI prefix inside an existing bucket/container, without a trailing slash. */
  readonly root: string;
}

/** Registers the shared tests; `target` is called once, in `before`. */
export function objectStoreContract(target: () => Promise<ContractTarget>): void {
  let t: ContractTarget;
  let dir: string;
  before(async () => {
    t = await target();
    dir = await mkdtemp(join(tmpdir(), "flyte-objstore-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("puts, gets, stats, streams and deletes", async () => {
    const uri = `${t.root}/metadata/run-1/n0/data/0/outputs.pb`;
    const data = new Uint8Array(2048).map((_, i) => (i * 7) % 256);
    await t.store.put(uri, data, { contentType: "application/octet-stream" });
    assert.deepEqual(await t.store.get(uri), data);
    const info = await t.store.stat(uri);
    assert.equal(info?.size, 2048);
    assert.equal(info?.uri, uri);
    assert.ok(info?.lastModified instanceof Date);
    assert.equal(await t.store.exists(uri), true);
    const chunks: Uint8Array[] = [];
    for await (const c of await t.store.getStream(uri)) chunks.push(c);
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), data);
    await t.store.delete(uri);
    await t.store.delete(uri); // idempotent
    assert.equal(await t.store.exists(uri), false);
    assert.equal(await t.store.stat(uri), undefined);
    await assert.rejects(t.store.get(uri), (e: unknown) => {
      assert.ok(e instanceof StorageError, String(e));
      assert.equal(e.kind, "not_found");
      assert.equal(e.recoverable, false);
      assert.ok(e.message.includes(uri), e.message);
      return true;
    });
    await assert.rejects(t.store.getStream(uri), (e: unknown) => e instanceof StorageError && e.kind === "not_found");
    await assert.rejects(
      t.store.download(uri, join(dir, "missing")),
      (e: unknown) => e instanceof StorageError && e.kind === "not_found",
    );
  });

  it("handles names that need encoding", async () => {
    const uri = `${t.root}/odd names/a+b=c&d/ü ñ (1)#?.txt`;
    await t.store.put(uri, new TextEncoder().encode("odd"));
    assert.equal(new TextDecoder().decode(await t.store.get(uri)), "odd");
    const listed: string[] = [];
    for await (const u of t.store.list(`${t.root}/odd names`)) listed.push(u);
    assert.deepEqual(listed, [uri]);
  });

  it("lists page by page with directory semantics", async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `${t.root}/listing/p/k${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((k) => t.store.put(k, new Uint8Array([1]))));
    await t.store.put(`${t.root}/listing/p2/other`, new Uint8Array([1]));
    await t.store.put(`${t.root}/listing/p/sub/deep`, new Uint8Array([1]));
    const got: string[] = [];
    for await (const u of t.paged.list(`${t.root}/listing/p`)) got.push(u);
    assert.deepEqual(got, [...keys, `${t.root}/listing/p/sub/deep`]);
    const slash: string[] = [];
    for await (const u of t.paged.list(`${t.root}/listing/p/`)) slash.push(u);
    assert.deepEqual(slash, got);
    const none: string[] = [];
    for await (const u of t.paged.list(`${t.root}/listing/missing/`)) none.push(u);
    assert.deepEqual(none, []);
  });

  it("uploads large objects in parts, from memory and from a file", async () => {
    const data = new Uint8Array(150 * 1024).map((_, i) => (i * 31) % 256);
    await t.parts.put(`${t.root}/big/from-memory.bin`, data);
    assert.deepEqual(await t.store.get(`${t.root}/big/from-memory.bin`), data);
    const file = join(dir, "big.bin");
    await writeFile(file, data);
    await t.parts.upload(file, `${t.root}/big/from-file.bin`);
    await t.store.download(`${t.root}/big/from-file.bin`, join(dir, "big-back.bin"));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "big-back.bin"))), data);
    assert.equal((await t.store.stat(`${t.root}/big/from-file.bin`))?.size, data.byteLength);
  });

  it("transfers a directory of 30 files both ways", async () => {
    const src = join(dir, "tree");
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      const rel = `${i % 3 === 0 ? "" : `sub${i % 3}/`}${i % 2 ? "nested/" : ""}file-${i}.txt`;
      await mkdir(join(src, rel, ".."), { recursive: true });
      await writeFile(join(src, rel), `content ${i}\n`.repeat(i + 1));
      expected.push(rel);
    }
    expected.sort();
    assert.deepEqual(await uploadDir(src, `${t.root}/raw/abc/`, { concurrency: 8 }), expected);
    const back = join(dir, "back");
    assert.deepEqual(await downloadDir(`${t.root}/raw/abc`, back, { concurrency: 8 }), expected);
    for (const rel of expected) {
      assert.equal(await readFile(join(back, rel), "utf8"), await readFile(join(src, rel), "utf8"), rel);
    }
  });

  it("rejects URIs that name no object, naming the URI", async () => {
    for (const bad of [`${t.root}/dir/`, `${t.root}/a/../b`]) {
      await assert.rejects(t.store.get(bad), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.kind, "invalid");
        assert.ok(e.message.includes(bad), e.message);
        return true;
      });
    }
  });
}
