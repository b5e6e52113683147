/**
 * Brings remote files and directories to local disk, for blobs opened by task code. Loaded lazily: storage clients
 * are only imported when a remote blob is actually read.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { safeFileName } from "../types/blob.js";
import { downloadDir, storageFor } from "../storage/index.js";

/** Downloads `uri` (a file, or a directory prefix) under `root` and returns the local path. */
export async function downloadToLocal(uri: string, isDirectory: boolean, root: string): Promise<string> {
  const dir = join(root, randomBytes(8).toString("hex"));
  mkdirSync(dir, { recursive: true });
  if (isDirectory) {
    await downloadDir(uri, dir);
    return dir;
  }
  // The name comes from a storage key: `.`, `..` or an empty last segment would not name a file inside `dir`.
  const local = join(dir, safeFileName(uri));
  const store = await storageFor(uri);
  await store.download(uri, local);
  return local;
}
