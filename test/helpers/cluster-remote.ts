/**
 * What the cluster tests share: a FlyteRemote on a local Flyte (project flytesnacks, domain development) and the
 * entities of an example or fixture file, loaded as the CLI loads them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import type { LocalFlyte } from "./local-flyte.js";

/** The repository root: the root of every registration's code bundle. */
export const repo = join(import.meta.dirname, "..", "..");

/** An entity that runs locally when called. */
export type Runnable = Entity & ((inputs: Record<string, unknown>) => Promise<unknown>);

/** The entity `name` that `file` (relative to the repository root) exports. */
export async function entity(file: string, name: string): Promise<Runnable> {
  const { entities } = await loadEntities(join(repo, file), repo);
  const e = entities.get(name);
  assert.ok(e, `${file} exports ${name}`);
  return e as Runnable;
}

/** A FlyteRemote on the local Flyte's admin, in flytesnacks/development. Close its clients when done. */
export function clusterRemote(flyte: LocalFlyte): FlyteRemote {
  return new FlyteRemote({
    clients: createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true }),
    project: "flytesnacks",
    domain: "development",
    consoleEndpoint: flyte.endpoints.adminHttp,
  });
}
