/**
 * Workflows: a synchronous body that calls tasks, workflows and launch plans with references, compiled into nodes
 * and bindings with flytekit's rules, and run locally with data passed between nodes as literals.
 */
import { describeValue, FlyteTypeError, FlyteValidationError } from "../errors.js";
import type { Binding, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { StrType } from "../types/primitives.js";
import type { AnyType, Infer } from "../types/type.js";
import { OptionalType } from "../types/union.js";
import { binding, bindingData, CompilationState, type NodeSpec } from "./compilation.js";
import { currentState, runInContext } from "./context.js";
import { type Bindable, type Callable, Entity, makeCallable } from "./entity.js";
import { type Docs, type ResolvedDocs, resolveDocs } from "./docs.js";
import { currentFailurePolicy, type FailurePolicy, runGraph, withFailurePolicy } from "./executor.js";
import { type InputSpec, Interface, type OutputSpec } from "./interface.js";
import { localData } from "./local-data.js";
import { newIdentity } from "./naming.js";
import { isRef, makeRef, nodeOf, type Ref } from "./promise.js";

/** Refs to the workflow's inputs, as its body receives them. */
export type WorkflowInputs<I extends InputSpec> = { [K in keyof I]: Ref<Infer<I[K]>> };

/** What a workflow body returns: values or references shaped like the declared outputs. */
export type WorkflowReturn<O extends OutputSpec> = O extends undefined
  ? // biome-ignore lint/suspicious/noConfusingVoidType: a body without outputs may be a function that returns nothing
    void
  : O extends AnyType
    ? Bindable<O>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: O[K] extends AnyType ? Bindable<O[K]> : never }
      : O extends Record<string, AnyType>
        ? { [K in keyof O]: Bindable<O[K]> }
        : never;

/** `WorkflowReturn` of tuple outputs as a homomorphic mapped type, so that returned array literals are tuples. */
export type WorkflowTuple<O> = { -readonly [K in keyof O]: O[K] extends AnyType ? Bindable<O[K]> : never };

/** Options of a workflow. */
export interface WorkflowOptions<I extends InputSpec, O extends OutputSpec> {
  /** An explicit name; by default `<module>.<export>`. */
  name?: string;
  /** Typed inputs; defaults become launch plan defaults. */
  inputs?: I;
  /** Typed outputs. */
  outputs?: O;
  /**
   * A task or workflow run when the workflow fails (node `fn0`). Its inputs must include the workflow's; extra ones
   * must be optional, and an optional `err` input receives the error.
   */
  onFailure?: Entity;
  /**
   * What the execution does when a node fails: `immediate` (default) starts no other node and fails;
   * `after-executable-nodes-complete` keeps running every node that does not depend on a failed one, then fails
   * with the first failure's error. As on Flyte, the policy of the workflow an execution launches holds for the
   * subworkflows and dynamic workflows inside it; their own is not read.
   */
  failurePolicy?: FailurePolicy;
  /**
   * Documentation: a text read as a docstring (first line short, the rest long) or `{ short, long }`; written as the
   * WorkflowSpec's description.
   */
  docs?: Docs;
}

const WORKFLOW_OPTIONS = ["name", "inputs", "outputs", "onFailure", "failurePolicy", "docs"];

/** The compiled form of a workflow body. */
export interface CompiledWorkflow {
  readonly nodes: readonly NodeSpec[];
  readonly outputs: readonly Binding[];
  readonly failureNode: NodeSpec | undefined;
}

/** The error a failure handler receives in its `err` input. */
export interface WorkflowFailure {
  readonly failedNodeId: string;
  readonly message: string;
}

/** A workflow. */
export class Workflow<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Entity<I, O> {
  readonly kind = "workflow" as const;
  readonly options: WorkflowOptions<I, O>;
  /** The body function. */
  readonly body: (inputs: WorkflowInputs<I>) => unknown;
  private compiled: CompiledWorkflow | undefined = undefined;

