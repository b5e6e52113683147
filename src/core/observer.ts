/**
 * Observing local runs: the local graph runner reports each node's transitions (queued, running, succeeded, failed,
 * cached, skipped) with times, attempts, cache hits, deck paths, inputs and outputs, and the SDK logger reports its
 * records, to the observer a caller installs with `observeRun`. The observer follows the run through an
 * `AsyncLocalStorage` scope, so concurrent runs in one process each see only their own nodes. With no observer
 * installed the runner does no extra work.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";

/** Where a node stands: the phases the local runner reports. */
export type NodePhase = "queued" | "running" | "succeeded" | "failed" | "cached" | "skipped";

/** One transition of one node of a local run. */
export interface NodeEvent {
  /**
   * The node's path in the run: its id, after the paths of the nodes it runs inside, joined by `/` (`n1/n0` is node
   * `n0` of the subworkflow, dynamic or branch of top-level node `n1`).
   */
  readonly path: string;
  /** The node's id in its own graph (`n0`, `dn3`...). */
  readonly nodeId: string;
  /** The path of the node this one runs inside; undefined for a top-level node. */
  readonly parent: string | undefined;
  /** The entity the node runs (its Flyte name), or the branch's name for a branch node. */
  readonly name: string;
  /** What the node runs. */
  readonly kind: "task" | "workflow" | "launch-plan" | "branch";
  /** The new phase. */
  readonly phase: NodePhase;
  /** When the transition happened (milliseconds since the epoch). */
  readonly time: number;
  /** When the node started running; set once it has. */
  readonly startedAt?: number;
  /** How long the node ran, for `succeeded`, `failed` and `cached`. */
  readonly durationMs?: number;
  /** The attempt (1 for the first run, 2 after one retry...). */
  readonly attempt: number;
  /** How many retries the node allows after a recoverable failure. */
  readonly retries: number;
  /** Whether the outputs came from the local cache (then `phase` is `cached`). */
  readonly cacheHit: boolean;
  /** The `deck.html` the task wrote, when it renders decks. */
  readonly deckPath?: string;
  /** The failure, for `failed` (and for `running` after a failed attempt that is retried). */
  readonly error?: { readonly message: string; readonly kind: string };
  /** The node's input literals, once resolved (from `running` on). */
  readonly inputs?: LiteralMap;
  /** The node's output literals, for `succeeded` and `cached`. */
  readonly outputs?: LiteralMap;
}

/** A record of the SDK logger, written while a node (or the run outside any node) was running. */
export interface LogEvent {
  /** The path of the node that logged, or undefined outside nodes. */
  readonly path: string | undefined;
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  /** The whole record, as the logger writes it (one JSON line). */
  readonly line: string;
  readonly time: number;
  /** Whether the record is also written to stderr (its level is at least the logger's level), right after. */
  readonly printed: boolean;
}

/**
 * Receives a local run's events. Both methods are optional; they run synchronously inside the run, so they must be
 * quick. An observer that throws is reported once on stderr and never fails the run.
 *
 * @example
 * const events: NodeEvent[] = [];
 * await observeRun({ node: (e) => events.push(e) }, () => pipeline({ a: 1 }));
 */
export interface RunObserver {
  /** A node changed phase. */
  node?(event: NodeEvent): void;
  /** The SDK logger wrote a record (whatever the log level lets through to stderr, every level is reported). */
  log?(event: LogEvent): void;
}

/** What a running node notes while it runs, reported with its next event. */
interface NodeRecord {
  readonly path: string;
  readonly nodeId: string;
  readonly parent: string | undefined;
  readonly name: string;
  readonly kind: NodeEvent["kind"];
  readonly retries: number;
  startedAt?: number;
  attempt: number;
  cacheHit: boolean;
  deckPath?: string;
  inputs?: LiteralMap;
}

interface Scope {
  readonly observer: RunObserver;
  /** The node whose body is running, or undefined at the top of the run. */
  readonly node: NodeRecord | undefined;
}

const scopes = new AsyncLocalStorage<Scope>();
const broken = new WeakSet<RunObserver>();

/**
 * Runs `fn` with `observer` receiving the events of every local node run inside it (nested workflows, dynamic
 * bodies and branches included), and the SDK logger's records. With `asNode`, the run itself is reported as a node
 * of that id too (for a task run on its own, which has no graph).
 *
 * @example
 * const out = await observeRun({ node: (e) => console.error(e.path, e.phase) }, () => wf({ x: 1 }));
 */
export function observeRun<R>(observer: RunObserver, fn: () => Promise<R>, asNode?: ObservedNode): Promise<R> {
  const scope: Scope = { observer, node: undefined };
  return scopes.run(scope, () => {
    if (!asNode) return fn();
    const reporter = new GraphReporter(scope);
    reporter.queued(asNode);
    return reporter.run(asNode.id, fn);
  });
}

function call(observer: RunObserver, f: () => void): void {
  try {
    f();
  } catch (e) {
    if (broken.has(observer)) return;
    broken.add(observer);
    process.stderr.write(`warning: a run observer failed and is ignored from now on: ${String(e)}\n`);
  }
}

