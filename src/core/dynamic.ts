/**
 * Dynamic tasks: a task whose body runs at execution time with native inputs while the calls inside it build a
 * workflow (node ids `dn0`, `dn1`...), so ordinary control flow over the inputs decides the graph's shape. Locally the
 * graph runs in-process; in a container it becomes a `DynamicJobSpec` (serialization).
 */
import { FlyteValidationError } from "../errors.js";
import type { Binding } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import { CompilationState, type NodeSpec } from "./compilation.js";
import { currentState, runInContext } from "./context.js";
import type { Callable, Entity } from "./entity.js";
import { makeCallable } from "./entity.js";
import { runGraph } from "./executor.js";
import { FunctionTask, type TaskFunction } from "./function-task.js";
import type { InputSpec, NativeInputs, OutputSpec } from "./interface.js";
import { localData } from "./local-data.js";
import { type LiteralResult, TASK_OPTION_NAMES, type TaskOptions } from "./task.js";
import { declarationSource } from "./task-decks.js";
import { bindOutputs, type WorkflowReturn, type WorkflowTuple } from "./workflow.js";

/** Options of a dynamic task: those of a task, plus entities to register alongside it. */
export interface DynamicOptions<I extends InputSpec, O extends OutputSpec> extends TaskOptions<I, O> {
  /**
   * Entities the body may call that nothing else references, so that registration includes them (the body only
   * runs at execution time). They do not change what runs.
   */
  nodeDependencyHints?: readonly Entity[];
}

/** The option names dynamic tasks accept. */
export const DYNAMIC_OPTION_NAMES: readonly string[] = [...TASK_OPTION_NAMES, "nodeDependencyHints"];

/**
 * The body of a dynamic task: native inputs in; calls inside it return references and add nodes; it returns values
 * or references shaped like the declared outputs. It may be async (e.g. to list files before fanning out).
 */
export type DynamicFunction<I extends InputSpec, O extends OutputSpec> = (
  inputs: NativeInputs<I>,
) => WorkflowReturn<O> | WorkflowTuple<O> | Promise<WorkflowReturn<O> | WorkflowTuple<O>>;

/** What a dynamic body compiles into: the nodes its calls created and the bindings of its outputs. */
export interface DynamicWorkflowSpec {
  /** The nodes, in call order, with ids `dn0`, `dn1`... */
  readonly nodes: readonly NodeSpec[];
  /** One binding per declared output. With no nodes they are all constants. */
  readonly outputs: readonly Binding[];
}

/** A DynamicJobSpec message (typed loosely: core does not depend on serialization). */
export interface DynamicJobSpecLike {
  readonly $typeName: "flyteidl.core.DynamicJobSpec";
}

let dynamicCompiler: ((spec: DynamicWorkflowSpec) => DynamicJobSpecLike | Promise<DynamicJobSpecLike>) | undefined;

/**
 * Registers how a dynamic graph becomes a `DynamicJobSpec` in a container. The entrypoint registers the serializer;
 * core does not import serialization itself.
 */
export function setDynamicCompiler(
  fn: (spec: DynamicWorkflowSpec) => DynamicJobSpecLike | Promise<DynamicJobSpecLike>,
): void {
  dynamicCompiler = fn;
}

/** A dynamic task (flytekit's `@dynamic`, a function task in execution mode `dynamic`). */
export class DynamicTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends FunctionTask<
  I,
  O
> {
  /** The body. */
  readonly body: DynamicFunction<I, O>;
  /** Entities registered alongside this task (see {@link DynamicOptions.nodeDependencyHints}). */
  readonly nodeDependencyHints: readonly Entity[];

  constructor(options: DynamicOptions<I, O>, body: DynamicFunction<I, O>) {
    super(options, body as unknown as TaskFunction<I, O>, "dynamic", DYNAMIC_OPTION_NAMES);
    this.body = body;
    const hints = options.nodeDependencyHints ?? [];
    if (!Array.isArray(hints) || hints.some((h) => !h || typeof (h as { invoke?: unknown }).invoke !== "function")) {
      throw new FlyteValidationError(
        `${this.name}: nodeDependencyHints must be an array of tasks, workflows or launch plans`,
      );
    }
    this.nodeDependencyHints = hints;
  }

  /**
   * Runs the body with native inputs (as the body receives them) in a compilation context with node id prefix `d`,
   * and returns the graph it built. This is what a container turns into a `DynamicJobSpec`.
   *
   * @example
   * const { nodes } = await fanout.compileIntoWorkflow({ n: 3 }); // nodes dn0, dn1, dn2
   */
  async compileIntoWorkflow(inputs: Record<string, unknown>): Promise<DynamicWorkflowSpec> {
    const comp = new CompilationState("d", localData());
    const result = await runInContext({ ...currentState(), mode: "compile", compilation: comp }, () =>
      this.body(inputs as NativeInputs<I>),
    );
    return { nodes: comp.nodes, outputs: bindOutputs(this.interface, result, comp, this.name) };
  }

  /**
   * Compiles the body and, in local modes, runs the resulting graph in-process; the outputs come back as a literal
   * map. In a container the graph must instead be handed to Flyte as a `DynamicJobSpec`.
   */
  override async execute(inputs: Record<string, unknown>): Promise<LiteralResult | DynamicJobSpecLike> {
    const mode = currentState().mode;
    const spec = await this.compileIntoWorkflow(inputs);
    if ((mode === "task" || mode === "dynamic" || mode === "eager") && spec.nodes.length > 0) {
      // In a container the graph goes to Flyte as a DynamicJobSpec (futures.pb). Zero nodes: plain outputs.pb.
      if (!dynamicCompiler) {
        throw new FlyteValidationError(
          `${this.name}: no dynamic job compiler is registered (the container entrypoint registers one)`,
        );
      }
      return dynamicCompiler(spec);
    }
    const literals = await runGraph(spec.nodes, spec.outputs, literalMap({}), this.name);
    return { literals };
  }

  /** A dynamic task only orchestrates: the tasks it runs take local slots, it does not hold one. */
  protected override get usesTaskSlot(): boolean {
    return false;
  }

  protected override sourceCode(): { code: string; language: string } {
    const code = declarationSource(this.identity.file, this.identity.exportName) ?? this.body.toString();
    return { code, language: "typescript" };
  }
}

/** A dynamic task as users hold it: callable, with the task's properties. */
export type DynamicHandle<I extends InputSpec, O extends OutputSpec> = DynamicTask<I, O> & Callable<I, O>;

/**
 * Declares a dynamic task: the body runs when the task runs, with the real input values, and the calls it makes
 * (tasks, workflows, launch plans, map tasks, other dynamic tasks) become the nodes of a workflow built for that
 * execution. Calls inside the body return references: pass them to other calls or return them, do not read them.
 *
 * @example
 * export const fanout = dynamic({ inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
 *   Array.from({ length: n }, (_, i) => add({ a: i, b: i })),
 * );
 * await fanout({ n: 3 }); // [0, 2, 4]
 */
export function dynamic<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: DynamicOptions<I, O>,
  body: DynamicFunction<I, O>,
): DynamicHandle<I, O> {
  return makeCallable<DynamicTask<I, O>, Callable<I, O>>(new DynamicTask(options, body));
}
