import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { conversionDataAt, flushData, localDataAt, prefetchRemoteBlobs } from "../../../src/core/local-data.js";
import { storageFor } from "../../../src/storage/registry.js";
import { map, t, task, workflow } from "../../../src/index.js";
import { defaultContext, runInContext } from "../../../src/core/context.js";

const scratch = mkdtempSync(join(tmpdir(), "local-data-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("local data contexts", () => {
  test("a remote prefix queues uploads until flushed; names stay safe", async () => {
    const data = localDataAt("memory://raw/run-1/");
    assert.equal(data.uploadsLocalPaths, true);
    const uri = data.putBlob({ bytes: new TextEncoder().encode("hello") }, "../../etc/passwd");
    assert.match(uri, /^memory:\/\/raw\/run-1\/[0-9a-f]{32}\/[^/]+$/);
    assert.ok(!uri.includes(".."), uri);
    const store = await storageFor(uri);
    assert.equal(await store.exists(uri), false, "nothing is visible before the flush");
    const file = join(scratch, "f.txt");
    writeFileSync(file, "from a file");
    const fileUri = data.putBlob({ localPath: file }, "f.txt");
    await flushData(data);
    assert.equal(new TextDecoder().decode(await store.get(uri)), "hello");
    assert.equal(new TextDecoder().decode(await store.get(fileUri)), "from a file");
    await flushData(data); // nothing queued: a no-op
    assert.equal(new TextDecoder().decode(data.getBlob(uri)), "hello", "what it wrote reads back at once");
    const other = localDataAt("memory://raw");
    assert.throws(() => other.getBlob(uri), /was not prefetched/);
    const prefetched = await prefetchRemoteBlobs([uri, uri, file]);
    assert.deepEqual([...prefetched.keys()], [uri]);
    assert.equal(new TextDecoder().decode(localDataAt("memory://raw", prefetched).getBlob(uri)), "hello");
  });

  test("a failed upload fails the flush, naming the URI", async () => {
    const data = localDataAt("memory://raw/run-2");
    data.putBlob({ localPath: join(scratch, "missing.bin") }, "missing.bin");
    await assert.rejects(flushData(data), /missing\.bin/);
  });

  test("conversions outside a task stay local; a local prefix writes plain files", () => {
    const local = conversionDataAt("gs://bucket/raw", scratch);
    const path = local.putBlob({ bytes: new Uint8Array([1, 2]) }, "x.bin");
    assert.ok(path.startsWith(join(scratch, "raw")), path);
    assert.deepEqual([...readFileSync(path)], [1, 2]);
    assert.equal(conversionDataAt(join(scratch, "d"), "/unused").uploadsLocalPaths, false);
  });

  test("a task run with a remote prefix hands on its outputs only once its raw data is stored", async () => {
    const makeAny = task({ name: "local-data.makeAny", inputs: { n: t.int }, outputs: t.any() }, ({ n }) => ({
      big: "x".repeat(n),
    }));
    const useAny = task(
      { name: "local-data.useAny", inputs: { v: t.any() }, outputs: t.int },
      ({ v }) => (v as { big: string }).big.length,
    );
    const base = defaultContext();
    const state = { ...base, params: { ...base.params, rawOutputPrefix: "memory://raw/run-3" } };
    const n = await runInContext(state, async () => useAny({ v: await makeAny({ n: 3000 }) }));
    assert.equal(n, 3000);
    const listed: string[] = [];
    for await (const u of (await storageFor("memory://raw/run-3")).list("memory://raw/run-3")) listed.push(u);
    assert.ok(listed.length >= 1, "the untyped value went to the remote prefix");
  });

  test("map elements read untyped values from a remote prefix and write theirs there", async () => {
    const makeAnys = task({ name: "local-data.makeAnys", inputs: { n: t.int }, outputs: t.list(t.any()) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => ({ i, pad: "y".repeat(100 * i) })),
    );
    const double = task({ name: "local-data.double", inputs: { v: t.any() }, outputs: t.any() }, ({ v }) => ({
      twice: (v as { i: number }).i * 2,
    }));
    const wf = workflow({ name: "local-data.mapWf", inputs: { n: t.int }, outputs: t.list(t.any()) }, ({ n }) =>
      map(double)({ v: makeAnys({ n }) }),
    );
    const base = defaultContext();
    const state = { ...base, params: { ...base.params, rawOutputPrefix: "memory://raw/run-4" } };
    const out = await runInContext(state, () => wf({ n: 4 }));
    assert.deepEqual(out, [{ twice: 0 }, { twice: 2 }, { twice: 4 }, { twice: 6 }]);
    const listed: string[] = [];
    for await (const u of (await storageFor("memory://raw/run-4")).list("memory://raw/run-4")) listed.push(u);
    assert.equal(listed.length, 8, "4 values made upstream, 4 by the map elements");
  });
});
