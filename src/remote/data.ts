/**
 * Data crossing between this machine and a Flyte cluster: local files and untyped values in execution inputs are
 * uploaded through DataProxy's signed URLs (`CreateUploadLocation`), and offloaded outputs and raw data are read back
 * through signed download URLs, so the client needs no storage credentials of its own.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Interface } from "../core/interface.js";
import { FlyteUserError } from "../errors.js";
import { type LiteralMap, LiteralMapSchema } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { DataProxyService } from "../idl/gen/flyteidl/service/dataproxy_pb.js";
import { isRemoteUri } from "../types/blob.js";
import type { DataContext } from "../types/type.js";

/** The DataProxy client and where uploads go. */
export interface RemoteDataOptions {
  readonly dataProxy: Client<typeof DataProxyService>;
  readonly project: string;
  readonly domain: string;
}

type Blob = { bytes: Uint8Array } | { localPath: string };

/**
 * Uploads bytes through a signed URL from `CreateUploadLocation` and returns the native URL (`s3://…`). `root` groups
 * the files of one directory under one prefix.
 *
 * @example
 * await uploadBytes(opts, "fast0123.tar.gz", bundle); // "s3://my-bucket/…/fast0123.tar.gz"
 */
export async function uploadBytes(
  opts: RemoteDataOptions,
  filename: string,
  bytes: Uint8Array,
  root?: string,
): Promise<string> {
  const md5 = createHash("md5").update(bytes).digest();
  const loc = await opts.dataProxy.createUploadLocation({
    project: opts.project,
    domain: opts.domain,
    filename,
    contentMd5: new Uint8Array(md5),
    filenameRoot: root ?? "",
    expiresIn: { seconds: 3600n },
  });
  // fetch sets Content-Length from the body itself; the one admin hands out is not the body's (FlyteAdmin 1.16
  // puts the length of the MD5 header there), and a wrong one stalls the upload.
  const headers: Record<string, string> = { "Content-MD5": md5.toString("base64") };
  for (const [k, v] of Object.entries(loc.headers)) if (k.toLowerCase() !== "content-length") headers[k] = v;
  let res: Response;
  try {
    res = await fetch(loc.signedUrl, { method: "PUT", body: bytes, headers });
  } catch (e) {
    throw new FlyteUserError(`uploading ${filename} to the signed URL from admin failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    throw new FlyteUserError(
      `uploading ${filename} (${bytes.length} bytes) failed: HTTP ${res.status} ${res.statusText} ${text.slice(0, 300)}`,
    );
  }
  return loc.nativeUrl;
}

/** Reads the bytes behind a signed URL (or a data URI) an admin handed out. */
export async function fetchSigned(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FlyteUserError(`downloading ${what} failed: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new FlyteUserError(`downloading ${what} failed: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The bytes at a native URL (`s3://…`), through a signed download URL from admin. */
export async function downloadNative(opts: RemoteDataOptions, nativeUrl: string): Promise<Uint8Array> {
  const loc = await opts.dataProxy.createDownloadLocation({ nativeUrl, expiresIn: { seconds: 600n } });
  return fetchSigned(loc.signedUrl, nativeUrl);
}

/** Reads an offloaded literal map (`outputs.pb`, `inputs.pb`) at a signed or native URL. */
export async function readLiteralMap(opts: RemoteDataOptions, url: string): Promise<LiteralMap> {
  const bytes = /^https?:/.test(url) ? await fetchSigned(url, "the literal map") : await downloadNative(opts, url);
  return fromBinary(LiteralMapSchema, bytes);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function uploadBlob(opts: RemoteDataOptions, blob: Blob, name: string): Promise<string> {
  const root = randomBytes(16).toString("hex");
  if ("bytes" in blob) return uploadBytes(opts, name, blob.bytes, root);
  const st = statSync(blob.localPath, { throwIfNoEntry: false });
  if (!st) throw new FlyteUserError(`${blob.localPath}: no such file or directory to upload`);
  if (!st.isDirectory()) return uploadBytes(opts, name, new Uint8Array(readFileSync(blob.localPath)), root);
  const files = filesUnder(blob.localPath);
  if (files.length === 0) throw new FlyteUserError(`${blob.localPath}: an empty directory cannot be uploaded`);
  let dirUri = "";
  for (const f of files) {
    const rel = `${name}/${relative(blob.localPath, f).split(sep).join("/")}`;
    const url = await uploadBytes(opts, rel, new Uint8Array(readFileSync(f)), root);
    dirUri = url.slice(0, url.length - rel.length) + name;
  }
  return dirUri;
}

/**
 * Converts execution inputs to literals, uploading local files, directories and untyped values first. Conversion runs
 * twice: once to collect what must be uploaded, then with the uploaded URIs in the same order.
 */
export async function inputsToRemoteLiterals(
  opts: RemoteDataOptions,
  iface: Interface,
  values: Record<string, unknown>,
  owner: string,
): Promise<LiteralMap> {
  const pending: { blob: Blob; name: string }[] = [];
  const refuse = (uri: string): Uint8Array => {
    throw new FlyteUserError(`${owner}: reading ${uri} while converting inputs is not supported`);
  };
  const collecting: DataContext = {
    uploadsLocalPaths: true,
    putBlob(blob, name) {
      pending.push({ blob, name });
      return `upload://${pending.length - 1}/${name}`;
    },
    getBlob: refuse,
  };
  const first = iface.inputsToLiterals(values, collecting, owner);
  if (pending.length === 0) return first;
  const uris: string[] = [];
  for (const p of pending) uris.push(await uploadBlob(opts, p.blob, basename(p.name)));
  let i = 0;
  const replaying: DataContext = {
    uploadsLocalPaths: true,
    putBlob: () => uris[i++]!,
    getBlob: refuse,
  };
  return iface.inputsToLiterals(values, replaying, owner);
}

/**
 * Reads output literals into native values with the interface, fetching untyped values' blobs first and downloading
 * files lazily (on `blob.download()`), all through signed URLs.
 */
export async function remoteLiteralsToOutputs(
  opts: RemoteDataOptions,
  iface: Interface,
  lm: LiteralMap,
  owner: string,
): Promise<unknown> {
  const uris: string[] = [];
  for (const [k, type] of iface.outputs) {
    const lit = lm.literals[k];
    if (lit) type.collectBlobUris(lit, uris);
  }
  const prefetched = new Map<string, Uint8Array>();
  for (const u of new Set(uris)) prefetched.set(u, await downloadNative(opts, u));
  const scratch = join(tmpdir(), `flytekit-ts-remote-${randomBytes(6).toString("hex")}`);
  const ctx: DataContext = {
    uploadsLocalPaths: false,
    putBlob: () => {
      throw new FlyteUserError(`${owner}: reading outputs stores no data`);
    },
    getBlob(uri) {
      const hit = prefetched.get(uri);
      if (hit) return hit;
      if (isRemoteUri(uri)) throw new FlyteUserError(`${owner}: ${uri} was not fetched before conversion`);
      return new Uint8Array(readFileSync(uri));
    },
    async download(uri, isDirectory) {
      if (isDirectory) {
        const { downloadToLocal } = await import("../core/remote-data.js");
        return downloadToLocal(uri, true, scratch);
      }
      const dir = join(scratch, randomBytes(8).toString("hex"));
      mkdirSync(dir, { recursive: true });
      const local = join(dir, basename(uri) || "file");
      writeFileSync(local, await downloadNative(opts, uri));
      return local;
    },
  };
  return iface.literalsToOutputs(lm, ctx, owner);
}
