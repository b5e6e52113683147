/**
 * Node overrides, the twin of flytekit's `with_overrides`: per-call changes to one node of a workflow body (its id,
 * display name, retries, timeout, interruptible flag and cache, and for task nodes its resources, image, pod template,
 * accelerator, shared memory and task config), checked when they are set. They are serialized where flytekit puts
 * them: the node's `NodeMetadata` and its `TaskNode.overrides`.
 */
import { FlyteValidationError } from "../errors.js";
import { type DurationInput, parseDuration } from "../types/duration.js";
import {
  type CompilationState,
  containsRef,
  dnsify,
  type NodeMetadataSpec,
  type NodeSpec,
  type TaskNodeOverridesSpec,
} from "./compilation.js";
import { currentState } from "./context.js";
import { nodeOf } from "./promise.js";
import type { Runnable } from "./runnable.js";
import {
  type Accelerator,
  checkAccelerator,
  checkPodTemplate,
  checkSharedMemory,
  type PodTemplate,
  type ResourceSpec,
  resolveResources,
  type ResourceValues,
} from "./resources.js";

/** What `withOverrides` can change on a node. Every field is optional; unset fields keep the entity's values. */
export interface NodeOverrides {
  /** The node id, made DNS-safe as flytekit does (`"First Add"` becomes `first-add`); unique in the workflow. */
  nodeName?: string;
  /** The node's display name (`NodeMetadata.name`; by default the entity's short name). */
  name?: string;
  /** How many times Flyte retries the node on a recoverable failure. */
  retries?: number;
  /** Maximum run time (milliseconds or a string like `"1h30m"`); `null` removes the task's timeout. */
  timeout?: DurationInput | null;
  /** Whether the node may run on interruptible (spot) machines. */
  interruptible?: boolean;
  /** Resource requests of a task node. Not combinable with `resources`. */
  requests?: ResourceValues;
  /** Resource limits of a task node. Not combinable with `resources`. */
  limits?: ResourceValues;
  /** Resources of a task node: a value sets the request, a `[request, limit]` pair sets both. */
  resources?: ResourceSpec;
  /** The container image of a task node (an image or a template like `{{.image.gpu.fqn}}:v2`). */
  containerImage?: string;
  /** Caching of a task node's outputs: `false` turns it off, `{ version, serialize? }` turns it on. */
  cache?: false | { version: string; serialize?: boolean };
  /** A task node's plugin configuration, of the same kind as the task's own `taskConfig`. */
  taskConfig?: unknown;
  /** A pod template for a task node's pod. */
  podTemplate?: PodTemplate;
  /** A GPU accelerator for a task node. */
  accelerator?: Accelerator;
  /** Shared memory for a task node: `true` for as much as its memory, or a size like `"2Gi"`. */
  sharedMemory?: true | string;
}

/** Call results inside a workflow body carry `withOverrides`, which changes their node and returns them. */
export interface Overridable {
  /**
   * Overrides the node's settings (see {@link NodeOverrides}) and returns the same call result.
   *
   * @example
   * const s = add({ a, b }).withOverrides({ nodeName: "sum", retries: 3, requests: { mem: "2Gi" } });
   */
  withOverrides(overrides: NodeOverrides): this;
}

/** Options that only task nodes (a task or a map task) take. */
const TASK_ONLY: readonly (keyof NodeOverrides)[] = [
  "requests",
  "limits",
  "resources",
  "containerImage",
  "cache",
  "taskConfig",
  "podTemplate",
  "accelerator",
  "sharedMemory",
];

const OPTION_NAMES: readonly (keyof NodeOverrides)[] = [
  "nodeName",
  "name",
  "retries",
  "timeout",
  "interruptible",
  ...TASK_ONLY,
];

/** What checked overrides change: metadata fields, task node overrides, and the node id. */
interface CheckedOverrides {
  nodeId?: string;
  metadata: Partial<NodeMetadataSpec> & { clearTimeout?: boolean };
  task: TaskNodeOverridesSpec;
}

/**
 * Checks overrides with flytekit's rules and returns what they change. `owner` names the node in errors. Every value
 * must be a constant: a reference (a promise, in flytekit's words) is an error.
 */
