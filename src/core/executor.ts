/**
 * The local graph runner: runs a compiled workflow's nodes as soon as their upstream nodes finish (independent nodes
 * run concurrently; tasks take a bounded number of local slots), passing data between nodes as literals and
 * resolving attribute paths the way propeller does. A failure stops the graph at once, or, under the execution's
 * `after-executable-nodes-complete` policy, only the nodes downstream of the failed one.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { FlyteRecoverableError, FlyteUserError, FlyteValidationError } from "../errors.js";
import type { Binding, BindingData, Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import {
  binaryLiteral,
  booleanLiteral,
  collectionLiteral,
  floatLiteral,
  integerLiteral,
  literalMap,
  mapLiteral,
  scalarLiteral,
  scalarOf,
  stringLiteral,
} from "../idl/literals.js";
import type { OutputReference } from "../idl/gen/flyteidl/core/types_pb.js";
import { formatDuration } from "../types/duration.js";
import { setKey } from "../types/keys.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat } from "../types/msgpack.js";
import type { NodeSpec } from "./compilation.js";
import { evaluateCondition } from "./condition.js";
import { currentState, runInContext } from "./context.js";
import { type GraphReporter, graphReporter, type ObservedNode, noteNodeInputs, noteRetry } from "./observer.js";
import { localNodeEntity } from "./overrides.js";

type Results = Map<string, LiteralMap>;

/**
 * What a graph does when one of its nodes fails: `immediate` starts no other node and fails at once;
 * `after-executable-nodes-complete` keeps running every node that does not depend on a failed one and fails, with the
 * first failure's error, when none is left to run.
 */
export type FailurePolicy = "immediate" | "after-executable-nodes-complete";

/**
 * The failure policy of the execution being run. Propeller reads it from the launched workflow alone: subworkflows
 * and dynamic workflows inside it follow it whatever their own is, and a launch plan node, a new execution, follows
 * its workflow's. Undefined outside an execution.
 */
const executionPolicy = new AsyncLocalStorage<FailurePolicy | undefined>();

/** The failure policy of the execution `fn` runs in (undefined: none yet, the next workflow run sets its own). */
export function withFailurePolicy<T>(policy: FailurePolicy | undefined, fn: () => T): T {
  return executionPolicy.run(policy, fn);
}

/** The failure policy of the current execution, if one has been set. */
export function currentFailurePolicy(): FailurePolicy | undefined {
  return executionPolicy.getStore();
}

