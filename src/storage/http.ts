/**
 * Helpers shared by the object-store backends (S3, GCS, Azure): response bodies as chunk streams, network failures as
 * retryable {@link StorageError}s, local-file uploads and downloads around each backend's own requests, ranged reads
 * of local files for part uploads, and option checks.
 *
 * @module
 */

import type { FileHandle } from "node:fs/promises";
import { open, readFile, stat } from "node:fs/promises";
import { fromFsError, StorageError } from "./errors.js";
import { writeFileAtomic } from "./local.js";

/** The operation and URI a failure is reported against. */
export interface OperationRef {
  readonly op: string;
  readonly uri: string;
}

/**
 * A network-level failure (connection refused or reset, body cut short) as a retryable `unavailable` error naming
 * the operation and URI, with the lowest-level reason (`ECONNRESET`, ...) in the message.
 */
export function networkError(ref: OperationRef, err: unknown, what: string): StorageError {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const why =
    typeof cause?.code === "string"
      ? cause.code
      : typeof cause?.message === "string"
        ? cause.message
        : err instanceof Error
          ? err.message
          : String(err);
  return new StorageError({
    operation: ref.op,
    uri: ref.uri,
    kind: "unavailable",
    detail: `${what}: ${why}`,
    cause: err,
  });
}

/** A response body as chunks; an interrupted body fails with a retryable error, and breaking out releases it. */
export async function* bodyChunks(res: Response, op: string, uri: string): AsyncGenerator<Uint8Array> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  let finished = false;
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (err) {
        throw networkError({ op, uri }, err, "response body interrupted");
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Reads exactly `length` bytes at `offset` of an open file (a file that shrank is an `io` error naming `path`). */
export async function readRange(fh: FileHandle, offset: number, length: number, path: string): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  try {
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw Object.assign(new Error("file shrank while uploading"), { code: "EIO" });
      got += bytesRead;
    }
  } catch (err) {
    throw fromFsError(err, "upload", path);
  }
  return buf;
}

/** Reads `length` bytes at `offset` of the source of a chunked upload. */
export type ChunkReader = (offset: number, length: number) => Promise<Uint8Array>;

/** A backend's two ways to write an object: one request with the whole content, or chunks read on demand. */
export interface UploadOps {
  /** Sends the whole content in one request. */
  readonly whole: (data: Uint8Array) => Promise<void>;
  /** Sends `size` bytes in chunks, each read through `readChunk`. */
  readonly chunked: (size: number, readChunk: ChunkReader) => Promise<void>;
}

/** Uploads `data`: with `ops.whole` up to `threshold` bytes, above it with `ops.chunked` over slices of `data`. */
export async function uploadBytes(data: Uint8Array, threshold: number, ops: UploadOps): Promise<void> {
  if (data.byteLength > threshold) {
    await ops.chunked(data.byteLength, async (off, len) => data.subarray(off, off + len));
    return;
  }
  await ops.whole(data);
}

/**
 * Uploads the local file `localPath`: read whole and sent with `ops.whole` up to `threshold` bytes, above it sent
 * with `ops.chunked`, chunks read from disk. File-system failures are {@link StorageError}s of operation `upload`
 * naming `localPath`; a path that is not a regular file is one too.
 */
export async function uploadFile(localPath: string, threshold: number, ops: UploadOps): Promise<void> {
  let size: number;
  try {
    const st = await stat(localPath);
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
    size = st.size;
  } catch (err) {
    throw fromFsError(err, "upload", localPath);
  }
  if (size <= threshold) {
    let buf: Buffer;
    try {
      buf = await readFile(localPath);
    } catch (err) {
      throw fromFsError(err, "upload", localPath);
    }
    await ops.whole(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    return;
  }
  let fh: FileHandle;
  try {
    fh = await open(localPath, "r");
  } catch (err) {
    throw fromFsError(err, "upload", localPath);
  }
  try {
    await ops.chunked(size, (off, len) => readRange(fh, off, len, localPath));
  } finally {
    await fh.close();
  }
}

/**
 * Writes a downloaded body to `target` atomically and returns the bytes written. A {@link StorageError} from the
 * body passes through, an abort rethrows the signal's reason, and a file-system failure is a {@link StorageError} of
 * operation `download` naming `localPath` (the path as the caller gave it).
 */
export async function writeDownload(
  target: string,
  localPath: string,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<number> {
  try {
    return await writeFileAtomic(target, body, signal);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    if (signal?.aborted) throw signal.reason;
    throw fromFsError(err, "download", localPath);
  }
}

/**
 * Fails with a retryable `unavailable` error when a body of `got` bytes is shorter or longer than the `expected`
 * length the response announced; an unknown length (`undefined` or `NaN`) passes.
 */
export function checkBodyLength(expected: number | undefined, got: number, op: string, uri: string): void {
  if (expected !== undefined && !Number.isNaN(expected) && expected !== got) {
    throw new StorageError({
      operation: op,
      uri,
      kind: "unavailable",
      detail: `response body ended after ${got} of ${expected} bytes`,
    });
  }
}

/**
 * `endpoint` parsed as an http:// or https:// URL; anything else is an `invalid` {@link StorageError} of operation
 * `configure` against `uri` (the backend's scheme root) with `detail` as its reason.
 */
export function httpEndpoint(endpoint: string, uri: string, detail: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new StorageError({ operation: "configure", uri, kind: "invalid", detail });
  }
  return url;
}

/** Reads a response body to the end and drops it. */
export async function drain(res: Response): Promise<void> {
  await res.arrayBuffer();
}

/** A positive integer option, or its default; `backend` names the option's owner in the error. */
export function positiveOption(v: number | undefined, dflt: number, name: string, backend: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${backend} option ${name} must be a positive integer, got ${v}`);
  return v;
}

/** The first non-blank value among the environment variables `names`, trimmed. */
export function pickEnv(env: Readonly<Record<string, string | undefined>>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}
