/**
 * References to node outputs, what a call returns inside a workflow body. They are not thenable: awaiting one is a
 * mistake the type checker catches (workflow bodies are synchronous) and, at run time, a clear error.
 */
import { FlyteValidationError } from "../errors.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { StructType } from "../types/struct.js";
import type { AnyType } from "../types/type.js";

/** The symbol under which a reference keeps its target. */
export const REF: unique symbol = Symbol.for("flytekit-ts.ref");
/** The symbol under which a call result keeps its node. */
export const NODE: unique symbol = Symbol.for("flytekit-ts.node");

/** Where a reference points: a node's output variable, possibly with an attribute path into it. */
export interface OutputTarget {
  readonly nodeId: string;
  readonly varName: string;
  readonly attrPath: readonly (string | number)[];
  /** The referenced value's type, when known. */
  readonly type: AnyType | undefined;
}

/** A handle on a compiled node, carried by every call result. */
export interface NodeHandle {
  readonly id: string;
  /** Ids of nodes that must run before this one. */
  readonly upstream: string[];
}

/** A type-only key under which a ref carries the type of its value, so that refs of different types differ. */
declare const VALUE: unique symbol;

/** The ref type of a value of type `T`: struct fields are refs too. */
export type Ref<T> = { readonly [REF]: OutputTarget; readonly [VALUE]?: T } & (T extends
  | readonly unknown[]
  | Date
  | Uint8Array
  ? unknown
  : T extends Record<string, unknown>
    ? { readonly [K in keyof T]-?: Ref<T[K]> }
    : unknown);

/** What a call with no outputs returns inside a workflow body: only usable for ordering. */
export interface VoidRef {
  readonly [NODE]: NodeHandle;
}

/** Whether `v` is a reference. */
export function isRef(v: unknown): v is Ref<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") && v !== null && (v as { [REF]?: unknown })[REF] !== undefined
  );
}

/** The target of a reference. */
export function refTarget(v: Ref<unknown>): OutputTarget {
  return v[REF];
}

function describeTarget(t: OutputTarget): string {
  const node = t.nodeId === "" ? "workflow input" : `output ${t.varName} of node ${t.nodeId}`;
  return `${t.nodeId === "" ? `${node} ${t.varName}` : node}${t.attrPath.map((p) => `.${p}`).join("")}`;
}

/** A target whose node id follows its node's, which `withOverrides({ nodeName })` may change. */
function liveTarget(target: OutputTarget, node: NodeHandle): OutputTarget {
  const { varName, attrPath, type } = target;
  return Object.freeze(
    Object.defineProperty({ varName, attrPath, type }, "nodeId", { get: () => node.id, enumerable: true }),
  ) as OutputTarget;
}

/**
 * Makes a reference to a node output (or a workflow input, node id `""`). `methods` are the call result's methods
 * (`withOverrides`), which a struct field of the same name hides.
 */
export function makeRef<T>(target0: OutputTarget, node?: NodeHandle, methods?: Record<string, unknown>): Ref<T> {
  const holder = Object.freeze({});
  const target = node && target0.nodeId === node.id ? liveTarget(target0, node) : target0;
  return new Proxy(holder, {
    get(_t, prop) {
      if (prop === REF) return target;
      if (prop === NODE) return node;
      if (prop === "then") return undefined;
      if (typeof prop === "symbol") return undefined;
      if (methods && Object.hasOwn(methods, prop)) {
        const type = target.type;
        if (!(type instanceof StructType && Object.hasOwn(type.fields as object, prop))) return methods[prop];
      }
      if (prop === "toJSON" || prop === "toString" || prop === "valueOf") {
        return () => {
          throw new FlyteValidationError(
            `${describeTarget(target)} is a reference, not a value: inside a workflow body, pass it to tasks instead of reading it`,
          );
        };
      }
      const type = target.type;
      if (type instanceof StructType) {
        const field = (type.fields as Record<string, AnyType>)[prop];
        if (field) return makeRef({ ...target, attrPath: [...target.attrPath, prop], type: field }, node);
        throw new FlyteValidationError(`${describeTarget(target)} (${type.name}) has no field ${JSON.stringify(prop)}`);
      }
      throw new FlyteValidationError(
        `cannot read .${prop} of ${describeTarget(target)}${type ? ` (${type.name})` : ""}: inside a workflow body outputs are references; only struct fields can be accessed`,
      );
    },
    has(_t, prop) {
      return prop === REF || prop === NODE;
    },
    set() {
      throw new FlyteValidationError(`${describeTarget(target)} is a reference and cannot be modified`);
    },
  }) as Ref<T>;
}

/** The LiteralType a reference carries, when known. */
export function refLiteralType(r: Ref<unknown>): LiteralType | undefined {
  return r[REF].type?.literalType;
}

/**
 * Declares that the node behind `call` runs after the nodes behind `deps` (flytekit's `>>`), for ordering without
 * data flow. Returns `call`.
 *
 * @example
 * const w = write({ path }); const r = after(read({ path }), w);
 */
export function after<C>(call: C, ...deps: unknown[]): C {
  const node = nodeOf(call);
  if (!node)
    throw new FlyteValidationError("after(): the first argument is not the result of a call in a workflow body");
  for (const d of deps) {
    const dn = nodeOf(d);
    if (!dn) throw new FlyteValidationError("after(): each dependency must be the result of a call in a workflow body");
    if (!node.upstream.includes(dn.id)) node.upstream.push(dn.id);
  }
  return call;
}

/** The node behind a call result, if any. */
export function nodeOf(v: unknown): NodeHandle | undefined {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return undefined;
  return (v as { [NODE]?: NodeHandle })[NODE];
}
