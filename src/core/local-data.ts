/**
 * The data context of local runs: raw data (untyped values, dataframes) is written under the run's raw output prefix,
 * local paths stay local, and remote blobs are downloaded on demand.
 *
 * The prefix is a local directory by default. A remote prefix (`tsflyte run --raw-output-data-prefix gs://...`) makes
 * task executions upload their raw outputs there, as a container does: `putBlob` returns the URI at once and queues
 * the upload, and the task's outputs are handed on only after {@link flushData}. Conversions outside a task
 * execution (workflow inputs and constants) keep writing under the local run directory.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { isRemoteUri, safeFileName } from "../types/blob.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { AnyType, DataContext } from "../types/type.js";
import { currentState } from "./context.js";

/** A data context whose writes may still be in flight; {@link flushData} completes them. */
export interface FlushableData extends DataContext {
  /** Completes every queued upload (including those queued by concurrent users of this context). */
  flush(signal?: AbortSignal): Promise<void>;
}

/** Completes the queued writes of `data`, when it has any. */
export async function flushData(data: DataContext, signal?: AbortSignal): Promise<void> {
  if ("flush" in data && typeof data.flush === "function") await (data as FlushableData).flush(signal);
}

/**
 * A data context writing under `rawOutputPrefix`: a local directory, or a remote prefix whose uploads complete on
 * {@link flushData}.
 */
export function localDataAt(rawOutputPrefix: string, prefetched?: ReadonlyMap<string, Uint8Array>): DataContext {
  if (isRemoteUri(rawOutputPrefix)) return remoteData(rawOutputPrefix, prefetched);
  return {
    uploadsLocalPaths: false,
    putBlob(data, name) {
      const dir = join(rawOutputPrefix, randomBytes(16).toString("hex"));
      mkdirSync(dir, { recursive: true });
      const path = join(dir, safeFileName(name));
      if ("bytes" in data) writeFileSync(path, data.bytes);
      else copyFileSync(data.localPath, path);
      return path;
    },
    getBlob: (uri) => readBlob(uri, prefetched),
    async download(uri, isDirectory) {
      const { downloadToLocal } = await import("./remote-data.js");
      return downloadToLocal(uri, isDirectory, join(rawOutputPrefix, "downloads"));
    },
  };
}

/**
 * The data context for conversions outside a task execution: under the raw output prefix when it is local, else
 * under the local run directory (`<localRoot>/raw`).
 */
export function conversionDataAt(rawOutputPrefix: string, localRoot: string): DataContext {
  return localDataAt(isRemoteUri(rawOutputPrefix) ? join(localRoot, "raw") : rawOutputPrefix);
}

/** The data context of the current local execution, for conversions (see {@link conversionDataAt}). */
export function localData(): DataContext {
  const state = currentState();
  return conversionDataAt(state.params.rawOutputPrefix, state.localRoot);
}

/** Blob URIs of remote inputs that a conversion may read in memory: fetched before the conversion starts. */
export async function prefetchRemoteBlobs(
  uris: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Uint8Array>> {
  const remote = [...new Set(uris)].filter(isRemoteUri);
  const out = new Map<string, Uint8Array>();
  if (remote.length === 0) return out;
  const { forEachBounded } = await import("../storage/pool.js");
  const { storageFor } = await import("../storage/registry.js");
  await forEachBounded(remote, 16, async (uri) => {
    out.set(uri, await (await storageFor(uri)).get(uri, signal ? { signal } : {}));
  });
  return out;
}

/**
 * `data`, able to read in memory the remote blobs that `literals` point at (fetched now): untyped values a task wrote
 * to a remote raw output prefix, read back by the caller's conversion. Returns `data` itself when there are none.
 */
export async function withRemoteBlobs(
  data: DataContext,
  literals: Readonly<Record<string, Literal>>,
  types: Readonly<Record<string, AnyType | undefined>>,
  signal?: AbortSignal,
): Promise<DataContext> {
  const uris: string[] = [];
  for (const [k, lit] of Object.entries(literals)) types[k]?.collectBlobUris(lit, uris);
  if (!uris.some(isRemoteUri)) return data;
  const prefetched = await prefetchRemoteBlobs(uris, signal);
  return { ...data, getBlob: (uri) => prefetched.get(uri) ?? data.getBlob(uri) };
}

function readBlob(uri: string, prefetched: ReadonlyMap<string, Uint8Array> | undefined): Uint8Array {
  const hit = prefetched?.get(uri);
  if (hit) return hit;
  if (isRemoteUri(uri)) throw new Error(`${uri} was not prefetched before conversion`);
  return new Uint8Array(readFileSync(uri.startsWith("file://") ? uri.slice(7) : uri));
}

type Pending = { readonly uri: string; readonly data: { bytes: Uint8Array } | { localPath: string } };

function remoteData(prefix: string, prefetched: ReadonlyMap<string, Uint8Array> | undefined): FlushableData {
  const queue: Pending[] = [];
  const inflight = new Set<Promise<void>>();
  // What this context wrote, readable at once (an output is read back while the task's outputs are converted).
  const written = new Map<string, Uint8Array>();
  return {
    uploadsLocalPaths: true,
    putBlob(data, name) {
      const uri = `${prefix.replace(/\/+$/, "")}/${randomBytes(16).toString("hex")}/${safeFileName(name)}`;
      queue.push({ uri, data });
      if ("bytes" in data) written.set(uri, data.bytes);
      return uri;
    },
    getBlob: (uri) => written.get(uri) ?? readBlob(uri, prefetched),
    async download(uri, isDirectory) {
      const { downloadToLocal } = await import("./remote-data.js");
      return downloadToLocal(uri, isDirectory, join(currentState().localRoot, "downloads"));
    },
    async flush(signal) {
      const items = queue.splice(0);
      if (items.length > 0) {
        const run = upload(items, signal);
        inflight.add(run);
        run.then(
          () => inflight.delete(run),
          () => inflight.delete(run),
        );
      }
      await Promise.all(inflight);
    },
  };
}

async function upload(items: readonly Pending[], signal: AbortSignal | undefined): Promise<void> {
  const { forEachBounded } = await import("../storage/pool.js");
  const { storageFor } = await import("../storage/registry.js");
  const { uploadDir } = await import("../storage/transfer.js");
  const opts = signal ? { signal } : {};
  await forEachBounded(items, 16, async ({ uri, data }) => {
    const store = await storageFor(uri);
    if ("bytes" in data) return store.put(uri, data.bytes, opts);
    // A local path may be a directory (a `t.dir()` output or a dataframe's directory): upload its files under it.
    if ((await stat(data.localPath).catch(() => undefined))?.isDirectory()) await uploadDir(data.localPath, uri, opts);
    else await store.upload(data.localPath, uri, opts);
  });
}
