/**
 * A small tar reader for fast-registration bundles (ustar, POSIX pax and GNU long names), and an extractor that
 * refuses any entry that would land outside the destination directory.
 */
import { copyFile, mkdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";

const BLOCK = 512;

/** One archive member. */
export interface TarEntry {
  /** The path inside the archive, with `/` separators. */
  readonly name: string;
  readonly type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Permission bits. */
  readonly mode: number;
  /** The link target, for links. */
  readonly linkName: string;
  /** The content, for files. */
  readonly data: Uint8Array;
}

const decoder = new TextDecoder();

function text(b: Uint8Array, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul < 0 ? field : field.subarray(0, nul));
}

/** A numeric header field: octal text, or base-256 when the high bit of the first byte is set (GNU). */
function number(b: Uint8Array, start: number, len: number): number {
  if (b[start]! & 0x80) {
    let n = b[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = text(b, start, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

/** Pax extended header records: `<len> <key>=<value>\n`. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number.parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = decoder.decode(data.subarray(space + 1, pos + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/**
 * The members of an uncompressed tar archive, in order. A bad header checksum or a truncated member throws.
 *
 * @example
 * for (const e of readTar(gunzipSync(bytes))) console.log(e.type, e.name);
 */
export function* readTar(buf: Uint8Array): Generator<TarEntry> {
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  while (pos + BLOCK <= buf.length) {
    const h = buf.subarray(pos, pos + BLOCK);
    if (h.every((x) => x === 0)) return;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== number(h, 148, 8)) throw new Error(`corrupt tar archive: bad header checksum at offset ${pos}`);
    const flag = String.fromCharCode(h[156]!);
    const size = Number(pax.get("size") ?? number(h, 124, 12));
    const start = pos + BLOCK;
    if (start + size > buf.length) throw new Error(`corrupt tar archive: a member at offset ${pos} is truncated`);
    const data = buf.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "x") {
      pax = paxRecords(data);
      continue;
    }
    if (flag === "g") continue;
    if (flag === "L" || flag === "K") {
      const value = text(data, 0, data.length);
      if (flag === "L") longName = value;
      else longLink = value;
      continue;
    }
    const ustar = text(h, 257, 6) === "ustar";
    const prefix = ustar && h[262] === 0 ? text(h, 345, 155) : "";
    const name = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    const linkName = pax.get("linkpath") ?? longLink ?? text(h, 157, 100);
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    const type =
      flag === "0" || flag === "\0" || flag === "7"
        ? "file"
        : flag === "5"
          ? "directory"
          : flag === "2"
            ? "symlink"
            : flag === "1"
              ? "hardlink"
              : "other";
    yield { name, type, mode: number(h, 100, 8) & 0o7777, linkName, data };
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** The destination of an archive path under `root`; absolute paths and paths escaping `root` throw. */
function target(root: string, name: string): string {
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name))
    throw new Error(`refusing tar member ${JSON.stringify(name)}: absolute path`);
  const path = resolve(root, name);
  if (!inside(root, path))
    throw new Error(`refusing tar member ${JSON.stringify(name)}: it would be written outside ${root}`);
  return path;
}

/**
 * Extracts a tar archive into `destDir` (created if needed) and returns the paths written, relative to it. Members
 * that would be written outside `destDir` — absolute paths, `..`, links pointing outside, or paths through such
 * links — make it throw before anything outside is touched. Devices, FIFOs and the like are skipped.
 */
export async function extractTar(archive: Uint8Array, destDir: string): Promise<string[]> {
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const written: string[] = [];
  for (const e of readTar(archive)) {
    const path = target(root, e.name);
    if (e.type === "other") continue;
    if (e.type === "directory") {
      await mkdir(path, { recursive: true });
      continue;
    }
    const parent = dirname(path);
    await mkdir(parent, { recursive: true });
    // The parent may run through a symbolic link extracted earlier: check where it really is.
    if (!inside(root, await realpath(parent))) {
      throw new Error(`refusing tar member ${JSON.stringify(e.name)}: its directory resolves outside ${root}`);
    }
    await rm(path, { force: true });
    if (e.type === "symlink") {
      if (isAbsolute(e.linkName) || !inside(root, resolve(parent, e.linkName))) {
        throw new Error(`refusing tar member ${JSON.stringify(e.name)}: link target ${e.linkName} is outside ${root}`);
      }
      await symlink(e.linkName, path);
    } else if (e.type === "hardlink") {
      await copyFile(target(root, e.linkName), path);
    } else {
      await writeFile(path, e.data, { mode: e.mode & 0o777 || 0o644 });
    }
    written.push(e.name);
  }
  return written;
}
