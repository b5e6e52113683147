/**
 * Conditionals in workflow bodies: `conditional(name).if(cond).run(() => call).elif(...).run(...).else().run(...)`,
 * compiled into a branch node whose cases each run one node.
 */
import { equals } from "@bufbuild/protobuf";
import { FlyteTypeError, FlyteValidationError } from "../errors.js";
import { LiteralTypeSchema } from "../idl/gen/flyteidl/core/types_pb.js";
import type { AnyType } from "../types/type.js";
import { type BranchCase, CompilationState, type NodeSpec } from "./compilation.js";
import { type CompiledCondition, type Condition, compileCondition, conditionNodeIds } from "./condition.js";
import { currentState, runInContext } from "./context.js";
import { outputRefs } from "./entity.js";
import { Interface } from "./interface.js";
import { nodeOf, type Ref } from "./promise.js";

/**
 * What a later branch may return when the first returns `R`: the same, or the other form of the same value (a call
 * whose inputs are all constants is typed as a Promise inside a workflow body, and is a reference there).
 */
export type BranchResult<R> =
  R extends PromiseLike<infer V> ? R | Ref<V> : R extends Ref<infer V> ? R | PromiseLike<V> : R;

/**
 * Builds a conditional; finish it with `.else().run(...)` or `.else().fail(message)`. (Branches use `run`, not
 * `then`, so that no builder is ever thenable.)
 */
export class ConditionalBuilder<R = unknown> {
  readonly name: string;
  private readonly cases: BranchCase[] = [];
  private readonly comp: CompilationState;
  private pending: CompiledCondition | undefined = undefined;
  private readonly branchState: CompilationState;

  constructor(name: string) {
    const state = currentState();
    if (state.mode !== "compile" || !state.compilation) {
      throw new FlyteValidationError(`conditional(${JSON.stringify(name)}) can only be used inside a workflow body`);
    }
    if (typeof name !== "string" || name === "") {
      throw new FlyteValidationError(`conditional(): the name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    this.name = name;
    this.comp = state.compilation;
    // The nodes of the cases are numbered in a scope of their own, n0, n1... across the cases (flytekit's ids);
    // Flyte's compiler prefixes them with the branch node's id.
    this.branchState = new CompilationState(this.comp.prefix, this.comp.data);
  }

  /** The first case. */
  if(condition: Condition): { run: <T>(fn: () => T) => ConditionalBuilder<T> } {
    return this.elif(condition) as unknown as { run: <T>(fn: () => T) => ConditionalBuilder<T> };
  }

  /** Another case. */
  elif(condition: Condition): { run: (fn: () => BranchResult<R>) => ConditionalBuilder<R> } {
    this.pending = compileCondition(condition, this.name);
    return { run: (fn) => this.addCase(fn) };
  }

  /** The fallback case. */
  else(): { run: (fn: () => BranchResult<R>) => R; fail: (message: string) => R } {
    this.pending = undefined;
    return {
      run: (fn: () => BranchResult<R>): R => {
        this.addCase(fn);
        return this.finish() as R;
      },
      fail: (message: string): R => {
        this.cases.push({ condition: undefined, node: undefined, error: message });
        return this.finish() as R;
      },
    };
  }

  private addCase(fn: () => unknown): ConditionalBuilder<R> {
    const sub = this.branchState;
    const before = sub.nodes.length;
    const outer = currentState();
    const result = runInContext({ ...outer, compilation: sub }, fn);
    if (sub.nodes.length !== before + 1 || !nodeOf(result)) {
      throw new FlyteValidationError(
        `${this.name}: each branch must call exactly one task, workflow or launch plan (got ${sub.nodes.length - before})`,
      );
    }
    this.cases.push({ condition: this.pending, node: sub.nodes[before] });
    return this;
  }

  /**
   * The conditional's outputs, as flytekit and Flyte's compiler see them: those every branch that runs a node has
   * (none when one of them has none), each of one type in every branch, as the compiler requires.
   */
  private outputTypes(): Record<string, AnyType> {
    const nodes = this.cases.flatMap((c) => (c.node ? [c.node] : []));
    if (nodes.some((n) => Object.keys(n.outputTypes).length === 0)) return {};
    const out: Record<string, AnyType> = {};
    for (const [k, type] of Object.entries(nodes[0]?.outputTypes ?? {})) {
      if (!nodes.every((n) => Object.hasOwn(n.outputTypes, k))) continue;
      for (const n of nodes) {
        const other = n.outputTypes[k]!;
        if (!equals(LiteralTypeSchema, other.literalType, type.literalType)) {
          throw new FlyteTypeError(
            `conditional ${JSON.stringify(this.name)}: output ${k} is a ${type.name} in node ${nodes[0]!.id} and a ${other.name} in node ${n.id}; every branch must give it the same type`,
            { expected: type.name },
          );
        }
      }
      out[k] = type;
    }
    return out;
  }

  private finish(): unknown {
    // A case runs one node, so the nodes of the cases only read nodes outside the conditional.
    const upstream = new Set<string>();
    for (const c of this.cases) {
      if (c.condition) conditionNodeIds(c.condition, upstream);
      for (const u of c.node?.upstream ?? []) upstream.add(u);
    }
    const outputTypes = this.outputTypes();
    const node: NodeSpec = {
      id: this.comp.nextNodeId(),
      entity: undefined,
      branch: { name: this.name, cases: this.cases },
      bindings: [],
      upstream: [...upstream],
      metadata: { name: this.name },
      outputTypes,
    };
    this.comp.nodes.push(node);
    const entries = Object.entries(outputTypes);
    const iface = new Interface(
      {},
      entries.length === 0
        ? undefined
        : entries.length === 1 && entries[0]![0] === "o0"
          ? entries[0]![1]
          : Object.fromEntries(entries),
      this.name,
    );
    return outputRefs(node, iface);
  }
}

/**
 * Starts a conditional inside a workflow body.
 *
 * @example
 * const r = conditional("sign").if(gt(x, 0)).run(() => pos({ x })).else().run(() => neg({ x }));
 */
export function conditional(name: string): ConditionalBuilder {
  return new ConditionalBuilder(name);
}