function checkOverrides(owner: string, o: unknown): CheckedOverrides {
  if (o === null || typeof o !== "object" || Array.isArray(o))
    throw new FlyteValidationError(`${owner}: withOverrides takes an object of overrides, got ${JSON.stringify(o)}`);
  const opts = o as Record<string, unknown>;
  const unknown = Object.keys(opts).filter((k) => !(OPTION_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new FlyteValidationError(
      `${owner}: unrecognized override(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; known: ${OPTION_NAMES.join(", ")}`,
    );
  }
  for (const [k, v] of Object.entries(opts)) {
    if (containsRef(v))
      throw new FlyteValidationError(
        `${owner}: override ${k} is a reference; overrides take constant values known when the workflow is compiled`,
      );
  }
  const out: CheckedOverrides = { metadata: {}, task: {} };
  const bad = (k: string, v: unknown, expected: string) =>
    new FlyteValidationError(`${owner}: override ${k} = ${JSON.stringify(v) ?? String(v)} is not ${expected}`);
  const o2 = opts as NodeOverrides;
  if (o2.nodeName !== undefined) {
    if (typeof o2.nodeName !== "string") throw bad("nodeName", o2.nodeName, "a string");
    const id = dnsify(o2.nodeName);
    if (id === "") throw bad("nodeName", o2.nodeName, "a name with letters or digits");
    out.nodeId = id;
  }
  if (o2.name !== undefined) {
    if (typeof o2.name !== "string" || o2.name === "") throw bad("name", o2.name, "a non-empty string");
    out.metadata.name = o2.name;
  }
  if (o2.retries !== undefined) {
    if (!Number.isInteger(o2.retries) || (o2.retries as number) < 0)
      throw bad("retries", o2.retries, "a non-negative integer");
    out.metadata.retries = o2.retries;
  }
  if (o2.timeout === null) out.metadata.clearTimeout = true;
  else if (o2.timeout !== undefined) {
    let ms: number;
    try {
      ms = parseDuration(o2.timeout);
    } catch (e) {
      throw new FlyteValidationError(`${owner}: override timeout: ${(e as Error).message}`);
    }
    if (ms < 0) throw bad("timeout", o2.timeout, "a non-negative duration");
    if (ms === 0) out.metadata.clearTimeout = true;
    else out.metadata.timeoutMs = ms;
  }
  if (o2.interruptible !== undefined) {
    if (typeof o2.interruptible !== "boolean") throw bad("interruptible", o2.interruptible, "a boolean");
    out.metadata.interruptible = o2.interruptible;
  }
  if (o2.cache !== undefined) {
    const c = o2.cache as unknown;
    if (c === true) {
      throw new FlyteValidationError(
        `${owner}: override cache = true needs a version when overriding; use cache: { version: "1" }`,
      );
    }
    if (c === false) out.metadata.cacheable = false;
    else {
      if (c === null || typeof c !== "object" || Array.isArray(c))
        throw bad("cache", c, "false or { version, serialize? }");
      const cs = c as Record<string, unknown>;
      const extra = Object.keys(cs).filter((k) => k !== "version" && k !== "serialize");
      if (extra.length)
        throw new FlyteValidationError(
          `${owner}: override cache has unknown field(s) ${extra.join(", ")}; a node's cache takes version and serialize`,
        );
      if (typeof cs.version !== "string" || cs.version === "")
        throw bad("cache.version", cs.version, "a non-empty string");
      if (cs.serialize !== undefined && typeof cs.serialize !== "boolean")
        throw bad("cache.serialize", cs.serialize, "a boolean");
      out.metadata.cacheable = true;
      out.metadata.cacheVersion = cs.version;
      out.metadata.cacheSerializable = (cs.serialize as boolean | undefined) ?? false;
    }
  }
  if (o2.requests !== undefined || o2.limits !== undefined || o2.resources !== undefined) {
    out.task.resources = resolveResources(`${owner}: override`, o2);
  }
  if (o2.containerImage !== undefined) {
    if (typeof o2.containerImage !== "string" || o2.containerImage.trim() === "")
      throw bad("containerImage", o2.containerImage, "a non-empty image name");
    out.task.containerImage = o2.containerImage;
  }
  if (o2.accelerator !== undefined) {
    checkAccelerator(owner, "override accelerator", o2.accelerator);
    out.task.accelerator = o2.accelerator;
  }
  if (o2.sharedMemory !== undefined) {
    checkSharedMemory(owner, "override sharedMemory", o2.sharedMemory);
    out.task.sharedMemory = o2.sharedMemory;
  }
  if (o2.podTemplate !== undefined) {
    checkPodTemplate(owner, "override podTemplate", o2.podTemplate);
    out.task.podTemplate = o2.podTemplate;
  }
  return out;
}

/** Whether a node runs a task (a map task included). */
function isTaskEntity(e: Runnable | undefined): boolean {
  return e?.kind === "task";
}

/** Whether a node runs a map task (an ArrayNode on a cluster). */
export function isMapEntity(e: Runnable | undefined): boolean {
  return e !== undefined && e.kind === "task" && Object.hasOwn(e, "inner");
}

/** A task with another task config: the node runs (and serializes) this copy; the task itself is unchanged. */
function withTaskConfig(owner: string, entity: Runnable, config: unknown): Runnable {
  const options = (entity as unknown as { options: { taskConfig?: unknown } }).options;
  const current = options.taskConfig;
  if (current === undefined || current === null)
    throw new FlyteValidationError(
      `${owner}: override taskConfig: ${entity.name} has no task config to override (declare one with taskConfig)`,
    );
  const sameKind =
    typeof config === typeof current &&
    (typeof config !== "object" ||
      (config !== null && Object.getPrototypeOf(config) === Object.getPrototypeOf(current)));
  if (!sameKind)
    throw new FlyteValidationError(
      `${owner}: override taskConfig = ${JSON.stringify(config)} cannot change the kind of ${entity.name}'s task config`,
    );
  return Object.create(entity, { options: { value: Object.freeze({ ...options, taskConfig: config }) } }) as Runnable;
}

function allNodes(nodes: readonly NodeSpec[]): NodeSpec[] {
  const out: NodeSpec[] = [];
  for (const n of nodes) {
    out.push(n);
    for (const c of n.branch?.cases ?? []) if (c.node) out.push(...allNodes([c.node]));
  }
  return out;
}

function renameNode(owner: string, node: NodeSpec, id: string, comp: CompilationState | undefined): void {
  if (id === node.id) return;
  const nodes = allNodes(comp?.nodes ?? []);
  const user = nodes.find((n) => n.upstream.includes(node.id));
  if (user) {
    throw new FlyteValidationError(
      `${owner}: override nodeName must be set before the node's outputs are used (node ${user.id} already uses them)`,
    );
  }
  if (nodes.some((n) => n !== node && n.id === id)) {
    throw new FlyteValidationError(`${owner}: override nodeName ${JSON.stringify(id)} is the id of another node`);
  }
  node.id = id;
  comp?.renamed.add(id);
}

/**
 * Overrides the settings of the node behind a call result inside a workflow or dynamic body (flytekit's
 * `with_overrides`), and returns the call result. Outside a workflow body a call runs at once, so the overrides are
 * checked and have no effect, as for flytekit's ready promises. Call results also have this as a method.
 *
 * @example
 * const s = withOverrides(add({ a, b }), { retries: 3, timeout: "10m", cache: { version: "2" } });
 */
export function withOverrides<C>(call: C, overrides: NodeOverrides): C {
  const state = currentState();
  const node = nodeOf(call) as NodeSpec | undefined;
  if (state.mode !== "compile") {
    checkOverrides("withOverrides", overrides);
    if (node) throw new FlyteValidationError("withOverrides(): the node's workflow body has finished compiling");
    return call;
  }
  if (!node)
    throw new FlyteValidationError(
      "withOverrides(): the first argument is not the result of a call in a workflow body",
    );
  const owner = `node ${node.id} (${node.metadata.name})`;
  const checked = checkOverrides(owner, overrides);
  const entity = node.entity;
  if (!isTaskEntity(entity)) {
    const taskOnly = TASK_ONLY.filter((k) => (overrides as Record<string, unknown>)[k] !== undefined);
    if (taskOnly.length > 0)
      throw new FlyteValidationError(
        `${owner}: override(s) ${taskOnly.join(", ")} apply to task nodes only, and this node runs ${entity ? `the ${entity.kind} ${entity.name}` : "a conditional"}`,
      );
  }
  if (overrides.taskConfig !== undefined) {
    if (isMapEntity(entity))
      throw new FlyteValidationError(`${owner}: override taskConfig: a map task's config is its inner task's`);
    node.entity = withTaskConfig(owner, entity!, overrides.taskConfig);
  }
  if (checked.nodeId !== undefined) renameNode(owner, node, checked.nodeId, state.compilation);
  const { clearTimeout, ...meta } = checked.metadata;
  Object.assign(node.metadata, meta);
  if (clearTimeout) delete node.metadata.timeoutMs;
  if (Object.keys(checked.task).length > 0) node.overrides = { ...node.overrides, ...checked.task };
  return call;
}

/**
 * The entity a node runs locally: its entity, or, when `withOverrides` set the node's cache, a view of the task
 * whose metadata caches (or not) under the node's version, as a cluster caches the node.
 */
export function localNodeEntity(node: NodeSpec): Runnable {
  const e = node.entity!;
  const m = node.metadata;
  if (m.cacheable === undefined || !isTaskEntity(e) || isMapEntity(e)) return e;
  const base = (e as unknown as { metadata: Record<string, unknown> }).metadata;
  const metadata = Object.freeze({
    ...base,
    cache: m.cacheable,
    cacheVersion: m.cacheable ? m.cacheVersion : "",
    cacheSerialize: m.cacheable ? (m.cacheSerializable ?? false) : false,
  });
  return Object.create(e, { metadata: { value: metadata } }) as Runnable;
}
