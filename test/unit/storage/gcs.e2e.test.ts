import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StorageError } from "../../../src/storage/errors.js";
import { GcsStorage, gcsOptionsFromEnv, parseGcsUri } from "../../../src/storage/gcs.js";
import { registerStorage, resetStorageRegistry, storageFor } from "../../../src/storage/index.js";
import {
  type Emulator,
  type FaultProxy,
  fakeGcsMissing,
  startFakeGcs,
  startFaultProxy,
} from "../../helpers/object-stores.js";
import { objectStoreContract } from "./object-store-contract.js";

const skip = fakeGcsMissing();
const fast = { maxAttempts: 4, baseDelayMs: 5, throttleBaseDelayMs: 5 };

describe("GcsStorage against fake-gcs-server", { skip }, () => {
  let gcs: Emulator;
  before(async () => {
    gcs = await startFakeGcs(["flyte"]);
  });
  after(async () => {
    resetStorageRegistry();
    await gcs?.stop();
  });

  objectStoreContract(async () => {
    const opts = { endpoint: gcs.endpoint, credentials: null, retry: fast } as const;
    const store = new GcsStorage(opts);
    registerStorage("gs", () => store);
    return {
      store,
      paged: new GcsStorage({ ...opts, listPageSize: 3 }),
      parts: new GcsStorage({ ...opts, resumableThresholdBytes: 64 * 1024, chunkSizeBytes: 40 * 1024 }),
      root: "gs://flyte/contract",
    };
  });

  it("is reached through storageFor with STORAGE_EMULATOR_HOST (host:port form)", async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = gcs.endpoint.replace("http://", "");
    try {
      resetStorageRegistry();
      const store = await storageFor("gs://flyte/env/x");
      assert.ok(store instanceof GcsStorage);
      await store.put("gs://flyte/env/x", new TextEncoder().encode("via env"));
      assert.equal(new TextDecoder().decode(await store.get("gs://flyte/env/x")), "via env");
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
      resetStorageRegistry();
    }
  });

  it("names a missing bucket in its error", async () => {
    const store = new GcsStorage({ endpoint: gcs.endpoint, credentials: null, retry: fast });
    await assert.rejects(store.get("gs://no-such-bucket/k"), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "not_found");
      assert.ok(e.message.startsWith("get gs://no-such-bucket/k: HTTP 404"), e.message);
      return true;
    });
  });
});

