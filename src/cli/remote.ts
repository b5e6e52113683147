/**
 * The cluster commands: `tsflyte register`, `tsflyte run --remote` (called by `run`) and `tsflyte execution
 * get|list|outputs|terminate`, on a `FlyteRemote` connected from the Flyte config (`--config`, `FLYTECTL_CONFIG`,
 * `~/.flyte/config.yaml`, `FLYTE_PLATFORM_*`).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Entity } from "../core/entity.js";
import type { Execution } from "../idl/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../idl/gen/flyteidl/core/execution_pb.js";
import { enumName } from "../idl/types.js";
import type { FlyteExecution } from "../remote/execution.js";
import type { ExecutionFilters, ExecutionPhaseName } from "../remote/filters.js";
import { connectRemote } from "../remote/connect.js";
import { EagerLocalRunError, eagerTaskOf, runEagerLocally } from "../remote/eager-local.js";
import { checkRawOutputDataPrefix, checkServiceAccount } from "../remote/remote.js";
import { graphOf, graphOfNodes, type RunGraph } from "../ui/graph.js";
import { defaultRunsDir, RunStore, runsToKeep } from "../ui/store.js";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { formatJson, toJsonValue } from "./json.js";
import { loadEntities } from "./load.js";
import { formatDurationMs, progressRenderer } from "./progress.js";
import { parseKeyValues, parseOrUsage, sourceFiles } from "./serialize.js";

/** The options every cluster command takes. */
export const CONNECTION_OPTIONS = {
  config: { type: "string", short: "c" },
  project: { type: "string", short: "p" },
  domain: { type: "string", short: "d" },
} as const;

const CONNECTION_HELP = `  -c, --config FILE        the Flyte config (default $FLYTECTL_CONFIG, else ~/.flyte/config.yaml;
                           FLYTE_PLATFORM_URL and FLYTE_PLATFORM_INSECURE override it)
  -p, --project NAME       the project (default flytesnacks)
  -d, --domain NAME        the domain (default development)`;

/** Connects a `FlyteRemote` from the connection flags. */
export function remoteFrom(values: { config?: string; project?: string; domain?: string }, ctx: CommandContext) {
  return connectRemote({
    configFile: values.config,
    project: values.project,
    domain: values.domain,
    cwd: ctx.cwd,
    onRetry: (e) =>
      ctx.err(
        `admin at ${e.endpoint} unreachable (attempt ${e.attempt}); retrying in ${formatDurationMs(e.delayMs)}\n`,
      ),
  });
}

const REGISTER_HELP = `Usage: tsflyte register [options] PATH...

Registers every task, workflow and launch plan exported by the .ts/.js files under PATH on a Flyte cluster, with
fast registration: the project's code is bundled and uploaded through FlyteAdmin's DataProxy, and each task fetches
it before it runs. Registering the same code under the same version again changes nothing.

Options:
${CONNECTION_HELP}
  -v, --version VERSION    the version (default: a digest of the entities and the code)
  -i, --image URI          the default image (default $FLYTEKIT_TS_DEFAULT_IMAGE, else the SDK's image)
      --copy all|none      all (default): fast registration; none: the image holds the code
      --env KEY=VALUE      add to every task's container env (repeatable)
`;

/** `tsflyte register`. */
export const registerCommand: Command = {
  summary: "Register the entities in PATHs on a Flyte cluster (fast registration)",
  async run(args, ctx) {
    const { values, positionals } = parseOrUsage("register", () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          version: { type: "string", short: "v" },
          image: { type: "string", short: "i" },
          copy: { type: "string" },
          env: { type: "string", multiple: true },
          help: { type: "boolean", short: "h" },
        },
      }),
    );
    if (values.help) {
      ctx.out(REGISTER_HELP);
      return 0;
    }
    if (positionals.length === 0)
      throw new UsageError("no paths to register", "Usage: tsflyte register [options] PATH...");
    const copy = values.copy ?? "all";
    if (copy !== "all" && copy !== "none")
      throw new UsageError(`--copy must be all or none, got ${JSON.stringify(copy)}`);
    const entities: Entity[] = [];
    for (const f of sourceFiles(positionals, ctx.cwd))
      entities.push(...(await loadEntities(f, ctx.cwd)).entities.values());
    if (entities.length === 0)
      throw new UsageError(`no tasks, workflows or launch plans are exported under ${positionals.join(", ")}`);
    const remote = await remoteFrom(values, ctx);
    try {
      const reg = await remote.register(entities, {
        version: values.version,
        fast: copy === "all",
        image: values.image,
        env: parseKeyValues(values.env, "--env"),
      });
      const kinds = { 1: "task", 2: "workflow", 3: "launch plan" } as const;
      for (const e of reg.entities)
        ctx.out(`${e.status === "created" ? "registered" : "unchanged "} ${kinds[e.kind].padEnd(11)} ${e.name}\n`);
      const created = reg.entities.filter((e) => e.status === "created").length;
      ctx.err(
        `${created} registered, ${reg.entities.length - created} already there, in ${reg.project}/${reg.domain} version ${reg.version}${reg.bundle ? ` (code bundle ${reg.bundle})` : ""}\n`,
      );
      return 0;
    } finally {
      remote.clients.close();
    }
  },
};

