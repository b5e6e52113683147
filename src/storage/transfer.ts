/**
 * Directory transfers between the local filesystem and any storage backend, with bounded concurrency.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fromFsError, StorageError } from "./errors.js";
import { walkFiles } from "./local.js";
import { forEachBounded } from "./pool.js";
import { storageFor } from "./registry.js";
import type { OperationOptions } from "./types.js";
import { asDirectoryUri, joinUri, parseUri } from "./types.js";

/** Default number of files transferred at once. */
export const DEFAULT_TRANSFER_CONCURRENCY = 16;

/** Options of {@link uploadDir} and {@link downloadDir}. */
export interface TransferOptions extends OperationOptions {
  /** Files in flight at once. Default {@link DEFAULT_TRANSFER_CONCURRENCY} (16). */
  readonly concurrency?: number;
}

/**
 * Uploads every file below `localDir` to `prefixUri`, keeping relative paths: `localDir/a/b.txt` becomes
 * `<prefixUri>/a/b.txt`. Symbolic links to files are followed, links to directories are skipped.
 *
 * @returns the relative paths uploaded (with `/` separators), sorted.
 * @throws StorageError `not_found` when `localDir` is not a directory; otherwise the first transfer failure
 *   (no new files are started after a failure).
 */
export async function uploadDir(localDir: string, prefixUri: string, opts: TransferOptions = {}): Promise<string[]> {
  const root = resolve(localDir);
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  } catch (err) {
    throw fromFsError(err, "uploadDir", localDir);
  }
  const storage = await storageFor(prefixUri);
  const done: string[] = [];
  const signalOpt = opts.signal === undefined ? {} : { signal: opts.signal };
  await forEachBounded(walkFiles(root), opts.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, async (entry) => {
    opts.signal?.throwIfAborted();
    await storage.upload(entry.path, joinUri(prefixUri, entry.relPath), signalOpt);
    done.push(entry.relPath);
  });
  return done.sort();
}

/**
 * Downloads every object below `prefixUri` into `localDir`, keeping relative paths. Zero-byte "directory
 * marker" keys ending in `/` are skipped. Each file is written atomically.
 *
 * @returns the relative paths downloaded, sorted.
 * @throws StorageError `invalid` for a key that would land outside `localDir` (a `..` or `.` segment); otherwise
 *   the first transfer failure (no new files are started after a failure).
 */
export async function downloadDir(prefixUri: string, localDir: string, opts: TransferOptions = {}): Promise<string[]> {
  const root = resolve(localDir);
  const storage = await storageFor(prefixUri);
  const base = parseUri(asDirectoryUri(prefixUri)).path;
  const done: string[] = [];
  const signalOpt = opts.signal === undefined ? {} : { signal: opts.signal };
  await forEachBounded(
    storage.list(prefixUri, signalOpt),
    opts.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY,
    async (uri) => {
      opts.signal?.throwIfAborted();
      const path = parseUri(uri).path;
      if (!path.startsWith(base)) {
        throw new StorageError({
          operation: "downloadDir",
          uri,
          kind: "invalid",
          detail: `listed outside ${prefixUri}`,
        });
      }
      const rel = path.slice(base.length);
      if (rel.length === 0 || rel.endsWith("/")) return; // directory marker
      const segments = rel.split("/").filter((s) => s.length > 0);
      if (segments.some((s) => s === "." || s === "..")) {
        throw new StorageError({
          operation: "downloadDir",
          uri,
          kind: "invalid",
          detail: "refusing a key with . or .. segments (it would be written outside the target directory)",
        });
      }
      await storage.download(uri, join(root, ...segments), signalOpt);
      done.push(segments.join("/"));
    },
  );
  return done.sort();
}
