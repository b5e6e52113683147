/**
 * Eager with the body on this machine and the children on a cluster (flyte#4673): the eager task's body runs in this
 * process while every call it awaits becomes an execution on the cluster, launched by the same
 * {@link RemoteEagerController} a pod uses. The called entities are registered at one version before the run (and any
 * the body reaches that were not, at that version, before their first launch); cancelling the run (Ctrl-C) terminates
 * every child still running; the "Eager Executions" deck is written to a local file.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ContextState, currentState, makeParams, runInContext } from "../core/context.js";
import { type EagerBackend, type EagerCall, setClusterEagerBackend } from "../core/eager/controller.js";
import type { Entity, ValueInputs } from "../core/entity.js";
import type { InputSpec, NativeOutputs, OutputSpec } from "../core/interface.js";
import { localDataAt } from "../core/local-data.js";
import type { Task } from "../core/task.js";
import { renderDecks } from "../deck/deck.js";
import { FlyteValidationError } from "../errors.js";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { RemoteEagerController, type RemoteEagerOptions } from "./eager.js";
import type { FlyteRemote, Scope } from "./remote.js";

/** Options of {@link runEagerLocally}. */
export interface EagerLocalOptions extends Scope {
  /**
   * Entities registered before the body runs, with what they use (default: the eager task alone, which brings the
   * code bundle and the version). Entities the body calls that are neither here nor registered by it are registered
   * at the same version before their first launch.
   */
  readonly register?: Iterable<Entity<any, any>>;
  /** The version the children are registered and launched at; default a digest of the registered code. */
  readonly version?: string;
  /** The directory bundled for fast registration; default the project root of the first registered entity. */
  readonly root?: string;
  /** The default image of the registered tasks. */
  readonly image?: string;
  /**
   * The name of this eager run: children are tagged `eager-exec=<name>` and named from it, so a run given the name of
   * an earlier one attaches to the children that run launched. Default a fresh random name.
   */
  readonly name?: string;
  /** Aborting it terminates every child still running; the run then fails with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Where the decks (with "Eager Executions") are written; default `deck.html` in a fresh directory under the temp dir. */
  readonly deckPath?: string;
  /** Launches per second (default `FLYTE_EAGER_LAUNCH_RATE`, else 500). */
  readonly launchRate?: number;
  /** Status polling delays in ms (see {@link RemoteEagerOptions.poll}). */
  readonly poll?: RemoteEagerOptions["poll"];
  /** Told once the entities are registered, before the body starts. */
  readonly onStart?: (run: {
    readonly project: string;
    readonly domain: string;
    readonly version: string;
    readonly name: string;
  }) => void;
  /** Told of each entity registered, before the run and during it. */
  readonly onRegister?: (what: { readonly name: string; readonly kind: "task" | "workflow" | "launch plan" }) => void;
}

/** What {@link runEagerLocally} resolves to. */
export interface EagerLocalResult<O = unknown> {
  /** The eager task's outputs, as a local call returns them. */
  readonly outputs: O;
  /** The run's name: the `eager-exec` tag of its children. */
  readonly name: string;
  /** The version the children ran at. */
  readonly version: string;
  /** Every call the body made: entity, index, status, child execution, times. */
  readonly calls: readonly EagerCall[];
  /** The decks file written. */
  readonly deckPath: string;
}

/** The failure of a run whose body ran here: the body's error, with the run's name, calls and decks file. */
export class EagerLocalRunError extends Error {
  /** The run's name: the `eager-exec` tag of its children. */
  readonly runName: string;
  /** Every call the body made. */
  readonly calls: readonly EagerCall[];
  /** The decks file written. */
  readonly deckPath: string;
  constructor(
    message: string,
    opts: { cause: unknown; runName: string; calls: readonly EagerCall[]; deckPath: string },
  ) {
    super(message, { cause: opts.cause });
    this.name = "EagerLocalRunError";
    this.runName = opts.runName;
    this.calls = opts.calls;
    this.deckPath = opts.deckPath;
  }
}

