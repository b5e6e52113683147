/**
 * In-memory backend for `memory://` URIs, for tests and local runs that should not touch disk or network.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { fromFsError, StorageError } from "./errors.js";
import { writeFileAtomic } from "./local.js";
import type { ObjectInfo, OperationOptions, PutOptions, Storage } from "./types.js";
import { asDirectoryUri } from "./types.js";

/**
 * {@link Storage} keeping objects in a `Map` keyed by URI. Stored bytes are copied on the way in and out, so
 * callers cannot mutate stored objects. Any scheme can be served by passing it to the constructor.
 */
export class MemoryStorage implements Storage {
  /** The scheme served, `"memory"` by default. */
  readonly scheme: string;
  readonly #objects = new Map<string, { data: Uint8Array; lastModified: Date }>();

  /** Creates an empty store for `scheme`. */
  constructor(scheme = "memory") {
    this.scheme = scheme;
  }

  /** Returns a copy of the stored bytes. */
  async get(uri: string, _opts?: OperationOptions): Promise<Uint8Array> {
    return this.#require(uri, "get").data.slice();
  }

  /** Yields the stored bytes as one chunk. */
  async getStream(uri: string, _opts?: OperationOptions): Promise<AsyncIterable<Uint8Array>> {
    const data = this.#require(uri, "getStream").data.slice();
    return (async function* () {
      yield data;
    })();
  }

  /** Writes the stored bytes to a local file atomically. */
  async download(uri: string, localPath: string, opts?: OperationOptions): Promise<void> {
    const data = this.#require(uri, "download").data;
    try {
      await writeFileAtomic(localPath, data, opts?.signal);
    } catch (err) {
      throw fromFsError(err, "download", uri);
    }
  }

  /** Stores a copy of `data`. */
  async put(uri: string, data: Uint8Array, _opts?: PutOptions): Promise<void> {
    this.#objects.set(uri, { data: data.slice(), lastModified: new Date() });
  }

  /** Reads a local file and stores it. */
  async upload(localPath: string, uri: string, opts?: PutOptions): Promise<void> {
    let buf: Buffer;
    try {
      buf = await readFile(localPath);
    } catch (err) {
      throw fromFsError(err, "upload", localPath);
    }
    await this.put(uri, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), opts);
  }

  /** Size and write time of a stored object. */
  async stat(uri: string, _opts?: OperationOptions): Promise<ObjectInfo | undefined> {
    const o = this.#objects.get(uri);
    return o === undefined ? undefined : { uri, size: o.data.byteLength, lastModified: o.lastModified };
  }

  /** Whether an object is stored at `uri`. */
  async exists(uri: string, _opts?: OperationOptions): Promise<boolean> {
    return this.#objects.has(uri);
  }

  /** Yields the stored URIs under the directory, sorted. */
  async *list(prefixUri: string, _opts?: OperationOptions): AsyncIterable<string> {
    const dir = asDirectoryUri(prefixUri);
    const hits = [...this.#objects.keys()].filter((k) => k.startsWith(dir)).sort();
    yield* hits;
  }

  /** Removes the object if present. */
  async delete(uri: string, _opts?: OperationOptions): Promise<void> {
    this.#objects.delete(uri);
  }

  /** Removes every object. */
  clear(): void {
    this.#objects.clear();
  }

  #require(uri: string, operation: string): { data: Uint8Array } {
    const o = this.#objects.get(uri);
    if (o === undefined) throw new StorageError({ operation, uri, kind: "not_found", detail: "no such object" });
    return o;
  }
}
