import * as assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StorageError } from "../../../src/storage/errors.js";
import { FileStorage, localPathOf } from "../../../src/storage/file.js";
import {
  downloadDir,
  MemoryStorage,
  registerStorage,
  resetStorageRegistry,
  storageFor,
  uploadDir,
} from "../../../src/storage/index.js";
import { isTempName, writeFileAtomic } from "../../../src/storage/local.js";

let dir: string;
const fs = new FileStorage();
const enc = new TextEncoder();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "flyte-storage-file-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isKind = (kind: string) => (e: unknown) => e instanceof StorageError && e.kind === kind;

describe("FileStorage", () => {
  it("maps file:// URIs and paths to local paths", () => {
    assert.equal(localPathOf("file:///tmp/a%20b"), "/tmp/a%20b");
    assert.equal(localPathOf("file://localhost/tmp/x"), "/tmp/x");
    assert.equal(localPathOf("/tmp/x"), "/tmp/x");
    assert.throws(() => localPathOf("file://otherhost/x"), isKind("invalid"));
    assert.throws(() => localPathOf("s3://b/k"), isKind("invalid"));
  });

  it("puts and gets, creating parent directories, via URI and path", async () => {
    const uri = `file://${dir}/a/b/inputs.pb`;
    await fs.put(uri, enc.encode("hello"));
    assert.equal(new TextDecoder().decode(await fs.get(uri)), "hello");
    assert.equal(new TextDecoder().decode(await fs.get(join(dir, "a/b/inputs.pb"))), "hello");
    const info = await fs.stat(uri);
    assert.equal(info?.size, 5);
    assert.ok(info?.lastModified instanceof Date);
  });

  it("writes atomically: the target keeps old content until the rename, no temp file is left", async () => {
    const target = join(dir, "atomic", "outputs.pb");
    await fs.put(target, enc.encode("old"));
    let observed: string | undefined;
    let listed: string[] = [];
    async function* slowly() {
      yield enc.encode("new-");
      // Mid-write: a reader sees the complete old file and listings hide the partial one.
      observed = await readFile(target, "utf8");
      for await (const u of fs.list(join(dir, "atomic"))) listed.push(u);
      yield enc.encode("content");
    }
    await writeFileAtomic(target, slowly());
    assert.equal(observed, "old");
    assert.deepEqual(listed, [target]);
    assert.equal(await readFile(target, "utf8"), "new-content");
    const names = await readdir(join(dir, "atomic"));
    assert.deepEqual(names, ["outputs.pb"]);
    listed = [];
  });

  it("removes the temp file when a write fails", async () => {
    const target = join(dir, "failing", "x.bin");
    async function* broken() {
      yield enc.encode("partial");
      throw new Error("source broke");
    }
    await assert.rejects(writeFileAtomic(target, broken()), /source broke/);
    assert.deepEqual(await readdir(join(dir, "failing")), []);
  });

  it("reports a missing file as not_found with the operation and URI", async () => {
    const uri = `file://${dir}/nope.pb`;
    await assert.rejects(fs.get(uri), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "not_found");
      assert.equal(e.recoverable, false);
      assert.equal(e.operation, "get");
      assert.ok(e.message.includes(uri));
      return true;
    });
    await assert.rejects(fs.getStream(uri), isKind("not_found"));
    await assert.rejects(fs.download(uri, join(dir, "dl")), isKind("not_found"));
    await assert.rejects(fs.upload(join(dir, "nope-src"), `${dir}/x`), isKind("not_found"));
    assert.equal(await fs.stat(uri), undefined);
    assert.equal(await fs.exists(uri), false);
  });

  it("exists is true for files only", async () => {
    await fs.put(join(dir, "ex", "f"), enc.encode("1"));
    assert.equal(await fs.exists(join(dir, "ex", "f")), true);
    assert.equal(await fs.exists(join(dir, "ex")), false);
    assert.equal(await fs.exists(join(dir, "ex", "f", "below-a-file")), false);
  });

  it("lists recursively in the style of the prefix, with directory semantics", async () => {
    const root = join(dir, "tree");
    for (const p of ["b.txt", "a/1.txt", "a/deep/2.txt", "c/3.txt"]) await fs.put(join(root, p), enc.encode(p));
    await fs.put(join(dir, "tree2", "not-me"), enc.encode("x"));
    await mkdir(join(root, "emptydir"));
    await symlink(join(root, "b.txt"), join(root, "link.txt"));
    await symlink(join(root, "a"), join(root, "dirlink"));

    const got: string[] = [];
    for await (const u of fs.list(root)) got.push(u);
    assert.deepEqual(got.sort(), [
      `${root}/a/1.txt`,
      `${root}/a/deep/2.txt`,
      `${root}/b.txt`,
      `${root}/c/3.txt`,
      `${root}/link.txt`,
    ]);
    const viaUri: string[] = [];
    for await (const u of fs.list(`file://${root}/`)) viaUri.push(u);
    assert.ok(viaUri.includes(`file://${root}/a/deep/2.txt`));
    assert.equal(viaUri.length, 5);
    const none: string[] = [];
    for await (const u of fs.list(join(dir, "missing-dir"))) none.push(u);
    assert.deepEqual(none, []);
  });

  it("streams, downloads, uploads and deletes", async () => {
    const src = join(dir, "s", "big.bin");
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await fs.put(src, data);
    const chunks: Uint8Array[] = [];
    for await (const c of await fs.getStream(src)) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(data));

    await fs.download(`file://${src}`, join(dir, "d", "copy.bin"));
    assert.deepEqual(await readFile(join(dir, "d", "copy.bin")), Buffer.from(data));
    await fs.upload(join(dir, "d", "copy.bin"), join(dir, "u", "up.bin"));
    assert.deepEqual(await readFile(join(dir, "u", "up.bin")), Buffer.from(data));

    await fs.delete(src);
    await fs.delete(src); // idempotent
    assert.equal(await fs.exists(src), false);
    await assert.rejects(fs.delete(join(dir, "u")), isKind("invalid"));
  });

  it("honours abort signals", async () => {
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await assert.rejects(fs.put(join(dir, "ab", "x"), enc.encode("x"), { signal: ac.signal }), /stop/);
    assert.deepEqual((await readdir(join(dir, "ab"))).filter(isTempName), []);
  });
});

