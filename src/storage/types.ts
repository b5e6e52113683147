/**
 * The storage interface shared by every backend, and URI helpers.
 *
 * URIs are treated as plain strings of the form `scheme://authority/path`, the way Flyte's data plane writes
 * them (`s3://bucket/metadata/.../inputs.pb`). Paths are never percent-decoded: the key of
 * `s3://b/a%20b` is literally `a%20b`. A string without a `scheme://` prefix is a local path.
 *
 * @module
 */

import { StorageError } from "./errors.js";

/** Options accepted by every storage operation. */
export interface OperationOptions {
  /** Aborts the operation (including retry waits). The abort reason is thrown as-is. */
  readonly signal?: AbortSignal;
}

/** Options for writes. */
export interface PutOptions extends OperationOptions {
  /** MIME type recorded with the object where the backend supports it (S3 `Content-Type`). */
  readonly contentType?: string;
}

/** Metadata of a stored object. */
export interface ObjectInfo {
  /** The object's URI. */
  readonly uri: string;
  /** Size in bytes. */
  readonly size: number;
  /** Provider entity tag, when the backend has one (quotes removed). */
  readonly etag?: string;
  /** Last modification time, when known. */
  readonly lastModified?: Date;
}

/**
 * A data-persistence backend for one URI scheme.
 *
 * Semantics every backend follows:
 * - Objects are addressed by full URI. Reads of a missing object reject with a `StorageError` of kind
 *   `not_found`.
 * - Writes replace the whole object and are atomic: a concurrent reader sees the old content or the new
 *   content, never a prefix of it.
 * - "Directories" are key prefixes: {@link Storage.list} treats its argument as a directory and yields every
 *   object below it, recursively. A directory itself is not an object ({@link Storage.exists} is `false`).
 * - {@link Storage.delete} is idempotent: deleting a missing object succeeds.
 */
export interface Storage {
  /** The URI scheme this backend serves, lower-case and without `://` (`"s3"`, `"file"`). */
  readonly scheme: string;
  /** Reads a whole object into memory. */
  get(uri: string, opts?: OperationOptions): Promise<Uint8Array>;
  /**
   * Opens an object for streaming reads. The returned promise settles once the object is known to exist, so a
   * missing object rejects here rather than during iteration. Breaking out of the iteration releases the stream.
   */
  getStream(uri: string, opts?: OperationOptions): Promise<AsyncIterable<Uint8Array>>;
  /** Copies an object to a local file, atomically, creating parent directories. */
  download(uri: string, localPath: string, opts?: OperationOptions): Promise<void>;
  /** Writes `data` as the whole content of the object. */
  put(uri: string, data: Uint8Array, opts?: PutOptions): Promise<void>;
  /** Copies a local file to the object. Large files may be sent in parts. */
  upload(localPath: string, uri: string, opts?: PutOptions): Promise<void>;
  /** Returns object metadata, or `undefined` when there is no object at `uri`. */
  stat(uri: string, opts?: OperationOptions): Promise<ObjectInfo | undefined>;
  /** Whether an object exists at `uri`. */
  exists(uri: string, opts?: OperationOptions): Promise<boolean>;
  /**
   * Lists the URIs of all objects under the directory `prefixUri`, recursively. `s3://b/dir` and `s3://b/dir/`
   * both list `dir/...` and never `dir2/...`. A missing directory lists nothing.
   */
  list(prefixUri: string, opts?: OperationOptions): AsyncIterable<string>;
  /** Deletes the object at `uri`; a missing object is not an error. */
  delete(uri: string, opts?: OperationOptions): Promise<void>;
}

/** A URI split into its parts by {@link parseUri}. */
export interface ParsedUri {
  /** Lower-case scheme; `"file"` for plain local paths. */
  readonly scheme: string;
  /** The part between `://` and the next `/` (bucket, container, host); empty for local paths. */
  readonly authority: string;
  /**
   * Everything after the authority, starting with `/` when non-empty (`s3://b/k/x` → `/k/x`). For plain local
   * paths this is the path as given, which may be relative.
   */
  readonly path: string;
  /** `true` when the input had no `scheme://` prefix. */
  readonly isLocalPath: boolean;
}

// Schemes need at least two characters so that Windows drive letters ("C://") are never taken for one.
const URI_RE = /^([A-Za-z][A-Za-z0-9+.-]+):\/\/([^/]*)(.*)$/s;

/**
 * Splits a URI into scheme, authority and path without decoding anything.
 *
 * @throws StorageError of kind `invalid` for an empty string.
 * @example parseUri("s3://my-bucket/data/x.pb") // { scheme: "s3", authority: "my-bucket", path: "/data/x.pb", ... }
 */
export function parseUri(uri: string): ParsedUri {
  if (uri.length === 0) {
    throw new StorageError({ operation: "parseUri", uri, kind: "invalid", detail: "empty URI" });
  }
  const m = URI_RE.exec(uri);
  if (m === null) return { scheme: "file", authority: "", path: uri, isLocalPath: true };
  return { scheme: m[1]!.toLowerCase(), authority: m[2]!, path: m[3]!, isLocalPath: false };
}

/**
 * Joins path segments onto a URI or path prefix with exactly one `/` between them.
 *
 * Leading and trailing slashes of each part are dropped and empty parts are skipped; slashes inside a part are
 * kept, so a relative path like `"a/b.txt"` can be passed as one part. The prefix must already contain the
 * authority (`s3://bucket`, not `s3://`).
 *
 * @example joinUri("s3://bucket/prefix/", "outputs", "/outputs.pb") // "s3://bucket/prefix/outputs/outputs.pb"
 */
export function joinUri(prefix: string, ...parts: string[]): string {
  let out = prefix;
  for (const part of parts) {
    const seg = trimSlashes(part);
    if (seg.length === 0) continue;
    out = out.length === 0 || out.endsWith("/") ? out + seg : `${out}/${seg}`;
  }
  return out;
}

/**
 * Normalises a directory URI so that it ends with exactly one `/` (unless it is only `scheme://authority`, which
 * gets a `/` too). Used to give listings directory semantics.
 */
export function asDirectoryUri(uri: string): string {
  let end = uri.length;
  while (end > 0 && uri.charCodeAt(end - 1) === 47 /* / */) end--;
  const base = uri.slice(0, end);
  if (base.endsWith(":/") || base.endsWith(":")) return uri; // "file:///" and similar roots
  return `${base}/`;
}

function trimSlashes(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 47) start++;
  while (end > start && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(start, end);
}
