/**
 * Eager tasks ("eager workflows"): an async body that awaits real values. Every task, workflow, launch plan, dynamic
 * task, map task or eager task it calls goes to the execution's controller: in-process locally (bounded by
 * `FLYTE_EAGER_CONCURRENCY`), one execution per call on a cluster.
 */
import { escapeHtml, Deck } from "../../deck/deck.js";
import { cellHtml } from "../../deck/table.js";
import { FlyteValidationError } from "../../errors.js";
import { parseDuration } from "../../types/duration.js";
import { currentState, runInContext } from "../context.js";
import { type Callable, makeCallable } from "../entity.js";
import { FunctionTask, type TaskFunction } from "../function-task.js";
import type { InputSpec, NativeInputs, OutputSpec, ReturnedOutputs, ReturnedTuple } from "../interface.js";
import type { TaskMetadata, TaskOptions } from "../task.js";
import { Workflow, type WorkflowHandle, type WorkflowInputs } from "../workflow.js";
import { type EagerCall, eagerBackendFor } from "./controller.js";
import { EagerFailureHandlerTask } from "./failure-handler.js";

/** The body of an eager task: native inputs in, a Promise of the outputs back; calls inside it are awaited. */
export type EagerFunction<I extends InputSpec, O extends OutputSpec> = (
  inputs: NativeInputs<I>,
) => Promise<ReturnedOutputs<O> | ReturnedTuple<O>>;

/** The workflow registered for an eager task: its failure node has flytekit's reserved id `efn`. */
class EagerWrapperWorkflow<I extends InputSpec, O extends OutputSpec> extends Workflow<I, O> {
  protected override get failureNodeId(): string {
    return "efn";
  }
}

/** An eager task: a function task in execution mode `eager`, with `isEager` metadata and decks on. */
export class EagerTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends FunctionTask<I, O> {
  private wrapper: WorkflowHandle<I, O> | undefined = undefined;

  constructor(options: TaskOptions<I, O>, fn: EagerFunction<I, O>) {
    super({ ...options, enableDeck: true }, fn as TaskFunction<I, O>, "eager");
  }

  protected override fixedMetadata(): Partial<TaskMetadata> {
    return { isEager: true };
  }

  /** An eager task only waits on its children, which take the local slots: it does not hold one. */
  protected override get usesTaskSlot(): boolean {
    return false;
  }

  /**
   * Runs the body with a controller for its calls: in-process in local modes, through the cluster backend in a
   * container. When the body fails, calls still running are cancelled. The calls are listed in an
   * "Eager Executions" deck.
   */
  override async execute(inputs: Record<string, unknown>): Promise<unknown> {
    const state = currentState();
    const backend = eagerBackendFor(state.mode, this.name);
    const controller = backend.create({ taskName: this.name, params: state.params, signal: state.params.signal });
    const params = state.params;
    // The calls deck renders the calls as they are whenever the page is written, and is published while the body
    // runs, so the console shows progress (propeller gives a running node its deck URI).
    let publisher: ReturnType<typeof setInterval> | undefined;
    if (params.enableDeck) {
      params.decks.push(new CallsDeck(() => controller.calls()));
      const every = state.mode === "task" ? eagerDeckInterval() : 0;
      if (every > 0) {
        publisher = setInterval(() => void params.publishDecks(), every);
        publisher.unref();
      }
    }
    let failed = false;
    let error: unknown;
    try {
      return await runInContext({ ...state, mode: backend.mode, controller, compilation: undefined }, () =>
        this.fn(inputs as NativeInputs<I>),
      );
    } catch (e) {
      failed = true;
      error = e;
      throw e;
    } finally {
      if (publisher) clearInterval(publisher);
      await controller.close(failed ? { error: error ?? new Error("the eager body failed") } : {});
    }
  }

