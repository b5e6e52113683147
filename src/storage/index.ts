/**
 * Storage: a small data-persistence layer keyed by URI scheme, used for task inputs and outputs
 * (`inputs.pb`, `outputs.pb`), raw data (files, directories) and code bundles.
 *
 * ```ts
 * const store = await storageFor("s3://bucket/run/inputs.pb");
 * const bytes = await store.get("s3://bucket/run/inputs.pb");
 * await uploadDir("./out", "s3://bucket/raw/abc", { concurrency: 16 });
 * ```
 *
 * Built-in schemes: `file` (and plain paths), `memory`, `s3`, `gs`, and Azure's `abfs`, `abfss`, `wasb`, `wasbs`.
 * The object-store backends are imported lazily on first use and configured from the environment (flytekit's
 * variables first). Any other scheme needs a backend registered with {@link registerStorage}.
 *
 * Failures are {@link StorageError}s. Throttling and transient failures are retried (see {@link withRetry}) and,
 * once retries are exhausted, are `recoverable: true` — system errors, never user errors.
 *
 * @module
 */

export type { CredentialProvider, Env } from "./aws-credentials.js";
export type { StorageErrorInit, StorageErrorKind } from "./errors.js";
export { isStorageError, StorageError } from "./errors.js";
export { FileStorage, localPathOf } from "./file.js";
export { MemoryStorage } from "./memory.js";
export type { StorageFactory } from "./registry.js";
export type { AzureOptions, AzureTokenCredential } from "./azure.js";
export type { GcsOptions, GcsTokenProvider } from "./gcs.js";
export {
  createAzureStorage,
  createGcsStorage,
  createS3Storage,
  registeredSchemes,
  registerStorage,
  resetStorageRegistry,
  storageFor,
  unregisterStorage,
} from "./registry.js";
export type { RetryEvent, RetryOptions, RetryPolicy } from "./retry.js";
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryPolicy,
  withRetry,
} from "./retry.js";
export type { S3Location, S3Options } from "./s3.js";
export type { AwsCredentials } from "./sigv4.js";
export type { TransferOptions } from "./transfer.js";
export { DEFAULT_TRANSFER_CONCURRENCY, downloadDir, uploadDir } from "./transfer.js";
export type { ObjectInfo, OperationOptions, ParsedUri, PutOptions, Storage } from "./types.js";
export { asDirectoryUri, joinUri, parseUri } from "./types.js";
