/**
 * Local filesystem primitives shared by the backends: atomic file writes and recursive file walks.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { open, opendir, mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Suffix of the temporary files used by {@link writeFileAtomic}; such files are hidden from listings. */
export const TEMP_SUFFIX = ".flyte-partial";

/** Whether a file name is an in-progress temporary file of {@link writeFileAtomic}. */
export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(TEMP_SUFFIX);
}

/**
 * Writes `data` to `target` so that readers never observe a partial file: the bytes go to a temporary file in the
 * same directory, which is flushed with `fsync` and then renamed over the target. Parent directories are
 * created. Returns the number of bytes written.
 *
 * @param data - the whole content, or chunks of it.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  // Keep the temp name under NAME_MAX (255) even for long target names.
  const tmp = join(dir, `.${basename(target).slice(0, 120)}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
  const fh = await open(tmp, "wx");
  let written = 0;
  try {
    if (data instanceof Uint8Array) {
      await writeAll(fh, data);
      written = data.byteLength;
    } else {
      for await (const chunk of data) {
        signal?.throwIfAborted();
        await writeAll(fh, chunk);
        written += chunk.byteLength;
      }
    }
    await fh.sync();
    await fh.close();
    signal?.throwIfAborted();
    await rename(tmp, target);
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDir(dir);
  return written;
}

async function writeAll(fh: import("node:fs/promises").FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    const { bytesWritten } = await fh.write(buf, off, buf.byteLength - off);
    off += bytesWritten;
  }
}

/** Flushes a directory entry so a completed rename survives a crash; best effort (not all platforms allow it). */
async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await open(dir, "r");
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/** A regular file found by {@link walkFiles}. */
export interface WalkEntry {
  /** Path relative to the walk root, with `/` separators. */
  readonly relPath: string;
  /** Absolute (or root-relative, if the root was relative) filesystem path. */
  readonly path: string;
}

/**
 * Yields every regular file below `root`, recursively, in sorted order per directory. Symbolic links to files
 * are followed; symbolic links to directories are not descended into (no cycles). Temporary files of
 * {@link writeFileAtomic} are skipped. A missing root yields nothing.
 */
export async function* walkFiles(root: string): AsyncGenerator<WalkEntry> {
  const pending: string[] = [""];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    const abs = rel.length === 0 ? root : join(root, rel);
    let names: { name: string; kind: "file" | "dir" | "link" | "other" }[];
    try {
      names = [];
      for await (const d of await opendir(abs)) {
        const kind = d.isFile() ? "file" : d.isDirectory() ? "dir" : d.isSymbolicLink() ? "link" : "other";
        names.push({ name: d.name, kind });
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (rel.length === 0 && (code === "ENOENT" || code === "ENOTDIR")) return;
      throw err;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const { name, kind } of names) {
      const childRel = rel.length === 0 ? name : `${rel}/${name}`;
      const childAbs = join(abs, name);
      if (kind === "dir") {
        subdirs.push(childRel);
      } else if (kind === "file") {
        if (!isTempName(name)) yield { relPath: childRel, path: childAbs };
      } else if (kind === "link") {
        const st = await stat(childAbs).catch(() => undefined);
        if (st?.isFile()) yield { relPath: childRel, path: childAbs };
      }
    }
    // Depth-first, keeping sorted order: push subdirectories in reverse so the first is popped first.
    for (let k = subdirs.length - 1; k >= 0; k--) pending.push(subdirs[k]!);
  }
}
