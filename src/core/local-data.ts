/**
 * The data context of local runs: raw data (untyped values) is written as plain files under the run's raw output
 * directory, local paths stay local, and remote blobs are downloaded on demand.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRemoteUri, safeFileName } from "../types/blob.js";
import type { DataContext } from "../types/type.js";
import { currentState } from "./context.js";

/** A data context writing under `rawOutputPrefix` (a local directory). */
export function localDataAt(rawOutputPrefix: string, prefetched?: Map<string, Uint8Array>): DataContext {
  return {
    uploadsLocalPaths: false,
    putBlob(data, name) {
      const dir = join(rawOutputPrefix, randomBytes(16).toString("hex"));
      mkdirSync(dir, { recursive: true });
      const path = join(dir, safeFileName(name));
      if ("bytes" in data) writeFileSync(path, data.bytes);
      else copyFileSync(data.localPath, path);
      return path;
    },
    getBlob(uri) {
      const hit = prefetched?.get(uri);
      if (hit) return hit;
      if (isRemoteUri(uri)) throw new Error(`${uri} was not prefetched before conversion`);
      return new Uint8Array(readFileSync(uri.startsWith("file://") ? uri.slice(7) : uri));
    },
    async download(uri, isDirectory) {
      const { downloadToLocal } = await import("./remote-data.js");
      return downloadToLocal(uri, isDirectory, join(rawOutputPrefix, "downloads"));
    },
  };
}

/** The data context of the current local execution. */
export function localData(): DataContext {
  return localDataAt(currentState().params.rawOutputPrefix);
}