  constructor(options: WorkflowOptions<I, O>, body: (inputs: WorkflowInputs<I>) => unknown) {
    const identity = newIdentity(options.name);
    const owner = options.name ?? identity.module ?? "workflow";
    const unknown = Object.keys(options).filter((k) => !WORKFLOW_OPTIONS.includes(k));
    if (unknown.length)
      throw new FlyteValidationError(
        `${owner}: unrecognized workflow option(s) ${unknown.join(", ")}; known: ${WORKFLOW_OPTIONS.join(", ")}`,
      );
    super(new Interface(options.inputs ?? {}, options.outputs, owner), identity);
    if (typeof body !== "function") throw new FlyteValidationError(`${owner}: a workflow needs a body function`);
    if (body.constructor?.name === "AsyncFunction") {
      throw new FlyteValidationError(
        `${owner}: workflow bodies are synchronous (they build a graph); drop async/await, or use eager() for async code`,
      );
    }
    this.options = options;
    this.body = body;
    this.docs = resolveDocs(owner, options.docs);
  }

  /** The documentation, split into short and long descriptions. */
  readonly docs: ResolvedDocs | undefined;

  /** Tasks defined inside the body, in definition order; the workflow is their resolver. */
  private readonly bodyTasks: object[] = [];

  /** Records a task defined inside the body (called while compiling) and returns its index. */
  registerBodyTask(task: object): number {
    return this.bodyTasks.push(task) - 1;
  }

  /** Resolver protocol: the loader args of a task defined inside the body are its index. */
  loaderArgs(task: object): string[] {
    this.compile();
    const i = this.bodyTasks.indexOf(task);
    if (i < 0) throw new FlyteValidationError(`${this.name}: the task was not defined inside this workflow's body`);
    return [String(i)];
  }

  /** Resolver protocol: loads a task defined inside the body by its index (compiling the body defines it again). */
  async loadTask(args: readonly string[]): Promise<import("./task.js").Task> {
    this.compile();
    const i = Number(args[0]);
    const t = Number.isInteger(i) ? this.bodyTasks[i] : undefined;
    if (!t) {
      throw new FlyteValidationError(
        `${this.name}: no task at index ${JSON.stringify(args[0])} among the ${this.bodyTasks.length} tasks defined in its body`,
      );
    }
    return t as import("./task.js").Task;
  }

  /** Compiles the body into nodes (once) and returns them. */
  compile(): CompiledWorkflow {
    if (this.compiled) return this.compiled;
    const outer = currentState();
    const comp = new CompilationState(outer.compilation?.prefix ?? "", localData());
    comp.owner = this;
    const inputs: Record<string, unknown> = {};
    for (const [k, type] of this.interface.inputs) inputs[k] = makeRef({ nodeId: "", varName: k, attrPath: [], type });
    const result = runInContext({ ...outer, mode: "compile", compilation: comp }, () =>
      this.body(inputs as WorkflowInputs<I>),
    );
    if (
      result instanceof Promise ||
      (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function")
    ) {
      throw new FlyteValidationError(
        `${this.name}: the workflow body returned a Promise; workflow bodies are synchronous, drop async/await`,
      );
    }
    const outputs = bindOutputs(this.interface, result, comp, this.name);
    const failureNode = this.compileFailureNode(comp);
    this.compiled = { nodes: comp.nodes, outputs, failureNode };
    return this.compiled;
  }

  private compileFailureNode(outer: CompilationState): NodeSpec | undefined {
    const handler = this.options.onFailure;
    if (!handler) return undefined;
    const hi = handler.interface;
    for (const [k, type] of this.interface.inputs) {
      const h = hi.inputTypes[k];
      if (!h)
        throw new FlyteValidationError(
          `${this.name}: the failure handler ${handler.name} lacks the workflow input ${k}`,
        );
      if (h.literalType.type.case !== type.literalType.type.case) {
        throw new FlyteValidationError(
          `${this.name}: the failure handler's input ${k} is ${h.name}, the workflow's is ${type.name}`,
        );
      }
    }
    for (const [k, type] of hi.inputs) {
      if (!Object.hasOwn(this.interface.inputTypes, k) && !type.acceptsNone && !type.hasDefault) {
        throw new FlyteValidationError(`${this.name}: the failure handler's extra input ${k} must be optional`);
      }
    }
    const comp = new CompilationState(`${outer.prefix}f`, outer.data);
    const inputs: Record<string, unknown> = {};
    for (const [k, type] of this.interface.inputs) inputs[k] = makeRef({ nodeId: "", varName: k, attrPath: [], type });
    runInContext({ ...currentState(), mode: "compile", compilation: comp }, () => handler.invoke(inputs));
    const node = comp.nodes[0];
    const id = this.failureNodeId;
    return node && id !== undefined ? { ...node, id } : node;
  }

  /**
   * A fixed id for the failure node. Undefined for workflows with a body, whose failure node is `<prefix>fn0`;
   * imperative-style wrappers (the workflow registered for an eager task) use flytekit's reserved `efn`.
   */
  protected get failureNodeId(): string | undefined {
    return undefined;
  }

  /** Runs the workflow locally on literal inputs. */
  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    const compiled = this.compile();
    const withDefaults = this.applyDefaults(inputs);
    // A workflow run outside any execution starts one, with its own policy; inside one, it follows the execution's.
    const policy = currentFailurePolicy() ?? this.options.failurePolicy ?? "immediate";
    try {
      return await withFailurePolicy(policy, () => runGraph(compiled.nodes, compiled.outputs, withDefaults, this.name));
    } catch (e) {
      if (compiled.failureNode) await this.runFailureHandler(withDefaults, e);
      throw e;
    }
  }

