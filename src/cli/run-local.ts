/**
 * `tsflyte run` without `--remote`: runs the entity in this process with its progress on stderr (live on a terminal,
 * a line per node change otherwise), records the run in the run store, and prints the outputs (or, with `--json`,
 * one document with the outputs, the run and its nodes), then a summary of the nodes.
 */
import type { Entity } from "../core/entity.js";
import { observeRun, type RunObserver } from "../core/observer.js";
import { collectDecks, type WrittenDeck } from "../core/task-decks.js";
import { graphOf, graphOfNodes, type RunGraph } from "../ui/graph.js";
import { defaultRunsDir, type RunRecorder, RunStore, runsToKeep } from "../ui/store.js";
import type { CommandContext } from "./command.js";
import { formatJson, toJsonValue } from "./json.js";
import { formatDurationMs } from "./progress.js";
import { formatSummary, LocalProgress, type ProgressMode, type SummaryNode } from "./local-progress.js";

/** How a local run reports. */
export interface RunLocalOptions {
  /** The file the entity came from, as given. */
  readonly file: string;
  /** One JSON document on stdout: outputs, run, nodes. */
  readonly json: boolean;
  /** Only the outputs and errors. */
  readonly quiet: boolean;
  /** What the entity is, in words ("workflow", "launch plan"). */
  readonly kindLabel: string;
  /** Runs the call in a context of its own (e.g. another raw output prefix). */
  readonly around?: <T>(call: () => Promise<T>) => Promise<T>;
}

/** Runs `entity` locally on native inputs; resolves to the exit code, throws the run's error after reporting it. */
export async function runLocal(
  entity: Entity,
  inputs: Record<string, unknown>,
  opts: RunLocalOptions,
  ctx: CommandContext,
): Promise<number> {
  const mode: ProgressMode = opts.json || opts.quiet ? "quiet" : ctx.terminal ? "tty" : "lines";
  const title = `${opts.kindLabel} ${entity.name}`;
  if (mode !== "quiet") ctx.err(`Running ${title} locally\n`);
  const recorder = startRecording(entity, inputs, opts, ctx);
  const progress = new LocalProgress(title, {
    mode,
    write: ctx.err,
    ...(ctx.terminal ? { columns: ctx.terminal.columns, color: ctx.terminal.color } : {}),
  });
  const observer: RunObserver = {
    node: (e) => {
      progress.node(e);
      recorder?.node(e);
    },
    log: (e) => {
      progress.log(e);
      recorder?.log(e);
    },
  };
  const started = Date.now();
  // Every deck written, also those of tasks that are no node of the graph (map elements, eager calls).
  const decks: WrittenDeck[] = [];
  let outputs: unknown;
  let error: unknown;
  let failed = false;
  try {
    // A task alone has no graph: it is reported as the single node of its run.
    const asNode =
      entity.kind === "task" ? { id: "n0", name: entity.name, kind: "task" as const, retries: 0 } : undefined;
    outputs = await observeRun(
      observer,
      async () => {
        const call = () => entity.localCall(inputs);
        return (await collectDecks(() => (opts.around ? opts.around(call) : call()), decks)).result;
      },
      asNode,
    );
  } catch (e) {
    error = e;
    failed = true;
  }
  progress.stop();
  const jsonOutputs = failed ? null : toJsonValue(outputs);
  recorder?.finish(failed ? { error } : { outputs: jsonOutputs });
  const durationMs = Date.now() - started;
  const nodes: SummaryNode[] = [...progress.nodes.values()].map((n) => {
    const deck = recorder?.deckFile(n.path) ?? n.deckPath;
    return {
      path: n.path,
      name: n.name,
      phase: n.phase,
      ...(n.durationMs !== undefined ? { durationMs: n.durationMs } : {}),
      cacheHit: n.cacheHit,
      attempt: n.attempt,
      ...(deck !== undefined ? { deck } : {}),
      ...(n.error !== undefined ? { error: n.error } : {}),
    };
  });
  if (opts.json) {
    const doc = {
      outputs: jsonOutputs,
      run: {
        ...(recorder ? { id: recorder.id, dir: recorder.dir } : {}),
        entity: entity.name,
        kind: entity.kind,
        status: failed ? "failed" : "succeeded",
        durationMs,
        ...(failed ? { error: errorOf(error) } : {}),
      },
      nodes,
      decks,
    };
    ctx.out(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (mode !== "quiet") {
    const head = `${title[0]!.toUpperCase()}${title.slice(1)} ${failed ? "failed" : "succeeded"} in ${formatDurationMs(durationMs)}`;
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(n.phase, (counts.get(n.phase) ?? 0) + 1);
    const tally = [...counts].map(([p, c]) => `${c} ${p}`).join(", ");
    ctx.err(
      formatSummary(
        nodes.length ? `${head} (${nodes.length} node${nodes.length === 1 ? "" : "s"}: ${tally})` : head,
        nodes,
      ),
    );
    const shown = new Set([...progress.nodes.values()].map((n) => n.deckPath));
    const others = decks.filter((d) => !shown.has(d.path));
    if (others.length) {
      ctx.err(`Other decks (${others.length}):\n${others.map((d) => `  ${d.task}: ${d.path}`).join("\n")}\n`);
    }
    if (recorder) ctx.err(`Recorded as run ${recorder.id}; 'tsflyte ui' shows it\n`);
  }
  if (failed) throw error;
  if (!opts.json) ctx.out(`${formatJson(outputs)}\n`);
  return 0;
}

/** The entity's graph; a workflow that does not compile fails when it runs, and is recorded without a graph. */
function graphOrNone(entity: Entity): RunGraph {
  try {
    return graphOf(entity);
  } catch {
    return graphOfNodes([], new Set());
  }
}

function errorOf(e: unknown): { message: string; kind: string } {
  return e instanceof Error ? { message: e.message || e.name, kind: e.name } : { message: String(e), kind: "Error" };
}

/** Starts the run's record; a store that cannot be written only warns. */
function startRecording(
  entity: Entity,
  inputs: Record<string, unknown>,
  opts: RunLocalOptions,
  ctx: CommandContext,
): RunRecorder | undefined {
  try {
    const store = new RunStore(defaultRunsDir(), runsToKeep());
    return store.begin({
      entity: { name: entity.name, kind: entity.kind },
      file: opts.file,
      inputs: toJsonValue(inputs),
      graph: graphOrNone(entity),
    });
  } catch (e) {
    ctx.err(`warning: the run is not recorded: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
}