/** Runs nodes and resolves the output bindings. `inputs` are the workflow inputs (node `""`). */
export async function runGraph(
  nodes: readonly NodeSpec[],
  outputs: readonly Binding[],
  inputs: LiteralMap,
  owner: string,
): Promise<LiteralMap> {
  const results: Results = new Map([["", inputs]]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // A node's outputs are dropped once every node downstream of it has run (a node reads only its upstream nodes'
  // outputs), unless the workflow's outputs read them: a long chain holds a few results at a time, not all of them.
  const consumers = new Map<string, number>();
  for (const node of nodes) for (const id of new Set(node.upstream)) consumers.set(id, (consumers.get(id) ?? 0) + 1);
  const kept = new Set<string>([""]);
  for (const b of outputs) if (b.binding) referencedNodes(b.binding, kept);
  const release = (node: NodeSpec): void => {
    for (const id of new Set(node.upstream)) {
      const left = consumers.get(id)! - 1;
      consumers.set(id, left);
      if (left === 0 && !kept.has(id)) results.delete(id);
    }
  };
  // Check the graph first (unknown upstream nodes, cycles) and order it: `after` may point at a later node.
  const order: NodeSpec[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const reporter = graphReporter();
  if (reporter) for (const node of nodes) reporter.queued(observedNode(node));
  const visit = (node: NodeSpec): void => {
    if (placed.has(node.id)) return;
    if (visiting.has(node.id))
      throw new FlyteValidationError(`${owner}: node ${node.id} depends on itself through ${[...visiting].join(", ")}`);
    visiting.add(node.id);
    for (const id of node.upstream) {
      const up = byId.get(id);
      if (!up) throw new FlyteValidationError(`${owner}: node ${node.id} depends on unknown node ${id}`);
      visit(up);
    }
    visiting.delete(node.id);
    placed.add(node.id);
    order.push(node);
  };
  for (const node of nodes) visit(node);
  await runInOrder(order, results, release, reporter, currentFailurePolicy() ?? "immediate");
  const out: Record<string, Literal> = {};
  for (const b of outputs) out[b.var] = resolveBinding(b.binding!, results);
  return literalMap(out);
}

/** What an observer is told of a node before it runs. */
function observedNode(node: NodeSpec): ObservedNode {
  if (node.branch) return { id: node.id, name: node.branch.name, kind: "branch", retries: 0 };
  return {
    id: node.id,
    name: node.entity?.name ?? node.metadata.name,
    kind: node.entity?.kind ?? "task",
    retries: node.metadata.retries ?? 0,
  };
}

/**
 * How many nodes of one graph are in flight at once. Tasks also wait for a local task slot; starting every ready node
 * at once would hold a suspended call (its inputs, its promises) per node of a 10^5-node fan-out while they wait.
 */
function graphConcurrency(): number {
  return Math.max(64, 4 * (Number(process.env.FLYTE_LOCAL_CONCURRENCY ?? "16") || 16));
}

/**
 * Runs `order` (every node after its upstream nodes) as a dataflow: a node starts once its upstream nodes have
 * finished, at most {@link graphConcurrency} at a time. Under `immediate`, the first failure stops new nodes from
 * starting (the observer hears they were skipped) and rejects, carrying the node id; nodes already running finish on
 * their own. Under `after-executable-nodes-complete`, only the nodes downstream of a failed node are skipped; the
 * others run, and once none is left the first failure rejects.
 */
function runInOrder(
  order: readonly NodeSpec[],
  results: Results,
  release: (node: NodeSpec) => void,
  reporter: GraphReporter | undefined,
  policy: FailurePolicy,
): Promise<void> {
  const waiting = new Map<string, number>();
  const dependents = new Map<string, NodeSpec[]>();
  const ready: NodeSpec[] = [];
  for (const node of order) {
    const ups = new Set(node.upstream);
    waiting.set(node.id, ups.size);
    for (const id of ups) {
      const list = dependents.get(id);
      if (list) list.push(node);
      else dependents.set(id, [node]);
    }
    if (ups.size === 0) ready.push(node);
  }
  const limit = graphConcurrency();
  const keepGoing = policy === "after-executable-nodes-complete";
  return new Promise<void>((resolve, reject) => {
    let head = 0;
    let inFlight = 0;
    // Nodes that will not run again: succeeded, failed, or skipped behind a failed node.
    let done = 0;
    let failure: { error: unknown } | undefined;
    let settled = false;
    const started = new Set<string>();
    const skipped = new Set<string>();
    const succeed = (node: NodeSpec): void => {
      inFlight--;
      done++;
      release(node);
      for (const d of dependents.get(node.id) ?? []) {
        const left = waiting.get(d.id)! - 1;
        waiting.set(d.id, left);
        if (left === 0) ready.push(d);
      }
      pump();
    };
    // Every node downstream of a failed one never runs: it waits for outputs that will not come.
    const skipDownstream = (failed: NodeSpec): void => {
      const stack = [failed];
      while (stack.length) {
        for (const d of dependents.get(stack.pop()!.id) ?? []) {
          if (skipped.has(d.id)) continue;
          skipped.add(d.id);
          done++;
          release(d);
          reporter?.skipped(d.id);
          stack.push(d);
        }
      }
    };
    const fail = (node: NodeSpec, e: unknown): void => {
      inFlight--;
      if (settled) return;
      if (e !== null && typeof e === "object" && !("nodeId" in e))
        Object.defineProperty(e, "nodeId", { value: node.id });
      if (!failure) failure = { error: e };
      else
        currentState().params.logger.warn(`node ${node.id} failed too; the first failure is reported`, {
          error: e instanceof Error ? e.message : String(e),
        });
      if (!keepGoing) {
        settled = true;
        if (reporter) for (const n of order) if (!started.has(n.id)) reporter.skipped(n.id);
        reject(e);
        return;
      }
      done++;
      release(node);
      skipDownstream(node);
      pump();
    };
    const pump = (): void => {
      while (!settled && inFlight < limit && head < ready.length) {
        const node = ready[head]!;
        ready[head++] = undefined as never;
        inFlight++;
        started.add(node.id);
        const run = () => runNode(node, results);
        (reporter ? reporter.run(node.id, run) : run()).then(
          (out) => {
            results.set(node.id, out);
            succeed(node);
          },
          (e: unknown) => fail(node, e),
        );
      }
      if (settled || inFlight > 0 || done < order.length) return;
      settled = true;
      if (failure) reject(failure.error);
      else resolve();
    };
    pump();
  });
}

async function runNode(node: NodeSpec, results: Results): Promise<LiteralMap> {
  if (node.branch) {
    for (const c of node.branch.cases) {
      if (c.condition && !evaluateCondition(c.condition, (ref) => resolveReference(ref, results))) continue;
      if (c.error !== undefined) throw new FlyteUserError(`${node.branch.name}: ${c.error}`);
      if (!c.node) return literalMap({});
      return runNode(c.node, results);
    }
    throw new FlyteUserError(`${node.branch.name}: no branch matched and there is no else`);
  }
  const inputs: Record<string, Literal> = {};
  for (const b of node.bindings) inputs[b.var] = resolveBinding(b.binding!, results);
  noteNodeInputs(literalMap(inputs));
  const entity = localNodeEntity(node);
  return runWithNodePolicy(node, () => entity.executeLiterals(literalMap(inputs)));
}

/** Whether an error (or an error it wraps) asks Flyte for a retry. */
function isRecoverable(e: unknown): boolean {
  for (let c = e, i = 0; c instanceof Error && i < 16; c = c.cause, i++)
    if (c instanceof FlyteRecoverableError) return true;
  return false;
}

/**
 * Runs a node as a cluster would with its metadata: up to `retries` more attempts after a recoverable failure, and
 * each attempt limited to `timeoutMs` (the attempt's abort signal fires, and the attempt fails as recoverable).
 */
async function runWithNodePolicy(node: NodeSpec, run: () => Promise<LiteralMap>): Promise<LiteralMap> {
  const { retries = 0, timeoutMs } = node.metadata;
  for (let attempt = 0; ; attempt++) {
    try {
      return timeoutMs ? await withTimeout(node, timeoutMs, run) : await run();
    } catch (e) {
      if (attempt >= retries || !isRecoverable(e)) throw e;
      noteRetry(e);
      currentState().params.logger.warn(`node ${node.id} failed with a recoverable error; retrying`, {
        attempt: attempt + 1,
        retries,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}

async function withTimeout(node: NodeSpec, ms: number, run: () => Promise<LiteralMap>): Promise<LiteralMap> {
  const state = currentState();
  const controller = new AbortController();
  const signal = AbortSignal.any([state.params.signal, controller.signal]);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new FlyteRecoverableError(
        `node ${node.id} (${node.metadata.name}) timed out after ${formatDuration(ms)}`,
      );
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([runInContext({ ...state, params: { ...state.params, signal } }, run), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds the ids of the nodes whose outputs `bd` reads to `out`. */
function referencedNodes(bd: BindingData, out: Set<string>): void {
  const v = bd.value;
  if (v.case === "promise") out.add(v.value.nodeId);
  else if (v.case === "collection") for (const b of v.value.bindings) referencedNodes(b, out);
  else if (v.case === "map") for (const b of Object.values(v.value.bindings)) referencedNodes(b, out);
}

/** Turns binding data into a literal using the results of finished nodes. */
export function resolveBinding(bd: BindingData, results: Results): Literal {
  const v = bd.value;
  switch (v.case) {
    case "scalar":
      return scalarLiteral(v.value.value);
    case "collection":
      return collectionLiteral(v.value.bindings.map((b) => resolveBinding(b, results)));
    case "map": {
      const out: Record<string, Literal> = {};
      for (const [k, b] of Object.entries(v.value.bindings)) setKey(out, k, resolveBinding(b, results));
      return mapLiteral(out);
    }
    case "promise":
      return resolveReference(v.value, results);
    default:
      throw new FlyteValidationError(`cannot resolve binding of kind ${v.case ?? "unset"}`);
  }
}

/** The literal an output reference points at, with its attribute path applied. */
export function resolveReference(ref: OutputReference, results: Results): Literal {
  const lm = results.get(ref.nodeId);
  if (!lm) throw new FlyteValidationError(`node ${ref.nodeId} has not produced outputs`);
  const lit = lm.literals[ref.var];
  if (!lit) throw new FlyteValidationError(`node ${ref.nodeId || "(workflow inputs)"} has no output ${ref.var}`);
  return applyAttrPath(
    lit,
    ref.attrPath.map((a) => a.value.value!),
  );
}

/** Applies an attribute path to a literal, as propeller resolves `o.a[0].b` bindings. */
export function applyAttrPath(lit: Literal, path: readonly (string | number)[]): Literal {
  let cur = lit;
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (cur.value.case === "collection" && typeof p === "number") {
      const next = cur.value.value.literals[p];
      if (!next) throw new FlyteUserError(`index ${p} is out of range (length ${cur.value.value.literals.length})`);
      cur = next;
      continue;
    }
    if (cur.value.case === "map" && typeof p === "string") {
      const next = cur.value.value.literals[p];
      if (!next) throw new FlyteUserError(`key ${JSON.stringify(p)} is missing`);
      cur = next;
      continue;
    }
    const s = scalarOf(cur);
    if (s?.value.case === "binary" && s.value.value.tag === "msgpack") {
      return msgpackValueToLiteral(walk(decodeMsgpack(s.value.value.value, { floatWrapper: true }), path.slice(i)));
    }
    if (s?.value.case === "generic") return jsonValueToLiteral(walk(s.value.value, path.slice(i)));
    throw new FlyteUserError(`cannot access ${JSON.stringify(p)} on this literal`);
  }
  return cur;
}

function walk(value: unknown, path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const p of path) {
    if (cur instanceof Map) cur = cur.get(p);
    else if (Array.isArray(cur) && typeof p === "number") cur = cur[p];
    else if (cur !== null && typeof cur === "object" && Object.hasOwn(cur, p))
      cur = (cur as Record<string, unknown>)[p as string];
    else throw new FlyteUserError(`attribute ${JSON.stringify(p)} does not exist`);
  }
  return cur;
}

function msgpackValueToLiteral(v: unknown): Literal {
  if (v instanceof MsgpackFloat) return floatLiteral(v.value);
  if (typeof v === "number") return Number.isInteger(v) ? integerLiteral(BigInt(v)) : floatLiteral(v);
  if (typeof v === "bigint") return integerLiteral(v);
  if (typeof v === "string") return stringLiteral(v);
  if (typeof v === "boolean") return booleanLiteral(v);
  if (Array.isArray(v)) return collectionLiteral(v.map((x) => binaryLiteral(encodeMsgpack(x), "msgpack")));
  return binaryLiteral(encodeMsgpack(v), "msgpack");
}

function jsonValueToLiteral(v: unknown): Literal {
  if (typeof v === "number") return floatLiteral(v);
  if (typeof v === "string") return stringLiteral(v);
  if (typeof v === "boolean") return booleanLiteral(v);
  if (Array.isArray(v)) return collectionLiteral(v.map(jsonValueToLiteral));
  return scalarLiteral({ case: "generic", value: v as never });
}
