/**
 * What tasks, workflows and launch plans share: a name, a typed interface, and the call handler that either adds a
 * node (inside a workflow body) or runs the entity (anywhere else).
 */
import { FlyteTypeError, FlyteValidationError } from "../errors.js";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { ListType, MapType } from "../types/containers.js";
import { prepareDataframes } from "../types/dataframe-codecs.js";
import type { AnyType, Infer, InferIn } from "../types/type.js";
import { binding, bindingData, type CompilationState, type NodeMetadataSpec, type NodeSpec } from "./compilation.js";
import { currentState } from "./context.js";
import type { InputSpec, Interface, NativeOutputs, OutputSpec } from "./interface.js";
import { localData, withRemoteBlobs } from "./local-data.js";
import { makeRef, NODE, type Ref, type VoidRef } from "./promise.js";
import { describeIdentity, type Identity, settleExportName } from "./naming.js";
import type { EntityKind } from "./runnable.js";
import { type NodeOverrides, type Overridable, withOverrides } from "./overrides.js";

/**
 * A value or reference that can be bound to an input of type `T` in a workflow body. A call whose inputs are all
 * constants is typed as a Promise; inside a workflow body it is a reference at run time, so it can be bound too.
 */
export type Bindable<T extends AnyType> =
  | Ref<Infer<T>>
  | PromiseLike<Infer<T>>
  | (T extends ListType<infer E>
      ? Bindable<E>[]
      : T extends MapType<infer E>
        ? Record<string, Bindable<E>>
        : InferIn<T>);

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<I extends InputSpec> = {
  [K in keyof I]: I[K]["hasDefault"] extends true ? K : I[K]["acceptsNone"] extends true ? K : never;
}[keyof I];

/** Inputs of a call inside a workflow body: values or references. */
export type BindInputs<I extends InputSpec> = Simplify<
  { [K in Exclude<keyof I, OptionalKeys<I>>]: Bindable<I[K]> } & { [K in OptionalKeys<I>]?: Bindable<I[K]> }
>;

/** Inputs of a call with native values. */
export type ValueInputs<I extends InputSpec> = Simplify<
  { [K in Exclude<keyof I, OptionalKeys<I>>]: InferIn<I[K]> } & { [K in OptionalKeys<I>]?: InferIn<I[K]> }
>;

/** References to a node's outputs, shaped like the declared outputs. */
export type RefOutputs<O extends OutputSpec> = O extends undefined
  ? VoidRef & Overridable
  : O extends AnyType
    ? Ref<Infer<O>> & Overridable
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: Ref<Infer<O[K]>> } & Overridable
      : O extends Record<string, AnyType>
        ? Simplify<{ [K in keyof O]: Ref<Infer<O[K]>> }> & Overridable
        : never;

type Args<T> = {} extends T ? [inputs?: T] : [inputs: T];

/**
 * The call signatures of an entity: with native values it runs and returns a Promise of the outputs; inside a
 * workflow body, with references, it adds a node and returns references.
 */
export interface Callable<I extends InputSpec, O extends OutputSpec> {
  (...args: Args<ValueInputs<I>>): Promise<NativeOutputs<O>>;
  (...args: Args<BindInputs<I>>): RefOutputs<O>;
}

export type { EntityKind } from "./runnable.js";

/** The base of tasks, workflows and launch plans. */
export abstract class Entity<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> {
  /**
   * The declared input and output specs, for the type checker only (never set at run time): they let APIs that take
   * any entity, such as `FlyteRemote.execute`, infer its inputs and outputs.
   */
  declare readonly types?: { readonly inputs: I; readonly outputs: O };
  abstract readonly kind: EntityKind;
  /** The typed interface. */
  readonly interface: Interface;
  /** Where the entity was defined and under which export; set on definition and when its module is scanned. */
  identity: Identity;

  constructor(iface: Interface, identity: Identity) {
    this.interface = iface;
    this.identity = identity;
  }

  /** The entity's Flyte name: explicit, or `<module>.<export>`. */
  get name(): string {
    return describeIdentity(this.identity);
  }

  /** The module the entity was defined in (flytekit's `instantiated_in`), e.g. `examples.hello`. */
  get instantiatedIn(): string | undefined {
    return this.identity.module;
  }

  /** The export under which its module exposes the entity (flytekit's `lhs`); throws when it is not exported. */
  get lhs(): string {
    const lhs = settleExportName(this.identity);
    if (!lhs) {
      throw new FlyteValidationError(
        `${this.name} is not known under any export of ${this.identity.module ?? "its module"}; export it so the container can load it`,
      );
    }
    return lhs;
  }

  /** The importable location of the entity: `<module>.<export>` (flytekit's `location`). */
  get location(): string {
    return `${this.identity.module ?? "__main__"}.${this.lhs}`;
  }