  private applyDefaults(inputs: LiteralMap): LiteralMap {
    const data = localData();
    const literals = { ...inputs.literals };
    for (const [k, type] of this.interface.inputs) {
      if (literals[k] === undefined && (type.hasDefault || type.acceptsNone)) {
        literals[k] = type.toLiteral(type.hasDefault ? type.defaultValue : null, data, [k]);
      }
    }
    return { ...inputs, literals };
  }

  private async runFailureHandler(inputs: LiteralMap, error: unknown): Promise<void> {
    const handler = this.options.onFailure!;
    const data = localData();
    const args: Record<string, unknown> = this.interface.literalsToInputs(inputs, data, this.name);
    const errType = handler.interface.inputTypes.err;
    if (errType) {
      const failedNodeId = (error as { nodeId?: string })?.nodeId ?? "";
      const message = error instanceof Error ? error.message : String(error);
      args.err =
        errType instanceof OptionalType && errType.variants[0] instanceof StrType ? message : { failedNodeId, message };
    }
    await handler.localCall(args);
  }
}

/**
 * Binds what a workflow body (or a dynamic task's body) returned to the declared outputs: one binding per output, in
 * declaration order; references become promises, constants scalars.
 */
export function bindOutputs(iface: Interface, result: unknown, comp: CompilationState, owner: string): Binding[] {
  if (iface.shape === "none") {
    // flytekit: "Interface output should've been VoidPromise or None".
    if (result !== undefined && result !== null && !isVoidLike(result)) {
      throw new FlyteValidationError(
        `${owner}: declares no outputs but its body returned ${isRef(result) || nodeOf(result) ? "a node's outputs" : describeValue(result)}; return nothing (or the result of a call without outputs), or declare the outputs`,
      );
    }
    return [];
  }
  if (result === undefined) throw new FlyteValidationError(`${owner}: declares outputs but its body returned nothing`);
  const named = iface.splitOutputs(result, owner);
  const upstream = new Set<string>();
  return iface.outputs.map(([k, type]) => {
    if (named[k] === undefined) throw new FlyteValidationError(`${owner}: output ${k} was not returned`);
    try {
      return binding(k, bindingData(type, named[k], comp.data, upstream, [k]));
    } catch (e) {
      if (e instanceof FlyteTypeError) throw new FlyteTypeError(`${owner}: output ${e.message}`, { cause: e });
      throw e;
    }
  });
}

/** Whether `v` is what a call without outputs returns in a body (a node handle and nothing else). */
function isVoidLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && !isRef(v) && nodeOf(v) !== undefined && Object.keys(v).length === 0;
}

/** A workflow as users hold it: callable, with the workflow's properties. */
export type WorkflowHandle<I extends InputSpec, O extends OutputSpec> = Workflow<I, O> & Callable<I, O>;

/**
 * Declares a workflow. The body is synchronous: calls inside it return references and build the graph.
 *
 * @example
 * export const wf = workflow({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => add({ a, b: 1 }));
 * await wf({ a: 1 }); // 2
 */
export function workflow<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: WorkflowOptions<I, O>,
  body: (inputs: WorkflowInputs<I>) => WorkflowReturn<O> | WorkflowTuple<O>,
): WorkflowHandle<I, O> {
  return makeCallable<Workflow<I, O>, Callable<I, O>>(new Workflow(options, body));
}
