/**
 * Conditions of conditionals: comparisons of references and constants joined by and/or, how a conditional types its
 * constants against the operands they meet, and how a condition is evaluated locally.
 */
import { describeValue, FlyteTypeError, FlyteValidationError } from "../errors.js";
import type { Literal, Primitive } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { OutputReference } from "../idl/gen/flyteidl/core/types_pb.js";
import { SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import { primitiveOf, scalarOf } from "../idl/literals.js";
import { type AnyType, NO_DATA } from "../types/type.js";
import { UnionType } from "../types/union.js";
import { isRef, type OutputTarget, type Ref, refTarget } from "./promise.js";

/** A constant compared in a condition. */
export type Constant = number | bigint | string | boolean | Date | null;

/**
 * A reference to a value. A call whose inputs are all constants is typed as a Promise even in a workflow body,
 * where it is a reference at run time, so it is an operand too.
 */
export type OperandRef<T> = Ref<T> | PromiseLike<T>;

/** A constant or a reference compared in a condition; `null` only in `eq`/`neq` (see {@link isNone}). */
export type Operand = OperandRef<unknown> | Constant;

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
export const isTrue = (r: OperandRef<boolean>): Condition => eq(r, true);
/** The boolean reference is false. */
export const isFalse = (r: OperandRef<boolean>): Condition => eq(r, false);
/**
 * The reference holds no value (flytekit's `is_none`), e.g. an optional output that was not set.
 *
 * @example
 * conditional("found").if(isNone(lookup({ key }))).run(() => fallback({ key })).else().run(() => use({ key }));
 */
export const isNone = (r: OperandRef<unknown>): Condition => eq(r, null);

/** A condition operand after compilation: a reference, or a constant typed by the operand it meets. */
export type CompiledOperand =
  | { readonly kind: "ref"; readonly target: OutputTarget }
  /** `value` is undefined for the none constant. */
  | { readonly kind: "const"; readonly value: Primitive | undefined };

/** A condition after compilation: its constants are primitives of the type of the reference they are compared with. */
export type CompiledCondition =
  | {
      readonly kind: "cmp";
      readonly op: ComparisonOperator;
      readonly left: CompiledOperand;
      readonly right: CompiledOperand;
    }
  | { readonly kind: "and" | "or"; readonly left: CompiledCondition; readonly right: CompiledCondition };

/** The simple types conditions compare (Flyte compares primitives only). */
const COMPARABLE = new Set<SimpleType>([
  SimpleType.INTEGER,
  SimpleType.FLOAT,
  SimpleType.STRING,
  SimpleType.BOOLEAN,
  SimpleType.DATETIME,
  SimpleType.DURATION,
]);

/** Whether the type is one of the primitive types a condition compares (int, float, str, bool, datetime, duration). */
export function isComparableType(type: AnyType): boolean {
  const lt = type.literalType;
  return lt.type.case === "simple" && COMPARABLE.has(lt.type.value) && !lt.structure && !lt.annotation;
}

/** The comparable variants of a type: itself, or the comparable variants of a union (an optional's inner type). */
function comparableVariants(type: AnyType): AnyType[] {
  if (type instanceof UnionType) return (type.variants as readonly AnyType[]).filter(isComparableType);
  return isComparableType(type) ? [type] : [];
}

/** Describes an operand for messages: `workflow input x`, `output o0 of node n1`, with its attribute path. */
export function describeOperand(t: OutputTarget): string {
  const path = t.attrPath.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
  return t.nodeId === "" ? `workflow input ${t.varName}${path}` : `output ${t.varName}${path} of node ${t.nodeId}`;
}

/** The type a constant has on its own, for a comparison with a reference of unknown type. */
function naturalPrimitive(v: number | bigint | string | boolean | Date): Primitive["value"] {
  if (typeof v === "boolean") return { case: "boolean", value: v };
  if (typeof v === "string") return { case: "stringValue", value: v };
  if (typeof v === "bigint") return { case: "integer", value: v };
  if (v instanceof Date) {
    const ms = v.getTime();
    const seconds = Math.floor(ms / 1000);
    return {
      case: "datetime",
      value: { $typeName: "google.protobuf.Timestamp", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1e6 },
    };
  }
  return Number.isSafeInteger(v) ? { case: "integer", value: BigInt(v) } : { case: "floatValue", value: v };
}

function primitive(value: Primitive["value"]): Primitive {
  return { $typeName: "flyteidl.core.Primitive", value };
}

/**
 * Compiles a condition of conditional `name`: each constant takes the type of the reference it is compared with
 * (`gt(x, 2)` with a float `x` compares with the float 2.0), as Flyte's compiler requires the two sides of a
 * comparison to have the same type. A constant that cannot have that type, two references of different types, a
 * reference of a type conditions cannot compare, or two constants, are errors naming the conditional and the operand.
 */
export function compileCondition(c: Condition, name: string): CompiledCondition {
  if (c.kind !== "cmp") {
    return { kind: c.kind, left: compileCondition(c.left, name), right: compileCondition(c.right, name) };
  }
  const where = `conditional ${JSON.stringify(name)}`;
  const refType = (o: Ref<unknown>): AnyType | undefined => {
    const t = refTarget(o);
    if (t.type && comparableVariants(t.type).length === 0) {
      throw new FlyteValidationError(
        `${where}: ${describeOperand(t)} is a ${t.type.name}; conditions compare int, float, str, bool, datetime and duration values (or optional ones)`,
      );
    }
    return t.type;
  };
  const constant = (operand: Operand, other: Ref<unknown>): CompiledOperand => {
    if (!isConstant(operand)) {
      throw new FlyteValidationError(
        `${where}: cannot compare ${describeValue(operand)}; operands are references (workflow inputs, node outputs) or constants: numbers, bigints, strings, booleans, dates or null`,
      );
    }
    const v = operand;
    const t = refTarget(other);
    const type = refType(other);
    if (v === null) {
      if (c.op !== "eq" && c.op !== "neq") {
        throw new FlyteValidationError(
          `${where}: ${describeOperand(t)} can only be tested for none with eq, neq or isNone`,
        );
      }
      if (type && !type.acceptsNone) {
        throw new FlyteValidationError(
          `${where}: ${describeOperand(t)} is a ${type.name}, which is never none; declare it optional to test it with isNone`,
        );
      }
      return { kind: "const", value: undefined };
    }
    if (!type) return { kind: "const", value: primitive(naturalPrimitive(v)) };
    const reasons: string[] = [];
    for (const variant of comparableVariants(type)) {
      const simple = variant.literalType.type.value;
      if (typeof v === "bigint" && simple === SimpleType.INTEGER) {
        if (BigInt.asIntN(64, v) === v) return { kind: "const", value: primitive({ case: "integer", value: v }) };
        reasons.push(`${v} is out of the int64 range`);
        continue;
      }
      try {
        const p = primitiveOf(variant.toLiteral(v, NO_DATA, [t.varName]));
        if (p) return { kind: "const", value: p };
      } catch (e) {
        if (!(e instanceof FlyteTypeError)) throw e;
        reasons.push(e.message);
      }
    }
    throw new FlyteTypeError(
      `${where}: the constant ${describeValue(v)} cannot be compared with ${describeOperand(t)}: expected ${type.name}, got ${constantTypeName(v)}${reasons.length ? ` (${reasons.join("; ")})` : ""}`,
      { expected: type.name },
    );
  };
  const { left, right } = c;
  if (isRef(left) && isRef(right)) {
    const [lt, rt] = [refType(left), refType(right)];
    if (lt && rt && lt.literalType.type.case === "simple" && rt.literalType.type.case === "simple") {
      if (lt.literalType.type.value !== rt.literalType.type.value) {
        throw new FlyteTypeError(
          `${where}: cannot compare ${describeOperand(refTarget(left))} (${lt.name}) with ${describeOperand(refTarget(right))} (${rt.name}); both sides must have the same type`,
          { expected: lt.name },
        );
      }
    }
    return {
      kind: "cmp",
      op: c.op,
      left: { kind: "ref", target: refTarget(left) },
      right: { kind: "ref", target: refTarget(right) },
    };
  }
  if (isRef(left))
    return {
      kind: "cmp",
      op: c.op,
      left: { kind: "ref", target: refTarget(left) },
      right: constant(right, left),
    };
  if (isRef(right))
    return {
      kind: "cmp",
      op: c.op,
      left: constant(left, right),
      right: { kind: "ref", target: refTarget(right) },
    };
  for (const o of [left, right]) {
    if (!isConstant(o)) {
      throw new FlyteValidationError(
        `${where}: cannot compare ${describeValue(o)}; a Promise is a reference only inside a workflow body (was a value awaited?)`,
      );
    }
  }
  throw new FlyteValidationError(
    `${where}: ${c.op}(${showConstant(left)}, ${showConstant(right)}) compares two constants; one side must be a workflow input or a node output`,
  );
}

function isConstant(v: unknown): v is Constant {
  return v === null || ["number", "bigint", "string", "boolean"].includes(typeof v) || v instanceof Date;
}

function showConstant(v: Operand): string {
  if (v instanceof Date) return v.toISOString();
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function constantTypeName(v: number | bigint | string | boolean | Date): string {
  if (v instanceof Date) return "a date";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a float";
  return `a ${typeof v}`;
}

/** The ids of the nodes a compiled condition reads. */
export function conditionNodeIds(c: CompiledCondition, out: Set<string>): void {
  if (c.kind !== "cmp") {
    conditionNodeIds(c.left, out);
    conditionNodeIds(c.right, out);
    return;
  }
  for (const o of [c.left, c.right]) if (o.kind === "ref" && o.target.nodeId !== "") out.add(o.target.nodeId);
}

type Comparable = number | string | boolean | bigint;

function primitiveValue(p: Primitive): Comparable {
  const v = p.value;
  switch (v.case) {
    case "integer":
    case "floatValue":
    case "stringValue":
    case "boolean":
      return v.value;
    case "datetime":
    case "duration":
      return v.value.seconds * 1_000_000_000n + BigInt(v.value.nanos);
    default:
      throw new FlyteValidationError(`conditions compare primitive values only, not a ${v.case ?? "empty"} primitive`);
  }
}

/** The value of a literal read by a condition: a primitive, or undefined for none (also inside a union). */
function literalValue(lit: Literal, what: string): Comparable | undefined {
  const p = primitiveOf(lit);
  if (p) return primitiveValue(p);
  const s = scalarOf(lit);
  if (s?.value.case === "noneType") return undefined;
  if (s?.value.case === "union" && s.value.value.value) return literalValue(s.value.value.value, what);
  throw new FlyteValidationError(
    `${what}: conditions compare int, float, str, bool, datetime and duration values, got a ${s?.value.case ?? lit.value.case ?? "empty"} literal`,
  );
}

/**
 * Evaluates a compiled condition, reading references through `read`. A comparison with a none value is false,
 * except `eq` (true when both sides are none) and `neq`, so a conditional on a value that turns out to be none
 * takes its else branch.
 */
export function evaluateCondition(c: CompiledCondition, read: (ref: OutputReference) => Literal): boolean {
  if (c.kind !== "cmp") {
    return c.kind === "and"
      ? evaluateCondition(c.left, read) && evaluateCondition(c.right, read)
      : evaluateCondition(c.left, read) || evaluateCondition(c.right, read);
  }
  const value = (o: CompiledOperand): Comparable | undefined => {
    if (o.kind === "const") return o.value && primitiveValue(o.value);
    const t = o.target;
    return literalValue(
      read({
        $typeName: "flyteidl.core.OutputReference",
        nodeId: t.nodeId,
        var: t.varName,
        attrPath: t.attrPath.map((p) => ({
          $typeName: "flyteidl.core.PromiseAttribute",
          value: typeof p === "number" ? { case: "intValue", value: p } : { case: "stringValue", value: p },
        })),
      }),
      describeOperand(t),
    );
  };
  let a = value(c.left);
  let b = value(c.right);
  if (a === undefined || b === undefined) {
    if (c.op === "eq") return a === b;
    if (c.op === "neq") return a !== b;
    return false;
  }
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
