/**
 * Conditionals in workflow bodies: `conditional(name).if(cond).run(() => call).elif(...).run(...).else().run(...)`,
 * compiled into a branch node whose cases each run one node.
 */
import { FlyteValidationError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { OutputReference } from "../idl/gen/flyteidl/core/types_pb.js";
import { primitiveOf, scalarOf } from "../idl/literals.js";
import { type BranchCase, CompilationState, type NodeSpec } from "./compilation.js";
import { currentState, runInContext } from "./context.js";
import { outputRefs } from "./entity.js";
import { Interface } from "./interface.js";
import { isRef, nodeOf, type Ref, refTarget } from "./promise.js";

/** A constant or a reference compared in a condition. */
export type Operand = Ref<unknown> | number | string | boolean | Date;

/** A comparison operator. */
export type ComparisonOperator = "eq" | "neq" | "gt" | "gte" | "lt" | "lte";

/** A condition: a comparison, or two conditions joined by and/or. */
export type Condition =
  | { readonly kind: "cmp"; readonly op: ComparisonOperator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: "and" | "or"; readonly left: Condition; readonly right: Condition };

const cmp =
  (op: ComparisonOperator) =>
  (left: Operand, right: Operand): Condition => ({ kind: "cmp", op, left, right });

/** `left == right`. */
export const eq = cmp("eq");
/** `left != right`. */
export const neq = cmp("neq");
/** `left > right`. */
export const gt = cmp("gt");
/** `left >= right`. */
export const gte = cmp("gte");
/** `left < right`. */
export const lt = cmp("lt");
/** `left <= right`. */
export const lte = cmp("lte");
/** Both conditions hold. */
export const and = (left: Condition, right: Condition): Condition => ({ kind: "and", left, right });
/** Either condition holds. */
export const or = (left: Condition, right: Condition): Condition => ({ kind: "or", left, right });
/** The boolean reference is true. */
export const isTrue = (r: Ref<boolean>): Condition => eq(r, true);

function primitiveValue(lit: Literal): number | string | boolean | bigint | Date {
  const p = primitiveOf(lit);
  switch (p?.value.case) {
    case "integer":
      return p.value.value;
    case "floatValue":
    case "stringValue":
    case "boolean":
      return p.value.value;
    case "datetime":
      return new Date(Number(p.value.value.seconds) * 1000 + p.value.value.nanos / 1e6);
  }
  const s = scalarOf(lit);
  if (s?.value.case === "union" && s.value.value.value) return primitiveValue(s.value.value.value);
  throw new FlyteValidationError("conditions compare primitive values only (int, float, str, bool, datetime)");
}

function norm(v: number | string | boolean | bigint | Date): number | string | boolean | bigint {
  return v instanceof Date ? v.getTime() : v;
}

/** Evaluates a condition, reading references through `read`. */
export function evaluateCondition(c: Condition, read: (ref: OutputReference) => Literal): boolean {
  if (c.kind !== "cmp") {
    return c.kind === "and"
      ? evaluateCondition(c.left, read) && evaluateCondition(c.right, read)
      : evaluateCondition(c.left, read) || evaluateCondition(c.right, read);
  }
  const value = (o: Operand) => {
    if (!isRef(o)) return norm(o);
    const t = refTarget(o);
    return norm(
      primitiveValue(
        read({
          $typeName: "flyteidl.core.OutputReference",
          nodeId: t.nodeId,
          var: t.varName,
          attrPath: t.attrPath.map((p) => ({
            $typeName: "flyteidl.core.PromiseAttribute",
            value: typeof p === "number" ? { case: "intValue", value: p } : { case: "stringValue", value: p },
          })),
        }),
      ),
    );
  };
  let a = value(c.left);
  let b = value(c.right);
  if (typeof a === "bigint" && typeof b === "number") a = Number(a);
  if (typeof b === "bigint" && typeof a === "number") b = Number(b);
  switch (c.op) {
    case "eq":
      return a === b;
    case "neq":
      return a !== b;
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    default:
      return a <= b;
  }
}

function conditionRefs(c: Condition, out: Set<string>): void {
  if (c.kind !== "cmp") {
    conditionRefs(c.left, out);
    conditionRefs(c.right, out);
    return;
  }
  for (const o of [c.left, c.right]) if (isRef(o) && refTarget(o).nodeId !== "") out.add(refTarget(o).nodeId);
}

/**
 * Builds a conditional; finish it with `.else().run(...)` or `.else().fail(message)`. (Branches use `run`, not
 * `then`, so that no builder is ever thenable.)
 */
export class ConditionalBuilder<R = unknown> {
  readonly name: string;
  private readonly cases: BranchCase[] = [];
  private readonly comp: CompilationState;
  private readonly id: string;
  private pending: Condition | undefined | null = null;
  private readonly branchState: CompilationState;

  constructor(name: string) {
    const state = currentState();
    if (state.mode !== "compile" || !state.compilation) {
      throw new FlyteValidationError(`conditional(${JSON.stringify(name)}) can only be used inside a workflow body`);
    }
    this.name = name;
    this.comp = state.compilation;
    this.id = this.comp.nextNodeId();
    this.branchState = new CompilationState(`${this.id}-`, this.comp.data);
  }

  /** The first case. */
  if(condition: Condition): { run: <T>(fn: () => T) => ConditionalBuilder<T> } {
    return this.elif(condition) as unknown as { run: <T>(fn: () => T) => ConditionalBuilder<T> };
  }

  /** Another case. */
  elif(condition: Condition): { run: (fn: () => R) => ConditionalBuilder<R> } {
    this.pending = condition;
    return { run: (fn) => this.addCase(fn) };
  }

  /** The fallback case. */
  else(): { run: (fn: () => R) => R; fail: (message: string) => R } {
    this.pending = undefined;
    return {
      run: (fn: () => R): R => {
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
    // All cases share one compilation state, so their node ids (`n1-n0`, `n1-n1`...) are unique in the workflow.
    const sub = this.branchState;
    const before = sub.nodes.length;
    const outer = currentState();
    const result = runInContext({ ...outer, compilation: sub }, fn);
    if (sub.nodes.length !== before + 1 || !nodeOf(result)) {
      throw new FlyteValidationError(
        `${this.name}: each branch must call exactly one task, workflow or launch plan (got ${sub.nodes.length - before})`,
      );
    }
    this.cases.push({ condition: this.pending ?? undefined, node: sub.nodes[before] });
    return this;
  }

  private finish(): unknown {
    const upstream = new Set<string>();
    const innerIds = new Set<string>();
    for (const c of this.cases) {
      if (c.condition) conditionRefs(c.condition, upstream);
      if (c.node) innerIds.add(c.node.id);
    }
    for (const c of this.cases) for (const u of c.node?.upstream ?? []) if (!innerIds.has(u)) upstream.add(u);
    const first = this.cases.find((c) => c.node)?.node;
    const outputTypes = first?.outputTypes ?? {};
    const node: NodeSpec = {
      id: this.id,
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