/** The cluster, project, domain and registration a run on the cluster uses: options shared by `run --remote` and `--local-eager`. */
export interface RemoteTargetOptions {
  config?: string;
  project?: string;
  domain?: string;
  version?: string;
  /** The run's name (with `--local-eager`, also the children's `eager-exec` tag). */
  name?: string;
  image?: string;
}

/** Options of `tsflyte run --remote`, parsed by `run`. */
export interface RunRemoteOptions extends RemoteTargetOptions {
  wait: boolean;
  json: boolean;
  /** Only the outputs and errors. */
  quiet: boolean;
  /** The file the entity came from, as given (recorded in the run store). */
  file: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  envs: Record<string, string>;
  overwriteCache: boolean;
  /** Where the execution's tasks write raw outputs (an object-store prefix). */
  rawOutputDataPrefix?: string;
  /** The Kubernetes service account of the execution's pods. */
  serviceAccount?: string;
  /** At most this many nodes at once (0: no limit). */
  maxParallelism?: number;
  /** Every task interruptible, or none. */
  interruptible?: boolean;
  /**
   * The other entities the entity's file exports: registered with an eager task, whose calls are known only when its
   * body runs.
   */
  companions?: readonly Entity[];
}

/**
 * What registering `entity` for a run on the cluster takes: itself, and when it is an eager task (or the workflow
 * `getAsWorkflow()` makes of one) the entities its file exports too, since the children the body launches must be
 * registered at its version.
 */
function withCompanions(entity: Entity, companions: readonly Entity[] | undefined): Entity[] {
  if (!companions || !isEager(entity)) return [entity];
  return [entity, ...companions.filter((c) => c !== entity)];
}

function isEager(entity: Entity): boolean {
  try {
    eagerTaskOf(entity);
    return true;
  } catch {
    return false;
  }
}

/**
 * `tsflyte run --remote`: registers the entity (and what it uses) with fast registration, launches it, prints the
 * execution and its console URL, and with `--wait` follows the nodes and prints the outputs as a local run does.
 */
