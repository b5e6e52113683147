/**
 * Local filesystem backend for `file://` URIs and plain paths.
 *
 * `file:///tmp/x` and `/tmp/x` name the same file; `file://localhost/tmp/x` is accepted too. As with every
 * backend, URIs are not percent-decoded (`file:///tmp/a%20b` is the file named `a%20b`), matching how flytekit
 * treats `file://` paths.
 *
 * @module
 */

import type { ReadStream } from "node:fs";
import { open, readFile, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { fromFsError, StorageError } from "./errors.js";
import { walkFiles, writeFileAtomic } from "./local.js";
import type { ObjectInfo, OperationOptions, PutOptions, Storage } from "./types.js";
import { asDirectoryUri, joinUri, parseUri } from "./types.js";

/**
 * Resolves a `file://` URI or a plain path to an absolute filesystem path.
 *
 * @throws StorageError of kind `invalid` for other schemes or a `file://` URI with a remote host.
 */
export function localPathOf(uri: string): string {
  const p = parseUri(uri);
  if (p.scheme !== "file") {
    throw new StorageError({ operation: "localPath", uri, kind: "invalid", detail: "not a file:// URI or local path" });
  }
  if (p.isLocalPath) return resolve(p.path);
  if (p.authority !== "" && p.authority !== "localhost") {
    throw new StorageError({
      operation: "localPath",
      uri,
      kind: "invalid",
      detail: `file URIs with a host (${p.authority}) are not supported`,
    });
  }
  return p.path.length === 0 ? "/" : p.path;
}

/**
 * {@link Storage} on the local filesystem. Writes go through a temporary file, `fsync` and `rename`, so readers
 * see either the old or the new content.
 */
export class FileStorage implements Storage {
  /** Always `"file"`. */
  readonly scheme = "file";

  /** Reads the whole file. */
  async get(uri: string, opts?: OperationOptions): Promise<Uint8Array> {
    const path = localPathOf(uri);
    try {
      const buf = await readFile(path, opts?.signal === undefined ? undefined : { signal: opts.signal });
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (opts?.signal?.aborted) throw opts.signal.reason;
      throw fromFsError(err, "get", uri);
    }
  }

  /** Opens the file for streaming; rejects with `not_found` before any iteration when it does not exist. */
  async getStream(uri: string, opts?: OperationOptions): Promise<AsyncIterable<Uint8Array>> {
    const path = localPathOf(uri);
    let fh: import("node:fs/promises").FileHandle | undefined;
    try {
      fh = await open(path, "r");
      if ((await fh.stat()).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    } catch (err) {
      await fh?.close().catch(() => {});
      throw fromFsError(err, "getStream", uri);
    }
    const stream = fh.createReadStream(opts?.signal === undefined ? {} : { signal: opts.signal });
    return wrapStream(stream, uri);
  }

  /** Copies the file to `localPath` atomically. */
  async download(uri: string, localPath: string, opts?: OperationOptions): Promise<void> {
    await copyAtomic(localPathOf(uri), resolve(localPath), "download", uri, opts?.signal);
  }

  /** Writes the whole file atomically, creating parent directories. */
  async put(uri: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    const path = localPathOf(uri);
    try {
      await writeFileAtomic(path, data, opts?.signal);
    } catch (err) {
      if (opts?.signal?.aborted) throw opts.signal.reason;
      throw fromFsError(err, "put", uri);
    }
  }

  /** Copies a local file to `uri` atomically. */
  async upload(localPath: string, uri: string, opts?: PutOptions): Promise<void> {
    await copyAtomic(resolve(localPath), localPathOf(uri), "upload", uri, opts?.signal, localPath);
  }

  /** Size and modification time of a regular file; `undefined` for missing paths and directories. */
  async stat(uri: string, _opts?: OperationOptions): Promise<ObjectInfo | undefined> {
    const path = localPathOf(uri);
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      return { uri, size: st.size, lastModified: st.mtime };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw fromFsError(err, "stat", uri);
    }
  }

  /** Whether a regular file exists at `uri`. */
  async exists(uri: string, opts?: OperationOptions): Promise<boolean> {
    return (await this.stat(uri, opts)) !== undefined;
  }

  /**
   * Yields every file below the directory, recursively, as URIs in the style of `prefixUri` (`file://` URIs for a
   * `file://` prefix, paths for a path prefix). Files being written by {@link FileStorage.put} are not listed.
   */
  async *list(prefixUri: string, opts?: OperationOptions): AsyncIterable<string> {
    const root = localPathOf(prefixUri);
    const base = asDirectoryUri(prefixUri);
    try {
      for await (const entry of walkFiles(root)) {
        opts?.signal?.throwIfAborted();
        yield joinUri(base, entry.relPath);
      }
    } catch (err) {
      if (opts?.signal?.aborted) throw opts.signal.reason;
      throw fromFsError(err, "list", prefixUri);
    }
  }

  /** Removes the file; missing files are ignored. Directories are not removed. */
  async delete(uri: string, _opts?: OperationOptions): Promise<void> {
    const path = localPathOf(uri);
    try {
      const st = await stat(path).catch(() => undefined);
      if (st?.isDirectory()) {
        throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      }
      await rm(path, { force: true });
    } catch (err) {
      throw fromFsError(err, "delete", uri);
    }
  }
}

async function copyAtomic(
  from: string,
  to: string,
  operation: string,
  uri: string,
  signal: AbortSignal | undefined,
  sourceLabel: string = uri,
): Promise<void> {
  let fh: import("node:fs/promises").FileHandle;
  try {
    fh = await open(from, "r");
  } catch (err) {
    throw fromFsError(err, operation, sourceLabel);
  }
  const stream = fh.createReadStream();
  try {
    await writeFileAtomic(to, stream, signal);
  } catch (err) {
    stream.destroy();
    if (signal?.aborted) throw signal.reason;
    throw fromFsError(err, operation, uri);
  }
}

async function* wrapStream(stream: ReadStream, uri: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (err) {
    throw fromFsError(err, "getStream", uri);
  } finally {
    stream.destroy();
  }
}
