/**
 * Typed interfaces: the inputs and outputs of a task or workflow, their Flyte `TypedInterface`, output naming
 * (`o0`, `o1`... for positional outputs, or the declared names) and conversion between native values and literal maps.
 */
import { describeValue, FlyteTypeError } from "../errors.js";
import type { TypedInterface, Variable } from "../idl/gen/flyteidl/core/interface_pb.js";
import type { Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import { type AnyType, type DataContext, FlyteType, type Infer, type InferIn } from "../types/type.js";

/** Declared inputs: name → type. */
export type InputSpec = Record<string, AnyType>;
/**
 * Declared outputs: nothing, one type (`o0`), a tuple of types (`o0`, `o1`...), or named types. (`readonly []` makes
 * TypeScript infer `outputs: [t.int, t.str]` as a tuple rather than an array of the union of its elements.)
 */
export type OutputSpec = AnyType | readonly [] | readonly AnyType[] | Record<string, AnyType> | undefined;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalInputKeys<I extends InputSpec> = {
  [K in keyof I]: I[K]["hasDefault"] extends true ? K : I[K]["acceptsNone"] extends true ? K : never;
}[keyof I];

/** The inputs a task body receives: every declared input, defaults applied. */
export type NativeInputs<I extends InputSpec> = Simplify<{ [K in keyof I]: Infer<I[K]> }>;

/** The inputs a caller passes: `W` wraps each value (refs in workflow bodies); defaulted and optional ones may be left out. */
export type CallInputs<I extends InputSpec, W = never> = Simplify<
  { [K in Exclude<keyof I, OptionalInputKeys<I>>]: InferIn<I[K]> | W } & {
    [K in OptionalInputKeys<I>]?: InferIn<I[K]> | W;
  }
>;

/** The native value(s) a task body returns for an output spec. */
export type NativeOutputs<O extends OutputSpec> = O extends undefined
  ? // biome-ignore lint/suspicious/noConfusingVoidType: a task without outputs resolves to nothing, as a function returning void
    void
  : O extends FlyteType<any, any>
    ? Infer<O>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: Infer<O[K]> }
      : O extends Record<string, AnyType>
        ? Simplify<{ [K in keyof O]: Infer<O[K]> }>
        : never;

/** What a task body may return (callers' input types, e.g. duration strings). */
export type ReturnedOutputs<O extends OutputSpec> = O extends undefined
  ? // biome-ignore lint/suspicious/noConfusingVoidType: a body without outputs may be a function that returns nothing
    void | undefined | null
  : O extends FlyteType<any, any>
    ? InferIn<O>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: InferIn<O[K]> }
      : O extends Record<string, AnyType>
        ? Simplify<{ [K in keyof O]: InferIn<O[K]> }>
        : never;

/**
 * `ReturnedOutputs` of tuple outputs as a homomorphic mapped type. A body's return type is
 * `ReturnedOutputs<O> | ReturnedTuple<O>`: TypeScript types an array literal as a tuple only when its contextual type
 * has a tuple-like member, and the conditional `ReturnedOutputs<O>` is not one while `O` is being inferred. For
 * named outputs it equals `ReturnedOutputs<O>`; for a single output it requires properties of type `never`, which no
 * value has.
 */
export type ReturnedTuple<O> = { -readonly [K in keyof O]: O[K] extends AnyType ? InferIn<O[K]> : never };

/** How outputs are shaped: none, one value, a tuple, or named. */
export type OutputShape = "none" | "single" | "tuple" | "named";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The runtime form of an interface. */
export class Interface {
  /** Inputs in declaration order. */
  readonly inputs: readonly (readonly [string, AnyType])[];
  /** Outputs in order, with their Flyte names. */
  readonly outputs: readonly (readonly [string, AnyType])[];
  /** How outputs map to the returned value. */
  readonly shape: OutputShape;
  readonly inputTypes: Readonly<Record<string, AnyType>>;
  readonly outputTypes: Readonly<Record<string, AnyType>>;

