/**
 * Large-object transfer per backend, in its own process: a SIZE MiB file uploaded (in parts) to each emulator on
 * loopback and downloaded back, beside a local copy of the same file. Prints one JSON line:
 * `{ sizeMB, copyMs, results: [{ store, uploadMs, downloadMs, peakMB }] }`. Peak RSS is the process's maximum after
 * each store's round trip, so it shows that memory stays at a few parts, not the object's size (fake-gcs-server and
 * Azurite run as processes of their own; s3rver runs in this one, so it goes last).
 *
 *   node --conditions=source --import tsx test/bench/object-stores.ts 128
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import S3rver from "s3rver";
import { AzureBlobStorage } from "../../src/storage/azure.js";
import { GcsStorage } from "../../src/storage/gcs.js";
import { S3Storage } from "../../src/storage/s3.js";
import type { Storage } from "../../src/storage/types.js";
import { fakeGcsMissing, startAzurite, startFakeGcs } from "../helpers/object-stores.js";
import { S3RVER_CREDENTIALS, shimDesForS3rver } from "../helpers/s3rver.js";

const sizeMB = Number(process.argv[2] ?? 128);
const dir = await mkdtemp(join(tmpdir(), "bench-objstores-"));
const src = join(dir, "big.bin");
{
  // Random content in 8 MiB writes, so neither side can compress it.
  const fh = await open(src, "w");
  for (let left = sizeMB; left > 0; left -= 8) await fh.write(randomBytes(Math.min(8, left) * 1024 * 1024));
  await fh.close();
}
const digest = async (path: string) => {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
};
const expected = await digest(src);

let t0 = performance.now();
await copyFile(src, join(dir, "copy.bin"));
const copyMs = performance.now() - t0;
await rm(join(dir, "copy.bin"));

const results: { store: string; uploadMs: number; downloadMs: number; peakMB: number }[] = [];
async function roundTrip(store: string, backend: Storage, uri: string): Promise<void> {
  t0 = performance.now();
  await backend.upload(src, uri);
  const uploadMs = performance.now() - t0;
  const back = join(dir, `${store}.bin`);
  t0 = performance.now();
  await backend.download(uri, back);
  const downloadMs = performance.now() - t0;
  if ((await digest(back)) !== expected) throw new Error(`${store}: the downloaded object differs`);
  await rm(back);
  await backend.delete(uri);
  results.push({ store, uploadMs, downloadMs, peakMB: process.resourceUsage().maxRSS / 1024 });
}

try {
  if (fakeGcsMissing() === undefined) {
    const gcs = await startFakeGcs(["bench"]);
    try {
      await roundTrip(
        "gs (fake-gcs-server)",
        new GcsStorage({ endpoint: gcs.endpoint, credentials: null }),
        "gs://bench/big.bin",
      );
    } finally {
      await gcs.stop();
    }
  }
  {
    const azurite = await startAzurite(["bench"]);
    try {
      const store = new AzureBlobStorage({ connectionString: azurite.connectionString() });
      await roundTrip("abfs (Azurite)", store, "abfs://bench/big.bin");
    } finally {
      await azurite.stop();
    }
  }
  // Last: s3rver runs inside this process, so its memory counts in the peak from here on.
  {
    const unshim = shimDesForS3rver();
    const server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "bench" }],
    });
    const { port } = await server.run();
    try {
      const s3 = new S3Storage({ endpoint: `http://127.0.0.1:${port}`, credentials: S3RVER_CREDENTIALS });
      await roundTrip("s3 (s3rver)", s3, "s3://bench/big.bin");
    } finally {
      await server.close();
      unshim();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ sizeMB, copyMs, results }));