/** A name as admin generates them: a letter, then 19 lowercase letters or digits. */
export function randomExecutionName(): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const alnum = `${letters}0123456789`;
  let s = letters[randomInt(letters.length)]!;
  for (let i = 1; i < 20; i++) s += alnum[randomInt(alnum.length)]!;
  return s;
}

type EagerTaskLike = Task & { readonly kind: "task" };

function isEagerTask(e: unknown): e is EagerTaskLike {
  const t = e as { kind?: unknown; metadata?: { isEager?: unknown }; dispatchExecute?: unknown } | null;
  return t?.kind === "task" && t.metadata?.isEager === true && typeof t.dispatchExecute === "function";
}

/**
 * The eager task `entity` runs: itself, or for the workflow `getAsWorkflow()` gives (one node calling the eager task,
 * failure node `efn`), that task. Anything else is a validation error naming it.
 */
export function eagerTaskOf(entity: Entity<any, any>): EagerTaskLike {
  if (isEagerTask(entity)) return entity;
  const wf = entity as unknown as {
    kind?: string;
    compile?: () => { nodes: { entity?: unknown }[]; failureNode?: { id: string } };
  };
  if (wf.kind === "workflow" && typeof wf.compile === "function") {
    const compiled = wf.compile();
    const only = compiled.nodes.length === 1 ? compiled.nodes[0]!.entity : undefined;
    if (isEagerTask(only) && compiled.failureNode?.id === "efn") return only;
  }
  throw new FlyteValidationError(
    `${String(entity.name)} is a ${entity.kind}, not an eager task (or the workflow getAsWorkflow() makes of one): only an eager body can run here while its calls run on the cluster`,
  );
}

const KIND = { 1: "task", 2: "workflow", 3: "launch plan" } as const;

/** The registered kind and name an execution of `entity` launches (a workflow's is its default launch plan). */
function launchKey(entity: Entity): string | undefined {
  const e = entity as Entity & { reference?: unknown; workflow?: { name: string } };
  if (e.reference !== undefined) return undefined;
  e.resolveName();
  if (e.kind === "task") return `1/${e.name}`;
  return `3/${e.name}`;
}

/** The backend of the eager runs in progress in this process, by async context. */
const localRuns = new AsyncLocalStorage<EagerBackend>();

/**
 * The backend the eager task finds: the one of the run whose body is running (runs in one process do not see each
 * other's); outside such a run there is none, as in a container with no cluster eager backend.
 */
const routingBackend: EagerBackend = {
  mode: "eager",
  create(run) {
    const b = localRuns.getStore();
    if (!b) {
      throw new FlyteValidationError(
        `${run.taskName}: running an eager task in a container needs a cluster eager backend (setClusterEagerBackend), and none is installed`,
      );
    }
    return b.create(run);
  },
};

/**
 * Runs an eager task's body in this process while each call it awaits runs on the cluster as an execution of its
 * own (at one version, with the eager labels, launched at the token bucket's rate and polled in batches). When the
 * body throws or `signal` fires, every child still running is terminated before this rejects. The decks, with the
 * "Eager Executions" table, are written to `deckPath`.
 *
 * @example
 * const remote = await connectRemote();
 * const r = await runEagerLocally(remote, pipeline, { values: ["1", "x"] }, { register: [parseInteger, double] });
 * console.log(r.outputs, r.deckPath);
 */
