/**
 * A minimal, deterministic ustar writer (regular files only, mtime 0, root-owned), gzipped: two runs over the same
 * files give identical bytes.
 */
import { gzipSync } from "node:zlib";

/** A file to put in an archive. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** File mode, default 0644. */
  readonly mode?: number;
}

function header(name: string, size: number, mode: number): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  let prefix = "";
  let base = name;
  if (enc.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", name.length - 1);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
    if (cut < 0 || enc.encode(base).length > 100 || enc.encode(prefix).length > 155) {
      throw new RangeError(`archive member name too long for ustar: ${name}`);
    }
  }
  const put = (s: string, off: number, len: number) => h.set(enc.encode(s).subarray(0, len), off);
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0");
  put(base, 0, 100);
  put(`${octal(mode, 8)}\0`, 100, 8);
  put(`${octal(0, 8)}\0`, 108, 8);
  put(`${octal(0, 8)}\0`, 116, 8);
  put(`${octal(size, 12)}\0`, 124, 12);
  put(`${octal(0, 12)}\0`, 136, 12);
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put("root", 265, 32);
  put("root", 297, 32);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

/** A tar archive of the entries, in the given order. */
export function tar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(header(e.name, e.data.length, e.mode ?? 0o644), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A gzipped tar archive (gzip header mtime 0, so the bytes are deterministic). */
export function tgz(entries: readonly TarEntry[]): Uint8Array {
  return new Uint8Array(gzipSync(tar(entries), { level: 9 }));
}