describe("GcsStorage through a fault-injecting proxy", { skip }, () => {
  let gcs: Emulator;
  let proxy: FaultProxy;
  let dir: string;
  let store: GcsStorage;
  before(async () => {
    gcs = await startFakeGcs(["flyte"]);
    proxy = await startFaultProxy(gcs.endpoint);
    dir = await mkdtemp(join(tmpdir(), "flyte-gcs-faults-"));
    store = new GcsStorage({
      endpoint: proxy.base,
      credentials: null,
      retry: fast,
      resumableThresholdBytes: 64 * 1024,
      chunkSizeBytes: 256 * 1024,
    });
  });
  after(async () => {
    await proxy?.close();
    await gcs?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("honours Retry-After on 503 and 429, and succeeds", async () => {
    await store.put("gs://flyte/faults/a", new TextEncoder().encode("a"));
    proxy.setRule((_r, i) =>
      i === 0 ? { status: 503, retryAfter: "1" } : i === 1 ? { status: 429, retryAfter: "0" } : "pass",
    );
    proxy.seen.length = 0;
    assert.equal(new TextDecoder().decode(await store.get("gs://flyte/faults/a")), "a");
    assert.equal(proxy.seen.length, 3);
    const waited = proxy.seen[1]!.at - proxy.seen[0]!.at;
    assert.ok(waited >= 950, `waited ${waited} ms after Retry-After: 1`);
  });

  it("reports exhausted throttling as recoverable, never as a user error", async () => {
    proxy.setRule(() => ({
      status: 429,
      body: JSON.stringify({ error: { code: 429, message: "slow down", errors: [{ reason: "rateLimitExceeded" }] } }),
    }));
    await assert.rejects(store.get("gs://flyte/faults/a"), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "throttled");
      assert.equal(e.recoverable, true);
      assert.equal(e.attempts, 4);
      assert.equal(e.code, "rateLimitExceeded");
      assert.ok(e.message.includes("gs://flyte/faults/a") && e.message.includes("gave up after 4 attempts"), e.message);
      return true;
    });
  });

  it("does not retry a denied request", async () => {
    proxy.setRule(() => ({
      status: 403,
      body: JSON.stringify({ error: { code: 403, message: "no access", errors: [{ reason: "forbidden" }] } }),
    }));
    proxy.seen.length = 0;
    await assert.rejects(store.put("gs://flyte/faults/denied", new Uint8Array([1])), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "access_denied");
      assert.equal(e.recoverable, false);
      assert.ok(e.message.includes("no access"), e.message);
      return true;
    });
    assert.equal(proxy.seen.length, 1);
  });

  it("retries connection resets and bodies cut short", async () => {
    const data = new Uint8Array(50_000).map((_, i) => i % 251);
    proxy.setRule((_r, i) => (i === 0 ? "reset" : "pass"));
    await store.put("gs://flyte/faults/reset", data);
    proxy.setRule((_r, i) => (i === 0 ? { cutResponseAfter: 10_000 } : "pass"));
    await store.download("gs://flyte/faults/reset", join(dir, "cut.bin"));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "cut.bin"))), data);
  });

  it("resumes a resumable upload after a chunk is lost, and the object appears only when complete", async () => {
    const data = new Uint8Array(1024 * 1024 + 1234).map((_, i) => (i * 13) % 256);
    const file = join(dir, "resumable.bin");
    await writeFile(file, data);
    const uri = "gs://flyte/faults/resumable.bin";
    let chunkPuts = 0;
    let visibleMidway: boolean | undefined;
    proxy.setRule((r) => {
      if (r.method === "PUT" && !String(r.headers["content-range"]).includes("*")) {
        chunkPuts++;
        if (chunkPuts === 2) return "reset"; // the second chunk is lost mid-upload
      }
      return "pass";
    });
    proxy.seen.length = 0;
    const probe = new GcsStorage({ endpoint: gcs.endpoint, credentials: null });
    const uploading = store.upload(file, uri);
    // While chunks are in flight the object does not exist yet.
    for (let i = 0; i < 50 && visibleMidway === undefined; i++) {
      if (proxy.seen.some((s) => s.method === "PUT")) visibleMidway = await probe.exists(uri);
      else await new Promise((r) => setTimeout(r, 5));
    }
    await uploading;
    assert.equal(visibleMidway, false);
    assert.deepEqual(await probe.get(uri), data);
    const ranges = proxy.seen.filter((s) => s.method === "PUT").map((s) => String(s.headers["content-range"]));
    assert.ok(
      ranges.some((r) => r.startsWith("bytes */")),
      `a status query after the lost chunk: ${ranges.join(", ")}`,
    );
    assert.equal(ranges.filter((r) => !r.includes("*")).length, 6, ranges.join(", ")); // 5 chunks + 1 resent
  });

  it("leaves no object behind when a resumable upload fails for good", async () => {
    const uri = "gs://flyte/faults/never.bin";
    proxy.setRule((r) =>
      r.method === "PUT"
        ? { status: 400, body: JSON.stringify({ error: { code: 400, message: "bad chunk" } }) }
        : "pass",
    );
    await assert.rejects(
      store.put(uri, new Uint8Array(300 * 1024)),
      (e: unknown) => e instanceof StorageError && e.kind === "rejected",
    );
    proxy.setRule(() => "pass");
    assert.equal(await store.exists(uri), false);
  });
});

describe("GCS URIs and configuration", () => {
  it("parses gs:// URIs and rejects malformed ones naming the URI", () => {
    assert.deepEqual(parseGcsUri("gs://my-bucket/a/b.txt"), { bucket: "my-bucket", key: "a/b.txt" });
    for (const bad of ["gs://B/k", "gs:///k", "s3://b/k", "gs://bkt/a/../k"]) {
      assert.throws(
        () => parseGcsUri(bad),
        (e: unknown) => e instanceof StorageError && e.kind === "invalid" && e.message.includes(bad),
      );
    }
  });

  it("reads STORAGE_EMULATOR_HOST and FLYTE_GCP_USER_PROJECT", () => {
    assert.deepEqual(gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: "localhost:4443" }), {
      endpoint: "http://localhost:4443",
      credentials: null,
    });
    assert.deepEqual(gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: "https://gcs.local" }).endpoint, "https://gcs.local");
    assert.deepEqual(gcsOptionsFromEnv({ FLYTE_GCP_USER_PROJECT: "p1" }), { userProject: "p1" });
    assert.deepEqual(gcsOptionsFromEnv({}), {});
    assert.throws(
      () => new GcsStorage({ endpoint: "gcs.local:4443" }),
      (e: unknown) => e instanceof StorageError && e.message.includes("gcs.local:4443"),
    );
    assert.throws(
      () => new GcsStorage({ chunkSizeBytes: 0 }),
      /GCS option chunkSizeBytes must be a positive integer, got 0/,
    );
  });

  it("names the URI when Application Default Credentials cannot be found", async () => {
    const saved = { ...process.env };
    const home = await mkdtemp(join(tmpdir(), "flyte-gcs-adc-"));
    try {
      process.env.GOOGLE_APPLICATION_CREDENTIALS = join(home, "missing.json");
      process.env.HOME = home;
      const store = new GcsStorage({ endpoint: "http://127.0.0.1:9", retry: { maxAttempts: 1 } });
      await assert.rejects(store.get("gs://bkt/k"), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.kind, "access_denied");
        assert.ok(e.message.startsWith("get gs://bkt/k: cannot obtain Google credentials"), e.message);
        return true;
      });
    } finally {
      process.env = saved;
      await rm(home, { recursive: true, force: true });
    }
  });
});
