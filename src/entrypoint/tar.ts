/**
 * A small tar reader for fast-registration bundles (ustar, POSIX pax and GNU long names), and an extractor that
 * refuses any entry that would land outside the destination directory.
 */
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, readlink, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, sep } from "node:path";

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

function refuse(name: string, why: string): Error {
  return new Error(`refusing tar member ${JSON.stringify(name)}: ${why}`);
}

/** The archive path split into its segments; absolute paths and `..` segments throw. */
function segments(name: string): string[] {
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.startsWith("\\")) throw refuse(name, "absolute path");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw refuse(name, "a .. segment would lead outside the destination");
  return parts;
}

const MAX_LINKS = 40;

/**
 * Where `rel`, read from directory `from`, really leads on disk now: every symbolic link met on the way is followed
 * (as the kernel would), missing segments are taken as they are written. The result is then checked against the
 * destination: a lexical check alone is fooled by chains of links whose `..` climb from where the links really are.
 */
async function realTarget(from: string, rel: string, hops = { n: 0 }): Promise<string> {
  let cur = isAbsolute(rel) ? sep : from;
  for (const part of rel.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      cur = dirname(cur);
      continue;
    }
    const next = join(cur, part);
    const st = await lstat(next).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++hops.n > MAX_LINKS) throw new Error(`too many levels of symbolic links at ${next}`);
      cur = await realTarget(cur, await readlink(next), hops);
    } else cur = next;
  }
  return cur;
}

/**
 * Creates the directory `parts` under `root` one segment at a time and returns its real path. A segment that is a
 * link (extracted earlier, or planted) is followed only when it really leads inside `root`, so no directory is ever
 * created elsewhere.
 */
async function ensureDir(root: string, parts: readonly string[], name: string): Promise<string> {
  let cur = root;
  for (const part of parts) {
    const next = join(cur, part);
    const st = await lstat(next).catch(() => undefined);
    if (!st) {
      await mkdir(next);
      cur = next;
    } else if (st.isSymbolicLink()) {
      const real = await realpath(next).catch(() => undefined);
      if (real === undefined || !inside(root, real))
        throw refuse(name, `its directory ${part} resolves outside ${root}`);
      if (!(await stat(real)).isDirectory()) throw refuse(name, `${part} is not a directory`);
      cur = real;
    } else if (st.isDirectory()) cur = next;
    else throw refuse(name, `${part} is not a directory`);
  }
  return cur;
}

/**
 * Extracts a tar archive into `destDir` (created if needed) and returns the paths written, relative to it. Members
 * that would read or write anything outside `destDir` make it throw before anything outside is touched: absolute
 * paths, `..`, links whose target really resolves outside (following every link on the way, chains included), paths
 * through such links, and hard links to anything but a file inside. Links that a later member turns into a way out
 * are removed and refused at the end. Devices, FIFOs and the like are skipped.
 */
export async function extractTar(archive: Uint8Array, destDir: string): Promise<string[]> {
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const written: string[] = [];
  const links: { name: string; path: string; target: string }[] = [];
  for (const e of readTar(archive)) {
    const parts = segments(e.name);
    if (e.type === "other") continue;
    if (e.type === "directory") {
      await ensureDir(root, parts, e.name);
      continue;
    }
    if (parts.length === 0) throw refuse(e.name, "no file name");
    const parent = await ensureDir(root, parts.slice(0, -1), e.name);
    const path = join(parent, parts[parts.length - 1]!);
    await rm(path, { force: true });
    if (e.type === "symlink") {
      if (isAbsolute(e.linkName)) throw refuse(e.name, `link target ${e.linkName} is absolute`);
      if (!inside(root, await realTarget(parent, e.linkName)))
        throw refuse(e.name, `link target ${e.linkName} is outside ${root}`);
      await symlink(e.linkName, path);
      links.push({ name: e.name, path, target: e.linkName });
    } else if (e.type === "hardlink") {
      const source = await realTarget(root, segments(e.linkName).join("/"));
      if (!inside(root, source)) throw refuse(e.name, `hard link target ${e.linkName} is outside ${root}`);
      const st = await lstat(source).catch(() => undefined);
      if (!st?.isFile()) throw refuse(e.name, `hard link target ${e.linkName} is not a file in the archive`);
      await copyFile(source, path, constants.COPYFILE_EXCL);
    } else {
      await writeFile(path, e.data, { mode: e.mode & 0o777 || 0o644, flag: "wx" });
    }
    written.push(e.name);
  }
  // A link checked when it was written can lead out once later members replace the directories it climbs through.
  const escaping: string[] = [];
  for (const l of links) {
    if (!inside(root, await realTarget(dirname(l.path), l.target))) {
      await rm(l.path, { force: true });
      escaping.push(l.name);
    }
  }
  if (escaping.length > 0) throw refuse(escaping[0]!, `with the later members, its link leads outside ${root}`);
  return written;
}