  constructor(inputs: InputSpec = {}, outputs: OutputSpec = undefined, owner = "entity") {
    for (const [k, v] of Object.entries(inputs)) {
      if (!IDENT.test(k))
        throw new FlyteTypeError(`${owner}: input name ${JSON.stringify(k)} is not a valid identifier`);
      if (!(v instanceof FlyteType))
        throw new FlyteTypeError(`${owner}: input ${k} is ${describeValue(v)}, not a Flyte type (use t.*)`);
    }
    this.inputs = Object.entries(inputs);
    if (outputs === undefined) {
      this.shape = "none";
      this.outputs = [];
    } else if (outputs instanceof FlyteType) {
      this.shape = "single";
      this.outputs = [["o0", outputs]];
    } else if (Array.isArray(outputs)) {
      if (outputs.length === 1) {
        throw new FlyteTypeError(
          `${owner}: a one-element output tuple is ambiguous; declare outputs: T instead of [T]`,
        );
      }
      this.shape = outputs.length === 0 ? "none" : "tuple";
      this.outputs = outputs.map((o, i) => {
        if (!(o instanceof FlyteType)) throw new FlyteTypeError(`${owner}: output ${i} is not a Flyte type (use t.*)`);
        return [`o${i}`, o] as const;
      });
    } else {
      const entries = Object.entries(outputs as Record<string, AnyType>);
      for (const [k, v] of entries) {
        if (!IDENT.test(k))
          throw new FlyteTypeError(`${owner}: output name ${JSON.stringify(k)} is not a valid identifier`);
        if (!(v instanceof FlyteType))
          throw new FlyteTypeError(`${owner}: output ${k} is ${describeValue(v)}, not a Flyte type (use t.*)`);
      }
      this.shape = entries.length === 0 ? "none" : "named";
      this.outputs = entries;
    }
    this.inputTypes = Object.fromEntries(this.inputs);
    this.outputTypes = Object.fromEntries(this.outputs);
  }

  /** The same interface without some inputs (`ignoreInputVars`). */
  without(names: readonly string[]): Interface {
    const copy = Object.create(Interface.prototype) as Interface;
    const inputs = this.inputs.filter(([k]) => !names.includes(k));
    Object.assign(copy, { ...this, inputs, inputTypes: Object.fromEntries(inputs) });
    return copy;
  }

  /** The Flyte `TypedInterface`: each variable's description is its `.describe()` text or its name. */
  toIdl(): TypedInterface {
    const vars = (list: readonly (readonly [string, AnyType])[]) => {
      const variables: Record<string, Variable> = {};
      for (const [k, v] of list) {
        variables[k] = { $typeName: "flyteidl.core.Variable", type: v.literalType, description: v.description ?? k };
      }
      return { $typeName: "flyteidl.core.VariableMap" as const, variables };
    };
    return { $typeName: "flyteidl.core.TypedInterface", inputs: vars(this.inputs), outputs: vars(this.outputs) };
  }

  /**
   * Converts call inputs to a literal map: unknown names are errors, missing ones take defaults or fail.
   * Errors name the entity, the variable, the expected type and the value.
   */
  inputsToLiterals(values: Record<string, unknown>, ctx: DataContext, owner: string): LiteralMap {
    this.checkInputNames(values, owner);
    const out: Record<string, Literal> = {};
    for (const [k, type] of this.inputs) {
      let v = values[k];
      if (v === undefined) {
        if (type.hasDefault) v = type.defaultValue;
        else if (!type.acceptsNone)
          throw new FlyteTypeError(`${owner}: input ${k} (${type.name}) was not given`, {
            path: [k],
            expected: type.name,
          });
      }
      out[k] = wrap(owner, "input", k, () => type.toLiteral(v, ctx, [k]));
    }
    return literalMap(out);
  }

