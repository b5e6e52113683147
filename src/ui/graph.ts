/**
 * The graph of a run, taken from the compiled workflow (nodes, and edges from each node's upstream nodes, with a
 * `start` and an `end` node as the Flyte console draws them), and a layered layout of it for the UI: each node sits
 * one layer right of its deepest upstream node, and nodes in a layer are ordered by the mean position of their
 * upstream nodes, which keeps edges short without a layout library for graphs of the size workflows have.
 */
import type { BindingData } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { NodeSpec } from "../core/compilation.js";
import { LaunchPlan } from "../core/launch-plan.js";
import type { Runnable } from "../core/runnable.js";
import { Workflow } from "../core/workflow.js";

/** A node of a run's graph. */
export interface GraphNode {
  /** The node id (`n0`), or `start` / `end`. */
  readonly id: string;
  /** The entity it runs, the branch's name, or `start` / `end`. */
  readonly name: string;
  readonly kind: "task" | "workflow" | "launch-plan" | "branch" | "start" | "end";
}

/** A run's graph: nodes and `[from, to]` edges. */
export interface RunGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly (readonly [string, string])[];
}

/** Ids of the pseudo nodes. */
export const START = "start";
export const END = "end";

/**
 * The graph of what a run runs: a workflow's (or a launch plan's workflow's) compiled nodes, or a task as a single
 * node.
 *
 * @example
 * graphOf(pipeline).edges; // [["start", "n0"], ["n0", "n1"], ["n1", "end"]]
 */
export function graphOf(entity: Runnable): RunGraph {
  const wf = entity instanceof LaunchPlan ? entity.workflow : entity;
  if (!(wf instanceof Workflow)) {
    const id = "n0";
    return {
      nodes: [
        { id: START, name: START, kind: "start" },
        { id, name: entity.name, kind: entity.kind },
        { id: END, name: END, kind: "end" },
      ],
      edges: [
        [START, id],
        [id, END],
      ],
    };
  }
  const compiled = (wf as Workflow).compile();
  return graphOfNodes(compiled.nodes, outputNodes(compiled.outputs.map((b) => b.binding)));
}

/** The graph of compiled nodes; `outputsFrom` are the nodes the workflow's outputs come from. */
export function graphOfNodes(nodes: readonly NodeSpec[], outputsFrom: ReadonlySet<string>): RunGraph {
  const out: GraphNode[] = [{ id: START, name: START, kind: "start" }];
  const edges: [string, string][] = [];
  const ids = new Set(nodes.map((n) => n.id));
  const hasDownstream = new Set<string>();
  for (const n of nodes) {
    out.push(
      n.branch
        ? { id: n.id, name: n.branch.name, kind: "branch" }
        : { id: n.id, name: n.entity?.name ?? n.metadata.name, kind: n.entity?.kind ?? "task" },
    );
    const ups = n.upstream.filter((u) => ids.has(u));
    if (ups.length === 0) edges.push([START, n.id]);
    for (const u of ups) {
      edges.push([u, n.id]);
      hasDownstream.add(u);
    }
  }
  for (const n of nodes) if (outputsFrom.has(n.id) || !hasDownstream.has(n.id)) edges.push([n.id, END]);
  if (nodes.length === 0) edges.push([START, END]);
  out.push({ id: END, name: END, kind: "end" });
  return { nodes: out, edges };
}

/** The node ids output bindings point at. */
function outputNodes(bindings: readonly (BindingData | undefined)[]): Set<string> {
  const found = new Set<string>();
  const walk = (bd: BindingData | undefined): void => {
    const v = bd?.value;
    if (!v) return;
    if (v.case === "promise") {
      if (v.value.nodeId) found.add(v.value.nodeId);
    } else if (v.case === "collection") for (const b of v.value.bindings) walk(b);
    else if (v.case === "map") for (const b of Object.values(v.value.bindings)) walk(b);
  };
  for (const b of bindings) walk(b);
  return found;
}

/** Where each node of a graph sits: its layer (column) and its row in the layer. */
export interface GraphLayout {
  readonly positions: Readonly<Record<string, { readonly layer: number; readonly row: number }>>;
  readonly layers: number;
  readonly rows: number;
}

/**
 * A layered layout: layer = the longest path from a node without upstream nodes; rows ordered by the mean row of the
 * upstream nodes (one sweep), ties kept in graph order. Edges that would close a cycle are ignored.
 */
export function layoutGraph(graph: RunGraph): GraphLayout {
  const ups = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const [a, b] of graph.edges) if (ups.has(a) && ups.has(b)) ups.get(b)!.push(a);
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return -1;
    visiting.add(id);
    let l = 0;
    for (const u of ups.get(id) ?? []) l = Math.max(l, layerOf(u) + 1);
    visiting.delete(id);
    layer.set(id, l);
    return l;
  };
  for (const n of graph.nodes) layerOf(n.id);
  const byLayer: string[][] = [];
  for (const n of graph.nodes) (byLayer[layer.get(n.id)!] ??= []).push(n.id);
  const row = new Map<string, number>();
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  for (const ids of byLayer) {
    if (!ids) continue;
    const mean = (id: string): number => {
      const rs = (ups.get(id) ?? []).map((u) => row.get(u)).filter((r): r is number => r !== undefined);
      return rs.length ? rs.reduce((s, r) => s + r, 0) / rs.length : 0;
    };
    const sorted = [...ids].sort((a, b) => mean(a) - mean(b) || order.get(a)! - order.get(b)!);
    for (const [i, id] of sorted.entries()) row.set(id, i);
  }
  const positions: Record<string, { layer: number; row: number }> = {};
  for (const n of graph.nodes) {
    Object.defineProperty(positions, n.id, {
      value: { layer: layer.get(n.id)!, row: row.get(n.id)! },
      enumerable: true,
    });
  }
  return {
    positions,
    layers: byLayer.length,
    rows: Math.max(1, ...byLayer.map((l) => l?.length ?? 0)),
  };
}
