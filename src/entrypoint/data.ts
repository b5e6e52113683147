/**
 * The container's `DataContext`: raw data goes to `<raw-output-data-prefix>/<random>/<name>`. `putBlob` returns the
 * URI at once and queues the upload; `flush()` performs the queued uploads, which the entrypoint awaits before it
 * writes `outputs.pb`, so `outputs.pb` never points at data that is not there yet.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { isRemoteUri, safeFileName } from "../types/blob.js";
import type { DataContext } from "../types/type.js";
import { forEachBounded } from "../storage/pool.js";
import { storageFor } from "../storage/registry.js";
import { DEFAULT_TRANSFER_CONCURRENCY, uploadDir } from "../storage/transfer.js";
import { joinUri } from "../storage/types.js";

type Pending = { readonly uri: string; readonly data: { bytes: Uint8Array } | { localPath: string } };

/** A `DataContext` that uploads to a raw output prefix, plus the control the entrypoint needs over it. */
export interface ContainerData extends DataContext {
  /** Performs the queued uploads (bounded concurrency); the first failure rejects. */
  flush(signal?: AbortSignal): Promise<void>;
}

/**
 * A container data context.
 *
 * @param rawOutputPrefix - where raw data is uploaded.
 * @param scratch - a local directory for downloads.
 * @param prefetched - blobs already fetched for reading (by URI).
 */
export function containerData(
  rawOutputPrefix: string,
  scratch: string,
  prefetched: ReadonlyMap<string, Uint8Array> = new Map(),
): ContainerData {
  const queue: Pending[] = [];
  return {
    uploadsLocalPaths: true,
    putBlob(data, name) {
      const uri = joinUri(rawOutputPrefix, randomBytes(16).toString("hex"), safeFileName(name));
      queue.push({ uri, data });
      return uri;
    },
    getBlob(uri) {
      const hit = prefetched.get(uri);
      if (hit) return hit;
      if (isRemoteUri(uri)) throw new Error(`${uri} was not prefetched before conversion`);
      return new Uint8Array(readFileSync(uri.startsWith("file://") ? uri.slice(7) : uri));
    },
    async download(uri, isDirectory) {
      const { downloadToLocal } = await import("../core/remote-data.js");
      return downloadToLocal(uri, isDirectory, join(scratch, "downloads"));
    },
    async flush(signal) {
      const items = queue.splice(0);
      const opts = signal ? { signal } : {};
      await forEachBounded(items, DEFAULT_TRANSFER_CONCURRENCY, async ({ uri, data }) => {
        const store = await storageFor(uri);
        if ("bytes" in data) return store.put(uri, data.bytes, opts);
        // A local path may be a directory (a `t.dir()` output): upload its files under the URI.
        if ((await stat(data.localPath).catch(() => undefined))?.isDirectory()) {
          await uploadDir(data.localPath, uri, opts);
        } else {
          await store.upload(data.localPath, uri, opts);
        }
      });
    },
  };
}

/** Fetches the blobs `uris` names (remote ones only), with bounded concurrency. */
export async function prefetchBlobs(uris: readonly string[], signal?: AbortSignal): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const remote = [...new Set(uris)].filter(isRemoteUri);
  await forEachBounded(remote, DEFAULT_TRANSFER_CONCURRENCY, async (uri) => {
    out.set(uri, await (await storageFor(uri)).get(uri, signal ? { signal } : {}));
  });
  return out;
}