describe("storageFor registry", () => {
  after(() => resetStorageRegistry());

  it("dispatches by scheme and reuses backends", async () => {
    const a = await storageFor("/tmp/x");
    const b = await storageFor("file:///tmp/y");
    assert.equal(a.scheme, "file");
    assert.equal(a, b);
    assert.equal((await storageFor("s3://bucket/key")).scheme, "s3");
    assert.equal((await storageFor("memory://x/y")).scheme, "memory");
    assert.equal((await storageFor("gs://bucket/key")).scheme, "gs");
    for (const scheme of ["abfs", "abfss", "wasb", "wasbs"]) {
      assert.equal((await storageFor(`${scheme}://container@acct.dfs.core.windows.net/k`)).scheme, scheme);
    }
  });

  it("explains unsupported schemes", async () => {
    for (const scheme of ["ftp", "hdfs", "oci"]) {
      await assert.rejects(storageFor(`${scheme}://container/k`), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.kind, "unsupported");
        assert.ok(
          e.message.includes(
            `no storage backend for scheme ${scheme}:// is installed; register one with registerStorage`,
          ),
          e.message,
        );
        return true;
      });
    }
  });

  it("accepts registered backends and does not cache failed construction", async () => {
    const mem = new MemoryStorage("gs");
    registerStorage("gs", () => mem);
    assert.equal(await storageFor("gs://b/k"), mem);
    let calls = 0;
    registerStorage("flaky", () => {
      calls++;
      if (calls === 1) throw new Error("not yet");
      return new MemoryStorage("flaky");
    });
    await assert.rejects(storageFor("flaky://x"), /not yet/);
    assert.equal((await storageFor("flaky://x")).scheme, "flaky");
    assert.throws(() => registerStorage("x", () => mem), RangeError);
  });
});

describe("MemoryStorage", () => {
  it("implements the interface", async () => {
    const m = new MemoryStorage();
    await m.put("memory://b/d/1", enc.encode("one"));
    await m.put("memory://b/d/sub/2", enc.encode("two"));
    await m.put("memory://b/d2/3", enc.encode("three"));
    const got: string[] = [];
    for await (const u of m.list("memory://b/d")) got.push(u);
    assert.deepEqual(got, ["memory://b/d/1", "memory://b/d/sub/2"]);
    assert.equal((await m.stat("memory://b/d/1"))?.size, 3);
    await assert.rejects(m.get("memory://b/none"), isKind("not_found"));
    await m.delete("memory://b/d/1");
    assert.equal(await m.exists("memory://b/d/1"), false);
  });
});

describe("directory transfers (file backend)", () => {
  it("round-trips a tree with relative paths and bounded concurrency", async () => {
    const src = join(dir, "tx-src");
    for (let i = 0; i < 30; i++) {
      await mkdir(join(src, `d${i % 3}`), { recursive: true });
      await writeFile(join(src, `d${i % 3}`, `f${i}.txt`), `file ${i}`);
    }
    const dest = `file://${dir}/tx-remote`;
    const up = await uploadDir(src, dest, { concurrency: 4 });
    assert.equal(up.length, 30);
    assert.ok(up.includes("d2/f29.txt"));
    const back = join(dir, "tx-back");
    const down = await downloadDir(dest, back, { concurrency: 3 });
    assert.deepEqual(down, up);
    assert.equal(await readFile(join(back, "d1", "f7.txt"), "utf8"), "file 7");
    await assert.rejects(uploadDir(join(dir, "no-such-dir"), dest), isKind("not_found"));
  });

  it("refuses keys that would escape the target directory", async () => {
    const m = new MemoryStorage("evil");
    registerStorage("evil", () => m);
    try {
      await m.put("evil://b/p/ok.txt", enc.encode("ok"));
      await m.put("evil://b/p/../../escape.txt", enc.encode("bad"));
      await assert.rejects(downloadDir("evil://b/p", join(dir, "evil"), { concurrency: 1 }), isKind("invalid"));
      await assert.rejects(readFile(join(dir, "escape.txt")), { code: "ENOENT" });
    } finally {
      resetStorageRegistry();
    }
  });
});
