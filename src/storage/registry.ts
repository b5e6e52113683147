/**
 * Scheme → backend registry with lazy construction.
 *
 * Backends are created on first use and then reused. The object-store modules (S3, GCS, Azure) are only imported
 * (dynamic `import()`) when the first URI of their scheme is seen, so local runs never pay for them at start-up.
 *
 * @module
 */

import { StorageError } from "./errors.js";
import type { AzureOptions } from "./azure.js";
import type { GcsOptions } from "./gcs.js";
import type { S3Options } from "./s3.js";
import type { Storage } from "./types.js";
import { parseUri } from "./types.js";

/** Creates the backend for a scheme; called at most once per registration until it succeeds. */
export type StorageFactory = () => Storage | Promise<Storage>;

const SCHEME_RE = /^[a-z][a-z0-9+.-]+$/;

const BUILTIN: ReadonlyArray<readonly [string, StorageFactory]> = [
  ["file", async () => new (await import("./file.js")).FileStorage()],
  ["memory", async () => new (await import("./memory.js")).MemoryStorage()],
  [
    "s3",
    async () => {
      const { S3Storage, s3OptionsFromEnv } = await import("./s3.js");
      return new S3Storage(s3OptionsFromEnv(process.env));
    },
  ],
  [
    "gs",
    async () => {
      const { GcsStorage, gcsOptionsFromEnv } = await import("./gcs.js");
      return new GcsStorage(gcsOptionsFromEnv(process.env));
    },
  ],
  ...(["abfs", "abfss", "wasb", "wasbs"] as const).map(
    (scheme) =>
      [
        scheme,
        async () => {
          const { AzureBlobStorage, azureOptionsFromEnv } = await import("./azure.js");
          return new AzureBlobStorage({ ...azureOptionsFromEnv(process.env), scheme });
        },
      ] as const,
  ),
];

const factories = new Map<string, StorageFactory>(BUILTIN);
const instances = new Map<string, Promise<Storage>>();

/**
 * Registers (or replaces) the backend factory for `scheme`, e.g. `registerStorage("gs", () => new MyGcs())`.
 * A backend already created for the scheme is dropped, so the next {@link storageFor} uses the new factory.
 *
 * @param scheme - lower-case scheme without `://`, at least two characters.
 */
export function registerStorage(scheme: string, factory: StorageFactory): void {
  const s = scheme.toLowerCase();
  if (!SCHEME_RE.test(s)) throw new RangeError(`invalid storage scheme ${JSON.stringify(scheme)}`);
  factories.set(s, factory);
  instances.delete(s);
}

/** Removes the backend for `scheme`; URIs with it then fail as unsupported. */
export function unregisterStorage(scheme: string): void {
  const s = scheme.toLowerCase();
  factories.delete(s);
  instances.delete(s);
}

/**
 * Restores the built-in registrations (`file`, `memory`, `s3`, `gs`, `abfs`, `abfss`, `wasb`, `wasbs`) and forgets
 * every created backend.
 */
export function resetStorageRegistry(): void {
  factories.clear();
  for (const [s, f] of BUILTIN) factories.set(s, f);
  instances.clear();
}

/** Schemes that currently have a backend registered. */
export function registeredSchemes(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Returns the backend for a URI's scheme (plain paths use `file`), creating it on first use.
 *
 * Built in: `file` (and plain paths), `memory`, `s3`, `gs`, and Azure's `abfs`, `abfss`, `wasb`, `wasbs`, each
 * configured from the environment. Other schemes reject with a `StorageError` of kind `unsupported`:
 * "no storage backend for scheme ftp:// is installed; register one with registerStorage".
 */
export function storageFor(uri: string): Promise<Storage> {
  let scheme: string;
  try {
    scheme = parseUri(uri).scheme;
  } catch (err) {
    return Promise.reject(err);
  }
  const existing = instances.get(scheme);
  if (existing !== undefined) return existing;
  const factory = factories.get(scheme);
  if (factory === undefined) {
    return Promise.reject(
      new StorageError({
        operation: "storageFor",
        uri,
        kind: "unsupported",
        detail: `no storage backend for scheme ${scheme}:// is installed; register one with registerStorage`,
      }),
    );
  }
  const created = (async () => factory())();
  instances.set(scheme, created);
  // A failed construction is not cached, so a corrected environment or registration can succeed later.
  created.catch(() => {
    if (instances.get(scheme) === created) instances.delete(scheme);
  });
  return created;
}

/**
 * Creates an S3 backend with explicit options, importing the S3 module only now. Use it to configure S3 (or an
 * S3-compatible service under another scheme) without the environment:
 * `registerStorage("s3", () => createS3Storage({ endpoint, credentials }))`.
 */
export async function createS3Storage(options: S3Options = {}): Promise<Storage> {
  const { S3Storage } = await import("./s3.js");
  return new S3Storage(options);
}

/**
 * Creates a GCS backend with explicit options, importing the GCS module only now:
 * `registerStorage("gs", () => createGcsStorage({ endpoint: "http://127.0.0.1:4443", credentials: null }))`.
 */
export async function createGcsStorage(options: GcsOptions = {}): Promise<Storage> {
  const { GcsStorage } = await import("./gcs.js");
  return new GcsStorage(options);
}

/**
 * Creates an Azure Blob backend with explicit options, importing the Azure module (and its client) only now:
 * `registerStorage("abfs", () => createAzureStorage({ connectionString }))`.
 */
export async function createAzureStorage(options: AzureOptions = {}): Promise<Storage> {
  const { AzureBlobStorage } = await import("./azure.js");
  return new AzureBlobStorage(options);
}
