/**
 * What the cluster tests share: a FlyteRemote on a local Flyte (project flytesnacks, domain development) and the
 * entities of an example or fixture file, loaded as the CLI loads them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import { Sort_Direction } from "../../src/idl/gen/flyteidl/admin/common_pb.js";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";
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

/**
 * The executions in flytesnacks/development whose `label` (an eager parent's, by default) names `parent`, as admin
 * lists them, page by page: the label is read from each execution, as admin keeps no execution tags for single-task
 * executions (which most eager children are). With `createdAt` (the parent's creation), only executions created since
 * a second before it are listed.
 */
export async function labelledChildren(
  remote: FlyteRemote,
  parent: string,
  opts: { label?: string; createdAt?: { seconds: bigint } | undefined } = {},
): Promise<Execution[]> {
  const label = opts.label ?? EAGER_EXEC_LABEL;
  const at = opts.createdAt;
  const since = at ? new Date(Number(at.seconds) * 1000 - 1000).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
  const out: Execution[] = [];
  let token = "";
  do {
    const page = await remote.clients.admin.listExecutions({
      id: { project: remote.project, domain: remote.domain },
      limit: 200,
      token,
      filters: since ? `gte(execution_created_at,${since})` : "",
      sortBy: { key: "created_at", direction: Sort_Direction.DESCENDING },
    });
    out.push(...page.executions.filter((e) => e.spec?.labels?.values[label] === parent));
    token = page.token;
  } while (token !== "");
  return out;
}
