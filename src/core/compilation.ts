/**
 * Compiling a workflow body: the state collected while the body runs (nodes, bindings) and the rules that turn a
 * call's arguments into Flyte `BindingData` (references, collections, maps and scalar constants).
 */
import { createHash } from "node:crypto";
import { describeValue, FlyteTypeError, FlyteValidationError } from "../errors.js";
import type { Binding, BindingData, Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { OutputReference, PromiseAttribute } from "../idl/gen/flyteidl/core/types_pb.js";
import { areTypesCastable } from "../types/castable.js";
import { ListType, MapType } from "../types/containers.js";
import { setKey } from "../types/keys.js";
import { type AnyType, type DataContext, formatPath, type Path } from "../types/type.js";
import { UnionType } from "../types/union.js";
import type { CompiledCondition } from "./condition.js";
import { isRef, type NodeHandle, refTarget } from "./promise.js";
import type { Accelerator, PodTemplate, Resources } from "./resources.js";
import type { Runnable } from "./runnable.js";

/** Node metadata, the twin of flytekit's `NodeMetadata`. */
export interface NodeMetadataSpec {
  name: string;
  retries?: number;
  timeoutMs?: number;
  interruptible?: boolean;
  /** Set only by node overrides: whether the node's outputs are cached, under which version, serialized. */
  cacheable?: boolean;
  cacheVersion?: string;
  cacheSerializable?: boolean;
}

/** What a task node's overrides change besides its metadata (flytekit's `TaskNodeOverrides`). */
export interface TaskNodeOverridesSpec {
  resources?: Resources;
  accelerator?: Accelerator;
  sharedMemory?: true | string;
  containerImage?: string;
  podTemplate?: PodTemplate;
}

/** A branch of a conditional: a condition and the single node it runs. */
export interface BranchCase {
  readonly condition: CompiledCondition | undefined;
  readonly node: NodeSpec | undefined;
  /** For `fail()` branches: the error message. */
  readonly error?: string;
}

/** A compiled node. */
export interface NodeSpec extends NodeHandle {
  /** The node id; `withOverrides({ nodeName })` replaces it. */
  id: string;
  /** The entity the node runs; undefined for branch nodes. A task config override replaces it with a copy. */
  entity: Runnable | undefined;
  /** Branch cases (if/elif/else), for branch nodes. */
  readonly branch?: { readonly name: string; readonly cases: readonly BranchCase[] };
  /** Input bindings, sorted by variable name. */
  readonly bindings: Binding[];
  readonly upstream: string[];
  readonly metadata: NodeMetadataSpec;
  /** Task node overrides set with `withOverrides`. */
  overrides?: TaskNodeOverridesSpec;
  /** The output types of the node, for attribute access and local conversion. */
  readonly outputTypes: Readonly<Record<string, AnyType>>;
}

/** A workflow that loads the tasks defined inside its body (flytekit's `ClassStorageTaskResolver`). */
export interface WorkflowResolverLike {
  readonly name: string;
  /** Records a task defined inside the body and returns its index. */
  registerBodyTask(task: object): number;
}

/** What a workflow body being compiled collects. */
export class CompilationState {
  /** Prefix of node ids: `""` for workflows, `"d"` for dynamic bodies, `"f"` for failure handlers. */
  readonly prefix: string;
  readonly nodes: NodeSpec[] = [];
  /** Data used to turn constants into literals while compiling. */
  readonly data: DataContext;
  /** The workflow whose body is being compiled, when tasks defined inside it must be tracked. */
  owner: WorkflowResolverLike | undefined = undefined;
  constructor(prefix: string, data: DataContext) {
    this.prefix = prefix;
    this.data = data;
  }
  /** Node ids chosen with `withOverrides({ nodeName })`. */
  readonly renamed = new Set<string>();
  /** The next node id: `<prefix>n<i>`; an error when a renamed node already took it. */
  nextNodeId(): string {
    const id = dnsify(`${this.prefix}n${this.nodes.length}`);
    if (this.renamed.has(id))
      throw new FlyteValidationError(
        `node id ${JSON.stringify(id)} was given to an earlier node with withOverrides({ nodeName }); choose another name`,
      );
    return id;
  }
}

/** Makes a string safe as a Kubernetes/DNS-1123 name part, as flytekit's `_dnsify`. */
export function dnsify(value: string): string {
  const MAX = 63;
  const HASH = 10;
  let s = value.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  s = s
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (s.length > MAX) {
    const h = createHash("md5").update(s).digest("hex").slice(0, HASH);
    s = `${h}-${s.slice(s.length - (MAX - HASH - 1))}`.replace(/-+$/g, "");
  }
  return s;
}

function promiseAttribute(p: string | number): PromiseAttribute {
  return {
    $typeName: "flyteidl.core.PromiseAttribute",
    value: typeof p === "number" ? { case: "intValue", value: p } : { case: "stringValue", value: p },
  };
}

/** Builds the binding data of one argument, collecting the upstream node ids it references. */
export function bindingData(
  type: AnyType,
  value: unknown,
  data: DataContext,
  upstream: Set<string>,
  path: Path,
): BindingData {
  if (isRef(value)) {
    const t = refTarget(value);
    // Flyte's compiler refuses a binding whose type cannot be cast to the input's: refuse it here, at compile().
    if (t.type && !areTypesCastable(t.type.literalType, type.literalType)) {
      const v = `${t.varName}${t.attrPath.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
      const from = t.nodeId === "" ? `workflow input ${v}` : `output ${v} of node ${t.nodeId}`;
      throw new FlyteTypeError(
        `${formatPath(path)}: expected ${type.name}, got ${from} of type ${t.type.name}, which Flyte cannot bind to ${type.name}`,
        { path, expected: type.name },
      );
    }
    if (t.nodeId !== "") upstream.add(t.nodeId);
    const promise: OutputReference = {
      $typeName: "flyteidl.core.OutputReference",
      nodeId: t.nodeId,
      var: t.varName,
      attrPath: t.attrPath.map(promiseAttribute),
    };
    return { $typeName: "flyteidl.core.BindingData", value: { case: "promise", value: promise } };
  }
  if (type instanceof UnionType && containsRef(value)) {
    const errors: string[] = [];
    for (const v of type.variants as readonly AnyType[]) {
      try {
        return bindingData(v, value, data, upstream, path);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    throw new FlyteTypeError(
      `${formatPath(path)}: no variant of ${type.name} accepts ${describeValue(value)} (${errors.join("; ")})`,
    );
  }
  if (Array.isArray(value) && type instanceof ListType) {
    const bindings = value.map((v, i) => bindingData(type.element, v, data, upstream, [...path, i]));
    return {
      $typeName: "flyteidl.core.BindingData",
      value: { case: "collection", value: { $typeName: "flyteidl.core.BindingDataCollection", bindings } },
    };
  }
  if (
    type instanceof MapType &&
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    containsRef(value)
  ) {
    const bindings: Record<string, BindingData> = {};
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
    for (const [k, v] of entries) setKey(bindings, k, bindingData(type.value, v, data, upstream, [...path, k]));
    return {
      $typeName: "flyteidl.core.BindingData",
      value: { case: "map", value: { $typeName: "flyteidl.core.BindingDataMap", bindings } },
    };
  }
  if (containsRef(value)) {
    throw new FlyteValidationError(
      `${formatPath(path)}: a reference is nested inside a ${type.name} value; only lists and maps of references can be bound`,
    );
  }
  const lit: Literal = type.toLiteral(value, data, path);
  return literalBindingData(lit);
}

/** Binding data holding a constant literal (collections and maps become binding collections and maps). */
export function literalBindingData(lit: Literal): BindingData {
  switch (lit.value.case) {
    case "scalar":
      return { $typeName: "flyteidl.core.BindingData", value: { case: "scalar", value: lit.value.value } };
    case "collection":
      return {
        $typeName: "flyteidl.core.BindingData",
        value: {
          case: "collection",
          value: {
            $typeName: "flyteidl.core.BindingDataCollection",
            bindings: lit.value.value.literals.map(literalBindingData),
          },
        },
      };
    case "map": {
      const bindings: Record<string, BindingData> = {};
      for (const [k, l] of Object.entries(lit.value.value.literals)) setKey(bindings, k, literalBindingData(l));
      return {
        $typeName: "flyteidl.core.BindingData",
        value: { case: "map", value: { $typeName: "flyteidl.core.BindingDataMap", bindings } },
      };
    }
    default:
      throw new FlyteValidationError(`cannot bind a literal of kind ${lit.value.case ?? "unset"}`);
  }
}

/** Whether a value contains a reference anywhere inside arrays and plain objects. */
export function containsRef(value: unknown): boolean {
  if (isRef(value)) return true;
  if (Array.isArray(value)) return value.some(containsRef);
  if (value instanceof Map) return [...value.values()].some(containsRef);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).some(containsRef);
  }
  return false;
}

/** A `Binding{var, binding}`. */
export function binding(varName: string, data: BindingData): Binding {
  return { $typeName: "flyteidl.core.Binding", var: varName, binding: data };
}