  /** The last dotted segment of the name, used as node display names. */
  get shortName(): string {
    const n = this.name;
    return n.slice(n.lastIndexOf(".") + 1);
  }

  /**
   * Settles the entity's name from its definition's source (see `settleExportName`): at once and the same way
   * every time, whatever the load on the machine. Entities named after another entity settle that one.
   */
  resolveName(): void {
    settleExportName(this.identity);
  }

  /** Node metadata for nodes that run this entity. */
  nodeMetadata(): NodeMetadataSpec {
    return { name: this.shortName };
  }

  /** Runs the entity locally on a literal map of inputs. */
  abstract executeLiterals(inputs: LiteralMap): Promise<LiteralMap>;

  /** The call handler: compile inside a workflow body, run anywhere else. */
  invoke(inputs: Record<string, unknown> = {}): unknown {
    const state = currentState();
    if (state.mode === "compile") return this.compileCall(state.compilation!, inputs);
    if (state.controller) return state.controller.submit(this, inputs);
    return this.localCall(inputs);
  }

  /** Runs the entity in-process with native inputs and returns native outputs. */
  async localCall(inputs: Record<string, unknown>): Promise<unknown> {
    this.resolveName();
    const preparing = prepareDataframes();
    if (preparing) await preparing;
    const data = localData();
    const lm = this.interface.inputsToLiterals(inputs, data, this.name);
    const out = await this.executeLiterals(lm);
    const reading = await withRemoteBlobs(data, out.literals, this.interface.outputTypes, currentState().params.signal);
    return this.interface.literalsToOutputs(out, reading, this.name);
  }

  /** Adds a node that runs this entity to the workflow being compiled, and returns references to its outputs. */
  compileCall(comp: CompilationState, inputs: Record<string, unknown>): unknown {
    this.interface.checkInputNames(inputs, this.name);
    const upstream = new Set<string>();
    const bindings = [];
    for (const [k, type] of [...this.interface.inputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let v = inputs[k];
      if (v === undefined) {
        if (type.hasDefault) v = type.defaultValue;
        else if (!type.acceptsNone) {
          throw new FlyteValidationError(`${this.name}: input ${k} (${type.name}) was not specified`);
        } else v = null;
      }
      try {
        bindings.push(binding(k, bindingData(type, v, comp.data, upstream, [k])));
      } catch (e) {
        if (e instanceof FlyteTypeError)
          throw new FlyteTypeError(`${this.name} (node ${comp.nextNodeId()}): input ${e.message}`, {
            cause: e,
            path: e.path,
          });
        throw e;
      }
    }
    const node: NodeSpec = {
      id: comp.nextNodeId(),
      entity: this,
      bindings,
      upstream: [...upstream],
      metadata: this.nodeMetadata(),
      outputTypes: this.interface.outputTypes,
    };
    comp.nodes.push(node);
    return outputRefs(node, this.interface);
  }
}

/**
 * References to a node's outputs, shaped by the interface. Every shape carries the node for ordering, and a
 * `withOverrides` method (hidden by an output or struct field of that name; the `withOverrides` function still works).
 */
export function outputRefs(node: NodeSpec, iface: Interface): unknown {
  let result: unknown;
  const methods = {
    withOverrides(overrides: NodeOverrides) {
      return withOverrides(result, overrides);
    },
  };
  const ref = (k: string, m?: Record<string, unknown>) =>
    makeRef({ nodeId: node.id, varName: k, attrPath: [], type: iface.outputTypes[k] }, node, m);
  const seal = <T extends object>(o: T): T => {
    Object.defineProperty(o, NODE, { value: node });
    if (!Object.hasOwn(o, "withOverrides")) Object.defineProperty(o, "withOverrides", { value: methods.withOverrides });
    return Object.freeze(o);
  };
  switch (iface.shape) {
    case "none":
      result = seal({});
      break;
    case "single":
      result = ref("o0", methods);
      break;
    case "tuple":
      result = seal(iface.outputs.map(([k]) => ref(k)));
      break;
    case "named": {
      const obj: Record<string | symbol, unknown> = {};
      for (const [k] of iface.outputs) obj[k] = ref(k);
      result = seal(obj);
      break;
    }
  }
  return result;
}

/**
 * Turns an entity into a callable function that keeps the entity's properties and methods (its prototype is the
 * entity), so `add({ a, b })` works and `add.name` is the Flyte name.
 */
export function makeCallable<E extends Entity<any, any>, F>(entity: E): E & F {
  const fn = function (this: unknown, inputs?: Record<string, unknown>) {
    return (fn as unknown as Entity).invoke(inputs ?? {});
  };
  delete (fn as { name?: string }).name;
  delete (fn as { length?: number }).length;
  Object.setPrototypeOf(fn, entity);
  return fn as unknown as E & F;
}