  /** Rejects names that are not inputs. */
  checkInputNames(values: Record<string, unknown>, owner: string): void {
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      throw new FlyteTypeError(
        `${owner}: inputs must be passed as an object of named values, got ${describeValue(values)}`,
      );
    }
    for (const k of Object.keys(values)) {
      if (!Object.hasOwn(this.inputTypes, k)) {
        throw new FlyteTypeError(
          `${owner}: unexpected input ${JSON.stringify(k)}; the inputs are ${this.inputs.map(([n]) => n).join(", ") || "(none)"}`,
        );
      }
    }
  }

  /** Reads a literal map of inputs into native values. More literals than declared inputs is an error. */
  literalsToInputs(lm: LiteralMap, ctx: DataContext, owner: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(lm.literals)) {
      if (!Object.hasOwn(this.inputTypes, k))
        throw new FlyteTypeError(`${owner}: received input ${JSON.stringify(k)}, which is not declared`);
    }
    for (const [k, type] of this.inputs) {
      const lit = lm.literals[k];
      if (lit === undefined) {
        if (type.hasDefault) out[k] = type.parse(type.defaultValue, [k]);
        else if (type.acceptsNone) out[k] = null;
        else
          throw new FlyteTypeError(`${owner}: input ${k} (${type.name}) is missing`, {
            path: [k],
            expected: type.name,
          });
        continue;
      }
      out[k] = wrap(owner, "input", k, () => type.fromLiteral(lit, ctx, [k]));
    }
    return out;
  }

  /** Splits a returned value into named output values according to the output shape. */
  splitOutputs(value: unknown, owner: string): Record<string, unknown> {
    switch (this.shape) {
      case "none":
        return {};
      case "single":
        return { o0: value };
      case "tuple": {
        if (!Array.isArray(value) || value.length !== this.outputs.length) {
          throw new FlyteTypeError(
            `${owner}: expected ${this.outputs.length} outputs as an array, got ${describeValue(value)}`,
          );
        }
        return Object.fromEntries(this.outputs.map(([k], i) => [k, value[i]]));
      }
      case "named": {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new FlyteTypeError(
            `${owner}: expected an object with outputs ${this.outputs.map(([k]) => k).join(", ")}, got ${describeValue(value)}`,
          );
        }
        for (const k of Object.keys(value)) {
          if (!Object.hasOwn(this.outputTypes, k))
            throw new FlyteTypeError(`${owner}: returned unknown output ${JSON.stringify(k)}`);
        }
        return value as Record<string, unknown>;
      }
    }
  }

  /** Converts returned native outputs to a literal map. */
  outputsToLiterals(value: unknown, ctx: DataContext, owner: string): LiteralMap {
    const named = this.splitOutputs(value, owner);
    const out: Record<string, Literal> = {};
    for (const [k, type] of this.outputs) {
      out[k] = wrap(owner, "output", k, () => type.toLiteral(named[k], ctx, [k]));
    }
    return literalMap(out);
  }

  /** Reads a literal map of outputs into the native result shape. */
  literalsToOutputs(lm: LiteralMap, ctx: DataContext, owner: string): unknown {
    const named: Record<string, unknown> = {};
    for (const [k, type] of this.outputs) {
      const lit = lm.literals[k];
      if (lit === undefined) throw new FlyteTypeError(`${owner}: output ${k} is missing from the results`);
      named[k] = wrap(owner, "output", k, () => type.fromLiteral(lit, ctx, [k]));
    }
    switch (this.shape) {
      case "none":
        return undefined;
      case "single":
        return named.o0;
      case "tuple":
        return this.outputs.map(([k]) => named[k]);
      case "named":
        return named;
    }
  }
}

/**
 * Runs one conversion, naming the entity and the variable in whatever it throws: a type mismatch, and also data that
 * cannot be read at all (malformed msgpack, a blob that is missing), which would otherwise surface without context.
 */
function wrap<R>(owner: string, kind: "input" | "output", name: string, fn: () => R): R {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FlyteTypeError) {
      throw new FlyteTypeError(`${owner}: ${kind} ${e.message}`, { cause: e, path: e.path, expected: e.expected });
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new FlyteTypeError(`${owner}: ${kind} ${name} cannot be ${kind === "input" ? "read" : "written"}: ${why}`, {
      cause: e,
      path: [name],
    });
  }
}

/** Native values for every declared input. */
export type ValueInputsOf<I extends InputSpec> = { [K in keyof I]: InferIn<I[K]> };