/** The description of a node an observer is told about, before it runs. */
export interface ObservedNode {
  readonly id: string;
  readonly name: string;
  readonly kind: NodeEvent["kind"];
  readonly retries: number;
}

/**
 * The node reporting of one graph: undefined when nobody observes the run, so the runner skips the work. Used by the
 * local graph runner.
 */
export function graphReporter(): GraphReporter | undefined {
  const scope = scopes.getStore();
  return scope ? new GraphReporter(scope) : undefined;
}

/** Reports the nodes of one graph being run locally. */
export class GraphReporter {
  private readonly scope: Scope;
  private readonly records = new Map<string, NodeRecord>();
  constructor(scope: Scope) {
    this.scope = scope;
  }

  /** A node of the graph is known and waits for its upstream nodes. */
  queued(node: ObservedNode): void {
    const parent = this.scope.node?.path;
    const r: NodeRecord = {
      path: parent === undefined ? node.id : `${parent}/${node.id}`,
      nodeId: node.id,
      parent,
      name: node.name,
      kind: node.kind,
      retries: node.retries,
      attempt: 1,
      cacheHit: false,
    };
    this.records.set(node.id, r);
    emit(this.scope.observer, r, "queued");
  }

  /** Runs a node's body, reporting `running` first, then `succeeded`, `cached` or `failed`. */
  async run<R>(id: string, body: () => Promise<R>): Promise<R> {
    const r = this.records.get(id);
    if (!r) return body();
    r.startedAt = Date.now();
    emit(this.scope.observer, r, "running");
    try {
      const outputs = await scopes.run({ observer: this.scope.observer, node: r }, body);
      emit(this.scope.observer, r, r.cacheHit ? "cached" : "succeeded", {
        ...(isLiteralMap(outputs) ? { outputs } : {}),
        durationMs: Date.now() - r.startedAt,
      });
      return outputs;
    } catch (e) {
      emit(this.scope.observer, r, "failed", { error: describe(e), durationMs: Date.now() - r.startedAt });
      throw e;
    }
  }

  /** A node will not run: an upstream node failed (or the run was cut short). */
  skipped(id: string): void {
    const r = this.records.get(id);
    if (r) emit(this.scope.observer, r, "skipped");
  }
}

function emit(observer: RunObserver, r: NodeRecord, phase: NodePhase, extra: Partial<NodeEvent> = {}): void {
  if (!observer.node) return;
  const event: NodeEvent = {
    path: r.path,
    nodeId: r.nodeId,
    parent: r.parent,
    name: r.name,
    kind: r.kind,
    phase,
    time: Date.now(),
    ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
    attempt: r.attempt,
    retries: r.retries,
    cacheHit: r.cacheHit,
    ...(r.deckPath !== undefined ? { deckPath: r.deckPath } : {}),
    ...(r.inputs !== undefined ? { inputs: r.inputs } : {}),
    ...extra,
  };
  call(observer, () => observer.node!(event));
}

function isLiteralMap(v: unknown): v is LiteralMap {
  return (v as { $typeName?: string } | null)?.$typeName === "flyteidl.core.LiteralMap";
}

function describe(e: unknown): { message: string; kind: string } {
  if (e instanceof Error) return { message: e.message || e.name, kind: e.name };
  return { message: String(e), kind: "Error" };
}

/** The node whose body runs here, or undefined. */
function currentRecord(): { scope: Scope; node: NodeRecord } | undefined {
  const scope = scopes.getStore();
  return scope?.node ? { scope, node: scope.node } : undefined;
}

/** Notes the running node's resolved inputs (reported with its later events). */
export function noteNodeInputs(inputs: LiteralMap): void {
  const c = currentRecord();
  if (c && c.node.inputs === undefined) c.node.inputs = inputs;
}

/** Notes that the running node's outputs came from the local cache. */
export function noteCacheHit(): void {
  const c = currentRecord();
  if (c) c.node.cacheHit = true;
}

/** Notes the `deck.html` the running node's task wrote. */
export function noteDeck(path: string): void {
  const c = currentRecord();
  if (c) c.node.deckPath = path;
}

/** Notes a failed attempt that will be retried: reports `running` again with the next attempt and the error. */
export function noteRetry(error: unknown): void {
  const c = currentRecord();
  if (!c) return;
  c.node.attempt++;
  emit(c.scope.observer, c.node, "running", { error: describe(error) });
}

/** Reports a logger record to the run's observer, if any. Used by the SDK logger. */
export function reportLog(level: LogEvent["level"], message: string, line: string, printed: boolean): void {
  const scope = scopes.getStore();
  const observer = scope?.observer;
  if (!observer?.log) return;
  const event: LogEvent = { path: scope?.node?.path, level, message, line, time: Date.now(), printed };
  call(observer, () => observer.log!(event));
}

/** Whether the current run's observer takes logger records (the logger then formats records below its level too). */
export function hasLogObserver(): boolean {
  return scopes.getStore()?.observer.log !== undefined;
}