export async function runRemote(
  entity: Entity,
  inputs: Record<string, unknown>,
  opts: RunRemoteOptions,
  ctx: CommandContext,
): Promise<number> {
  // Bad values are reported before anything is registered.
  const rawOutputDataPrefix = optionValue(
    "--raw-output-data-prefix",
    opts.rawOutputDataPrefix,
    checkRawOutputDataPrefix,
  );
  const serviceAccount = optionValue("--service-account", opts.serviceAccount, checkServiceAccount);
  const remote = await remoteFrom(opts, ctx);
  try {
    const reg = await remote.register(withCompanions(entity, opts.companions), {
      version: opts.version,
      image: opts.image,
    });
    const chatty = !opts.json && !opts.quiet;
    if (chatty) ctx.err(`Registered ${entity.name} in ${reg.project}/${reg.domain} version ${reg.version}\n`);
    const ex = await remote.execute(entity, inputs, {
      name: opts.name,
      version: reg.version,
      labels: opts.labels,
      annotations: opts.annotations,
      envs: opts.envs,
      overwriteCache: opts.overwriteCache,
      ...(rawOutputDataPrefix === undefined ? {} : { rawOutputDataPrefix }),
      ...(serviceAccount === undefined ? {} : { serviceAccount }),
      ...(opts.maxParallelism === undefined ? {} : { maxParallelism: opts.maxParallelism }),
      ...(opts.interruptible === undefined ? {} : { interruptible: opts.interruptible }),
    });
    if (chatty) {
      ctx.err(`${ex.attached ? "Attached to" : "Launched"} execution ${ex.name}\n`);
      if (ex.consoleUrl) ctx.err(`Console: ${ex.consoleUrl}\n`);
    }
    const recorded = recordRemoteRun(entity, inputs, opts.file, ex, remote.clients.endpoint.baseUrl, ctx);
    if (!opts.wait) {
      if (opts.json) ctx.out(`${JSON.stringify({ execution: ex.name, console: ex.consoleUrl ?? null })}\n`);
      return 0;
    }
    try {
      return await waitAndPrint(ex, !chatty, ctx, (outputs) => recorded?.finish({ status: "succeeded", outputs }));
    } catch (e) {
      recorded?.finish({ status: "failed", error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  } finally {
    remote.clients.close();
  }
}

/** An option's value checked by `check`, its error reported as a usage error naming the option. */
function optionValue(option: string, value: string | undefined, check: (v: string) => string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return check(value);
  } catch (e) {
    throw new UsageError(
      `${option}: ${e instanceof Error ? e.message : String(e)}`,
      "Run 'tsflyte run --help' for usage.",
    );
  }
}

/** Options of `tsflyte run --remote --local-eager`, parsed by `run`. */
export interface RunLocalEagerOptions extends RemoteTargetOptions {
  /** Where the decks are written. */
  deck?: string;
  json: boolean;
  /** The other entities the file exports, registered with the eager task. */
  companions?: readonly Entity[];
}

/**
 * `tsflyte run --remote --local-eager`: registers the eager task and the entities its file exports, runs the body in
 * this process with each awaited call launched on the cluster, and prints the outputs. SIGINT and SIGTERM terminate
 * every child still running before the command exits (a second signal exits at once).
 */
export async function runLocalEager(
  entity: Entity,
  inputs: Record<string, unknown>,
  opts: RunLocalEagerOptions,
  ctx: CommandContext,
): Promise<number> {
  const task = eagerTaskOf(entity);
  const remote = await remoteFrom(opts, ctx);
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(130);
    ctx.err(`${signal}: terminating the child executions (again to exit at once)\n`);
    abort.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let registered = 0;
  try {
    const r = await runEagerLocally(remote, task, inputs as never, {
      register: withCompanions(task, [entity, ...(opts.companions ?? [])]),
      signal: abort.signal,
      ...(opts.version === undefined ? {} : { version: opts.version }),
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(opts.image === undefined ? {} : { image: opts.image }),
      ...(opts.deck === undefined ? {} : { deckPath: resolve(ctx.cwd, opts.deck) }),
      onRegister: () => {
        registered += 1;
      },
      onStart: (run) => {
        if (!opts.json)
          ctx.err(
            `Registered ${registered} entities in ${run.project}/${run.domain} version ${run.version}\n` +
              `Running the body of ${task.name} here as ${run.name}; its calls run on the cluster\n`,
          );
      },
    });
    if (!opts.json) ctx.err(`${callsSummary(r.calls)}\nEager Executions deck: ${r.deckPath}\n`);
    ctx.out(`${formatJson(r.outputs)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof EagerLocalRunError && !opts.json)
      ctx.err(`${callsSummary(e.calls)}\nEager Executions deck: ${e.deckPath}\n`);
    throw e;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    remote.clients.close();
  }
}

/** `7 calls on the cluster: 6 succeeded, 1 failed`. */
function callsSummary(calls: readonly { status: string }[]): string {
  const by = new Map<string, number>();
  for (const c of calls) by.set(c.status, (by.get(c.status) ?? 0) + 1);
  const parts = [...by].map(([s, n]) => `${n} ${s}`);
  return `${calls.length} call${calls.length === 1 ? "" : "s"} on the cluster${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

/** Records a launched execution in the run store; a store that cannot be written only warns. */
function recordRemoteRun(
  entity: Entity,
  inputs: Record<string, unknown>,
  file: string,
  ex: FlyteExecution,
  endpoint: string,
  ctx: CommandContext,
): { finish(end: { status: "succeeded" | "failed"; outputs?: unknown; error?: string }): void } | undefined {
  try {
    const store = new RunStore(defaultRunsDir(), runsToKeep());
    let graph: RunGraph;
    try {
      graph = graphOf(entity);
    } catch {
      graph = graphOfNodes([], new Set());
    }
    const id = store.recordRemote({
      entity: { name: entity.name, kind: entity.kind },
      file,
      inputs: toJsonValue(inputs),
      graph,
      remote: {
        project: ex.id.project,
        domain: ex.id.domain,
        name: ex.id.name,
        endpoint,
        ...(ex.consoleUrl ? { consoleUrl: ex.consoleUrl } : {}),
      },
    });
    if (id === undefined) return undefined;
    return {
      finish: (end) =>
        store.finishRemote(id, { ...end, ...(end.outputs !== undefined ? { outputs: toJsonValue(end.outputs) } : {}) }),
    };
  } catch (e) {
    ctx.err(`warning: the run is not recorded: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
}

async function waitAndPrint(
  ex: FlyteExecution,
  json: boolean,
  ctx: CommandContext,
  onOutputs?: (outputs: unknown) => void,
): Promise<number> {
  const render = progressRenderer();
  await ex.wait(
    json
      ? {}
      : {
          onProgress: (p) =>
            ctx.err(
              render(p)
                .map((l) => `${l}\n`)
                .join(""),
            ),
        },
  );
  ex.checkSucceeded();
  const outputs = await ex.outputs();
  onOutputs?.(outputs);
  ctx.out(`${formatJson(outputs)}\n`);
  return 0;
}

const EXECUTION_HELP = `Usage: tsflyte execution <get|list|outputs|terminate|wait> [options] [NAME]

  get NAME                 the execution's phase, what it runs, times, error, and console URL
  list                     executions, newest first
      --phase PHASE        only in this phase (repeatable: QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED…)
      --launch-plan NAME   only of this launch plan (a workflow's default launch plan has its name)
      --task NAME          only single-task executions of this task
      --limit N            at most N (default 20)
  outputs NAME             the outputs as JSON, typed by the launched entity's registered interface
  wait NAME                follow the nodes until the end, then print the outputs
  terminate NAME           abort a running execution
      --cause TEXT         why (default "terminated from tsflyte")

Options:
${CONNECTION_HELP}
      --json               get and list: print JSON
`;

/** `tsflyte execution`. */
export const executionCommand: Command = {
  summary: "Inspect, follow or terminate executions on a Flyte cluster",
  async run(args, ctx) {
    const { values, positionals } = parseOrUsage("execution", () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          phase: { type: "string", multiple: true },
          "launch-plan": { type: "string" },
          task: { type: "string" },
          limit: { type: "string" },
          cause: { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      }),
    );
    const [sub, name, ...extra] = positionals;
    if (values.help || sub === undefined) {
      ctx.out(EXECUTION_HELP);
      return values.help ? 0 : 1;
    }
    const subs = ["get", "list", "outputs", "terminate", "wait"];
    if (!subs.includes(sub))
      throw new UsageError(`unknown execution command ${JSON.stringify(sub)}; use ${subs.join(", ")}`);
    if (sub === "list" ? name !== undefined : name === undefined || extra.length > 0)
      throw new UsageError(
        sub === "list" ? "list takes no NAME" : `${sub} takes one execution NAME`,
        "Run 'tsflyte execution --help' for usage.",
      );
    const remote = await remoteFrom(values, ctx);
    try {
      if (sub === "list") {
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new UsageError(`--limit must be a positive integer, got ${values.limit}`);
        const filters: ExecutionFilters = {
          ...(values.phase ? { phase: values.phase.map((p) => p.toUpperCase() as ExecutionPhaseName) } : {}),
          ...(values["launch-plan"] ? { launchPlan: values["launch-plan"] } : {}),
          ...(values.task ? { task: values.task } : {}),
        };
        const list = await remote.listExecutions(filters, { limit });
        if (values.json) ctx.out(`${JSON.stringify(list.map(summary), null, 2)}\n`);
        else for (const e of list) ctx.out(`${listLine(e)}\n`);
        return 0;
      }
      const ex = await remote.fetchExecution(name!);
      switch (sub) {
        case "get": {
          const s = summary(ex.execution);
          if (values.json) ctx.out(`${JSON.stringify({ ...s, console: ex.consoleUrl ?? null }, null, 2)}\n`);
          else {
            for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== "") ctx.out(`${k.padEnd(10)} ${v}\n`);
            if (ex.consoleUrl) ctx.out(`${"console".padEnd(10)} ${ex.consoleUrl}\n`);
          }
          return 0;
        }
        case "outputs":
          ex.checkSucceeded();
          ctx.out(`${formatJson(await ex.outputs())}\n`);
          return 0;
        case "wait":
          return await waitAndPrint(ex, values.json ?? false, ctx);
        default:
          await ex.terminate(values.cause ?? "terminated from tsflyte");
          ctx.err(`terminating execution ${ex.name}\n`);
          return 0;
      }
    } finally {
      remote.clients.close();
    }
  },
};

function ms(t: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return t ? Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6) : undefined;
}

/** What `execution get` and `list --json` show of an execution. */
function summary(e: Execution) {
  const c = e.closure;
  const lp = e.spec?.launchPlan;
  const started = ms(c?.startedAt);
  const duration = ms(c?.duration);
  const r = c?.outputResult;
  return {
    name: `${e.id?.project}/${e.id?.domain}/${e.id?.name}`,
    phase: enumName(WorkflowExecution_Phase, c?.phase ?? 0),
    launched: lp ? `${lp.name}@${lp.version}` : "",
    started: started ? new Date(started).toISOString() : "",
    duration: duration ? formatDurationMs(duration) : "",
    error:
      r?.case === "error"
        ? `${r.value.code}: ${r.value.message}`
        : r?.case === "abortMetadata"
          ? `aborted: ${r.value.cause}`
          : "",
  };
}

function listLine(e: Execution): string {
  const s = summary(e);
  return [e.id?.name ?? "", s.phase.padEnd(9), s.launched, s.started, s.duration].join("  ").trimEnd();
}
