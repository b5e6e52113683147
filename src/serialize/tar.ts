/**
 * A minimal, deterministic tar writer (regular files only, mtime 0, root-owned), gzipped: two runs over the same
 * files give identical bytes. Names that do not fit a ustar header (100 bytes, or a 155-byte prefix and a 100-byte
 * base at a `/`) get a POSIX pax `path` record, which Go's archive/tar (flytectl) and GNU tar read.
 */
import { gzipSync } from "node:zlib";

/** A file to put in an archive. */
export interface TarEntry {
  /** The member name, `/`-separated. */
  readonly name: string;
  /** The file's bytes. */
  readonly data: Uint8Array;
  /** File mode, default 0644. */
  readonly mode?: number;
}

const enc = new TextEncoder();

/** The UTF-8 length of a string. */
const byteLength = (s: string) => Buffer.byteLength(s, "utf8");

/** Splits a name into a ustar prefix and base, or undefined when it does not fit. */
function ustarName(name: string): { prefix: string; base: string } | undefined {
  if (byteLength(name) <= 100) return { prefix: "", base: name };
  for (let cut = name.indexOf("/"); cut >= 0; cut = name.indexOf("/", cut + 1)) {
    const prefix = name.slice(0, cut);
    const base = name.slice(cut + 1);
    if (byteLength(prefix) <= 155 && byteLength(base) <= 100 && base) return { prefix, base };
  }
  return undefined;
}

/** Writes the UTF-8 of `s` at `off`, cut to `len` bytes; ASCII (every header field but a name, often a name too) directly. */
function putText(h: Uint8Array, s: string, off: number, len: number): void {
  const n = Math.min(s.length, len);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      h.set(enc.encode(s).subarray(0, len), off);
      return;
    }
    h[off + i] = c;
  }
}

function header(base: string, prefix: string, size: number, mode: number, type: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => putText(h, s, off, len);
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0");
  put(base, 0, 100);
  put(`${octal(mode, 8)}\0`, 100, 8);
  put(`${octal(0, 8)}\0`, 108, 8);
  put(`${octal(0, 8)}\0`, 116, 8);
  put(`${octal(size, 12)}\0`, 124, 12);
  put(`${octal(0, 12)}\0`, 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
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

/** A pax record `"<len> path=<name>\n"`, where `<len>` counts the whole record including itself. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return enc.encode(`${len}${body}`);
}

function padded(parts: Uint8Array[], data: Uint8Array): void {
  parts.push(data);
  const pad = (512 - (data.length % 512)) % 512;
  if (pad) parts.push(new Uint8Array(pad));
}

/** A tar archive of the entries, in the given order. */
export function tar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const mode = e.mode ?? 0o644;
    let fit = ustarName(e.name);
    if (!fit) {
      const record = paxRecord("path", e.name);
      parts.push(header("PaxHeader", "", record.length, 0o644, "x"));
      padded(parts, record);
      // The ustar name is a truncated stand-in for readers without pax support.
      fit = { prefix: "", base: e.name.slice(-100) };
    }
    parts.push(header(fit.base, fit.prefix, e.data.length, mode, "0"));
    padded(parts, e.data);
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

/** Gzips bytes deterministically (no file name, gzip header mtime 0). */
export function gzip(raw: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(raw, { level: 9 }));
}

/** A gzipped tar archive of the entries (deterministic bytes). */
export function tgz(entries: readonly TarEntry[]): Uint8Array {
  return gzip(tar(entries));
}
