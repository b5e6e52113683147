/**
 * Checkpoints in a container: the previous attempt's checkpoint is read from `--prev-checkpoint`, this attempt's is
 * written to a local directory and uploaded to `--checkpoint-path` (at once by `write`, and the whole directory by
 * `sync` when the task wrote files there itself).
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Checkpoint } from "../core/context.js";
import { StorageError } from "../storage/errors.js";
import { storageFor } from "../storage/registry.js";
import { forEachBounded } from "../storage/pool.js";
import { DEFAULT_TRANSFER_CONCURRENCY } from "../storage/transfer.js";
import { joinUri } from "../storage/types.js";

/** The file name `write` uses, locally and remotely. */
const CHECKPOINT_FILE = "checkpoint";

/** A checkpoint whose directory can be uploaded when the task ends. */
export interface ContainerCheckpoint extends Checkpoint {
  /** Uploads the files the task wrote into `directory` itself (not the one `write` already uploaded). */
  sync(): Promise<void>;
}

/**
 * A container checkpoint.
 *
 * @param directory - the local directory of this attempt's checkpoint.
 * @param destination - `--checkpoint-path`, if given.
 * @param previous - `--prev-checkpoint`, absent on a first attempt.
 */
export function containerCheckpoint(directory: string, destination?: string, previous?: string): ContainerCheckpoint {
  let previousBytes: Promise<Uint8Array | undefined> | undefined;
  let written = false;
  return {
    directory,
    read() {
      previousBytes ??= previous ? readPrevious(previous) : Promise.resolve(undefined);
      return previousBytes;
    },
    async write(bytes) {
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, CHECKPOINT_FILE), bytes);
      written = true;
      if (destination) await (await storageFor(destination)).put(joinUri(destination, CHECKPOINT_FILE), bytes);
    },
    async sync() {
      if (!destination) return;
      const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
      const files = entries
        .filter((e) => e.isFile())
        .map((e) => relative(directory, join(e.parentPath, e.name)))
        .filter((rel) => !(written && rel === CHECKPOINT_FILE));
      const store = await storageFor(destination);
      await forEachBounded(files, DEFAULT_TRANSFER_CONCURRENCY, (rel) =>
        store.upload(join(directory, rel), joinUri(destination, rel.split(sep).join("/"))),
      );
    },
  };
}

/** The previous checkpoint: its `checkpoint` file, else the only object under the prefix (flytekit's layout). */
async function readPrevious(prefix: string): Promise<Uint8Array | undefined> {
  const store = await storageFor(prefix);
  try {
    return await store.get(joinUri(prefix, CHECKPOINT_FILE));
  } catch (e) {
    if (!(e instanceof StorageError && e.kind === "not_found")) throw e;
  }
  const objects: string[] = [];
  for await (const uri of store.list(prefix)) {
    objects.push(uri);
    if (objects.length > 1) return undefined;
  }
  return objects.length === 1 ? store.get(objects[0]!) : undefined;
}