  /**
   * The workflow registered for this eager task, as flytekit does: the same inputs and outputs, one node `n0` calling
   * the task, and a failure node `efn` running an {@link EagerFailureHandlerTask} named `<name>-cleanup`, which
   * terminates child executions left running when the eager execution fails on a cluster.
   */
  getAsWorkflow(): WorkflowHandle<I, O> {
    if (this.wrapper) return this.wrapper;
    const cleanup = new EagerFailureHandlerTask({ eagerTask: this });
    const wf = new EagerWrapperWorkflow<I, O>(
      { inputs: this.options.inputs, outputs: this.options.outputs, onFailure: cleanup },
      (inputs: WorkflowInputs<I>) => this.invoke(inputs as Record<string, unknown>),
    );
    wf.identity = this.identity;
    this.wrapper = makeCallable<Workflow<I, O>, Callable<I, O>>(wf);
    return this.wrapper;
  }
}

/** How often a running eager task publishes its decks: `FLYTE_EAGER_DECK_INTERVAL` (a duration; `0` never), 10 s. */
function eagerDeckInterval(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.FLYTE_EAGER_DECK_INTERVAL;
  if (v === undefined || v === "") return 10_000;
  try {
    return parseDuration(v);
  } catch (e) {
    throw new FlyteValidationError(`FLYTE_EAGER_DECK_INTERVAL: ${(e as Error).message}`);
  }
}

/** The "Eager Executions" deck: the calls of an eager body, rendered when the page is. */
class CallsDeck extends Deck {
  readonly #calls: () => readonly EagerCall[];
  constructor(calls: () => readonly EagerCall[]) {
    super("Eager Executions");
    this.#calls = calls;
  }
  override get html(): string {
    return callsHtml(this.#calls());
  }
}

function callsHtml(calls: readonly EagerCall[]): string {
  const rows = calls
    .map((c) => {
      const ms = c.startedAt !== undefined && c.endedAt !== undefined ? c.endedAt - c.startedAt : null;
      const exec = c.executionName ?? "";
      const link =
        c.url && /^https?:\/\//.test(c.url)
          ? `<td><a href="${escapeHtml(c.url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(exec || c.url)}</a></td>`
          : cellHtml(exec);
      const cells = [c.entityName, c.index, c.inputsSummary ?? "", c.status, ms].map(cellHtml).join("");
      return `<tr>${cells}${link}${cellHtml(c.error ?? "")}</tr>`;
    })
    .join("");
  const summary = `<p class="note">${calls.length} call${calls.length === 1 ? "" : "s"}: ${(
    ["succeeded", "failed", "cancelled", "running", "queued"] as const
  )
    .filter((s) => calls.some((c) => c.status === s))
    .map((s) => `${calls.filter((c) => c.status === s).length} ${s}`)
    .join(", ")}.</p>`;
  return `${summary}<table><thead><tr><th>entity</th><th>call</th><th>inputs</th><th>status</th><th>ms</th><th>execution</th><th>error</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** An eager task as users hold it: callable, with the task's properties. */
export type EagerHandle<I extends InputSpec, O extends OutputSpec> = EagerTask<I, O> & Callable<I, O>;

/**
 * Declares an eager task (an "eager workflow"): an async body that awaits the real outputs of the tasks, workflows,
 * launch plans, dynamic, map and eager tasks it calls, so plain `if`, loops, `try`/`catch` and `Promise.all` shape
 * the run. Locally the calls run in-process, at most `FLYTE_EAGER_CONCURRENCY` (default 32) at a time.
 *
 * @example
 * export const agent = eager({ inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
 *   const xs = await Promise.all(Array.from({ length: n }, (_, i) => add({ a: i, b: 1 })));
 *   return xs.reduce((s, x) => s + x, 0);
 * });
 */
export function eager<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: TaskOptions<I, O>,
  fn: EagerFunction<I, O>,
): EagerHandle<I, O> {
  if (typeof fn !== "function") {
    throw new FlyteValidationError(`${options?.name ?? "eager"}: an eager task needs an async function`);
  }
  return makeCallable<EagerTask<I, O>, Callable<I, O>>(new EagerTask(options, fn));
}