export async function runEagerLocally<I extends InputSpec, O extends OutputSpec>(
  remote: FlyteRemote,
  entity: Entity<I, O>,
  inputs: ValueInputs<I>,
  opts: EagerLocalOptions = {},
): Promise<EagerLocalResult<NativeOutputs<O>>> {
  const task = eagerTaskOf(entity as unknown as Entity);
  task.resolveName();
  const project = opts.project ?? remote.project;
  const domain = opts.domain ?? remote.domain;
  const name = opts.name ?? randomExecutionName();
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || name.endsWith("-"))
    throw new FlyteValidationError(
      `runEagerLocally: name ${JSON.stringify(name)} must be lowercase letters, digits and dashes, start with a letter, at most 63 characters`,
    );
  opts.signal?.throwIfAborted();
  const outer = currentState();
  const workingDirectory = mkdtempSync(join(tmpdir(), "flytekit-ts-eager-"));
  const rawOutputPrefix = join(workingDirectory, "raw");
  const data = localDataAt(rawOutputPrefix);
  // Bad inputs fail here, before anything is registered or launched.
  const literals: LiteralMap = task.interface.inputsToLiterals(inputs as Record<string, unknown>, data, task.name);

  const registerOpts = {
    project,
    domain,
    ...(opts.root === undefined ? {} : { root: opts.root }),
    ...(opts.image === undefined ? {} : { image: opts.image }),
  };
  const registered = new Set<string>();
  const note = (reg: { entities: readonly { kind: 1 | 2 | 3; name: string }[] }) => {
    for (const e of reg.entities) {
      if (!registered.has(`${e.kind}/${e.name}`)) opts.onRegister?.({ name: e.name, kind: KIND[e.kind] });
      registered.add(`${e.kind}/${e.name}`);
    }
  };
  const first = [...(opts.register ?? [task as unknown as Entity])] as Entity[];
  if (first.length === 0) first.push(task as unknown as Entity);
  const reg = await remote.register(first, { ...registerOpts, ...(opts.version ? { version: opts.version } : {}) });
  note(reg);
  const version = reg.version;
  // Entities first met in the body are registered one registration at a time: they share the bundle upload.
  const pending = new Map<string, Promise<void>>();
  let queue: Promise<unknown> = Promise.resolve();
  const prepare = (e: Entity): Promise<void> => {
    const key = launchKey(e);
    if (key === undefined || registered.has(key)) return Promise.resolve();
    let p = pending.get(key);
    if (!p) {
      p = queue.then(async () => {
        if (!registered.has(key)) note(await remote.register([e], { ...registerOpts, version }));
      });
      queue = p.catch(() => undefined);
      pending.set(key, p);
      // A failed registration is tried again by the next call of the entity.
      p.catch(() => pending.delete(key));
    }
    return p;
  };

  opts.onStart?.({ project, domain, version, name });
  const deckPath = opts.deckPath ?? join(workingDirectory, "deck.html");
  const abort = new AbortController();
  const onAbort = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const params = makeParams({
    localRoot: outer.localRoot,
    workingDirectory,
    local: true,
    executionId: { project, domain, name },
    taskId: { project, domain, name: task.name, version },
    rawOutputPrefix,
    enableDeck: true,
    signal: abort.signal,
  });
  const launchRate = process.env.FLYTE_EAGER_LAUNCH_RATE;
  let controller: RemoteEagerController | undefined;
  const backend: EagerBackend = {
    mode: "eager",
    create: (run) =>
      (controller = new RemoteEagerController(run, {
        remote,
        prepare,
        env: launchRate === undefined ? {} : { FLYTE_EAGER_LAUNCH_RATE: launchRate },
        ...(opts.launchRate === undefined ? {} : { launchRate: opts.launchRate }),
        ...(opts.poll === undefined ? {} : { poll: opts.poll }),
      })),
  };
  const writeDecks = (): readonly EagerCall[] => {
    mkdirSync(dirname(deckPath), { recursive: true });
    writeFileSync(deckPath, renderDecks(params.decks, params.secrets.readValues));
    return controller?.calls() ?? [];
  };
  setClusterEagerBackend(routingBackend);
  // Mode "task", as in a container: the eager task then asks for the cluster backend, which routes to this run's.
  const state: ContextState = { mode: "task", localRoot: outer.localRoot, params };
  let out: LiteralMap;
  try {
    out = await localRuns.run(backend, () => runInContext(state, () => task.dispatchExecute(literals, data)));
  } catch (e) {
    const calls = writeDecks();
    throw new EagerLocalRunError(`${task.name} (run ${name}) failed: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      runName: name,
      calls,
      deckPath,
    });
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
  const calls = writeDecks();
  const outputs = task.interface.literalsToOutputs(out, data, task.name) as NativeOutputs<O>;
  return { outputs, name, version, calls, deckPath };
}
