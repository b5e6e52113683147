/**
 * The task base: metadata with flytekit's validation rules, and the execution path shared by every task —
 * `localExecute` (cache, sandbox), `sandboxExecute` (a fresh working directory and checkpoint) and `dispatchExecute`
 * (literals in, `preExecute`, `execute`, `postExecute`, literals out).
 */
import { join } from "node:path";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { DECK_FIELDS, type DeckField } from "../deck/deck.js";
import { prepareDataframes } from "../types/dataframe-codecs.js";
import { type DurationInput, parseDuration } from "../types/duration.js";
import type { AnyType, DataContext } from "../types/type.js";
import { cacheEnabled, cacheKey, cacheOverwrite, LocalCache } from "./cache.js";
import type { NodeMetadataSpec } from "./compilation.js";
import { localTaskSlots } from "./concurrency.js";
import {
  type ContextState,
  currentState,
  type ExecutionParameters,
  localCheckpoint,
  makeParams,
  runInContext,
  type SecretRequest,
} from "./context.js";
import { Entity } from "./entity.js";
import { interceptFor } from "./intercept.js";
import { type InputSpec, Interface, type OutputSpec } from "./interface.js";
import { type Docs, type ResolvedDocs, resolveDocs } from "./docs.js";
import { flushData, localDataAt, withRemoteBlobs } from "./local-data.js";
import { addStandardDecks, writeLocalDeck } from "./task-decks.js";
import { noteCacheHit, noteDeck } from "./observer.js";
import type { Identity } from "./naming.js";
import {
  type Accelerator,
  checkAccelerator,
  checkPodTemplate,
  checkSharedMemory,
  type PodTemplate,
  type ResourceSpec,
  type Resources,
  resolveResources,
  type ResourceValues,
} from "./resources.js";

/** How many local task sandboxes this process has named (each gets a directory of its own). */
let sandboxes = 0;

export type { Accelerator, PodTemplate } from "./resources.js";

/** Cache settings: a version is required (bump it when the task's behaviour changes). */
export interface CacheSpec {
  /** The cache version. */
  version: string;
  /** Run at most one instance per key at a time on a cluster (`cache_serializable`). */
  serialize?: boolean;
  /** Inputs left out of the cache key. */
  ignoredInputs?: readonly string[];
}

/** How a function task runs: as a plain function, as a dynamic workflow, or as an eager workflow. */
export type ExecutionMode = "default" | "dynamic" | "eager";

/** Options every task accepts (the `@task` arguments, in TypeScript form). */
export interface TaskOptions<I extends InputSpec, O extends OutputSpec> {
  /** An explicit name; by default `<module>.<export>`. */
  name?: string;
  /** Typed inputs. */
  inputs?: I;
  /** Typed outputs: one type (`o0`), a tuple (`o0`, `o1`...), or named. */
  outputs?: O;
  /** Cache outputs by inputs. `true` alone is an error, as in flytekit: give a version. */
  cache?: boolean | CacheSpec;
  /** How many times Flyte retries the task on a recoverable failure. */
  retries?: number;
  /** Maximum run time: milliseconds or a string like `"1h30m"`. */
  timeout?: DurationInput;
  /** Whether the task may run on interruptible (spot) machines. */
  interruptible?: boolean;
  /** A deprecation message shown to users of the task. */
  deprecated?: string;
  /** Environment variables for the task's container. */
  environment?: Record<string, string>;
  /** Resource requests. Not combinable with `resources`. */
  requests?: ResourceValues;
  /** Resource limits. Not combinable with `resources`. */
  limits?: ResourceValues;
  /** Resources: a value sets the request, a `[request, limit]` pair sets both. */
  resources?: ResourceSpec;
  /** Secrets the task reads (`currentContext().secrets.get(group, key)`). */
  secrets?: readonly SecretRequest[];
  /** The container image, or a template like `{{.image.default.fqn}}:{{.image.default.version}}`. */
  containerImage?: string;
  /** Whether the task renders decks. */
  enableDeck?: boolean;
  /** Which standard decks to render when decks are on. */
  deckFields?: readonly DeckField[];
  /**
   * Documentation: a text read as a docstring (first line short, the rest long) or `{ short, long }`; written as the
   * TaskSpec's description.
   */
  docs?: Docs;
  /** Inputs injected by plugins that are not part of the Flyte interface. */
  ignoreInputVars?: readonly string[];
  /** Plugin configuration, serialized into the task's `custom` field by plugins. */
  taskConfig?: unknown;
  /** The Flyte task type (default `python-task`, which is what propeller's container plugin runs). */
  taskType?: string;
  /** Runs before the task with its execution parameters; may return new ones. */
  preExecute?: (params: ExecutionParameters) => ExecutionParameters | undefined;
  /** Runs after the task with its outputs; returns the outputs to use. */
  postExecute?: (params: ExecutionParameters, outputs: unknown) => unknown;
  /** A named pod template on the cluster. */
  podTemplateName?: string;
  /** A pod template (a Kubernetes PodSpec and metadata) for the task's pod. */
  podTemplate?: PodTemplate;
  /** A GPU accelerator, e.g. `{ device: "nvidia-tesla-a100", partitionSize: "1g.5gb" }`. */
  accelerator?: Accelerator;
  /** Shared memory: `true` for unlimited, or a size like `"2Gi"`. */
  sharedMemory?: boolean | string;
  /** Kubernetes labels on the task's pod. */
  labels?: Record<string, string>;
  /** Kubernetes annotations on the task's pod. */
  annotations?: Record<string, string>;
}

/** The option names tasks accept; anything else is rejected at definition time. */
export const TASK_OPTION_NAMES: readonly string[] = [
  "name",
  "inputs",
  "outputs",
  "cache",
  "retries",
  "timeout",
  "interruptible",
  "deprecated",
  "environment",
  "requests",
  "limits",
  "resources",
  "secrets",
  "containerImage",
  "enableDeck",
  "deckFields",
  "docs",
  "ignoreInputVars",
  "taskConfig",
  "taskType",
  "preExecute",
  "postExecute",
  "podTemplateName",
  "podTemplate",
  "accelerator",
  "sharedMemory",
  "labels",
  "annotations",
];

/** Resolved task metadata, the twin of flytekit's `TaskMetadata`. */
export interface TaskMetadata {
  readonly cache: boolean;
  readonly cacheSerialize: boolean;
  readonly cacheVersion: string;
  readonly cacheIgnoreInputVars: readonly string[];
  readonly interruptible: boolean | undefined;
  readonly deprecated: string;
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly podTemplateName: string | undefined;
  readonly generatesDeck: boolean;
  readonly isEager: boolean;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** Checks option names and resolves metadata with flytekit's rules. */
export function resolveMetadata(
  owner: string,
  o: TaskOptions<any, any>,
  allowed: readonly string[] = TASK_OPTION_NAMES,
): TaskMetadata {
  if (Object.hasOwn(o, "nodeDependencyHints") && !allowed.includes("nodeDependencyHints")) {
    throw new FlyteValidationError(`${owner}: nodeDependencyHints should only be used on dynamic tasks`);
  }
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new FlyteValidationError(
      `${owner}: unrecognized option(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; known options: ${allowed.join(", ")}`,
    );
  }
  let cache = false;
  let cacheVersion = "";
  let cacheSerialize = false;
  let ignored: readonly string[] = [];
  if (o.cache === true) {
    throw new FlyteValidationError(
      `${owner}: cache: true needs a version; use cache: { version: "1" } and bump it when the task changes`,
    );
  } else if (o.cache && typeof o.cache === "object") {
    if (typeof o.cache.version !== "string" || o.cache.version === "") {
      throw new FlyteValidationError(`${owner}: cache.version must be a non-empty string`);
    }
    cache = true;
    cacheVersion = o.cache.version;
    cacheSerialize = o.cache.serialize ?? false;
    ignored = o.cache.ignoredInputs ?? [];
    for (const k of Object.keys(o.cache)) {
      if (!["version", "serialize", "ignoredInputs"].includes(k))
        throw new FlyteValidationError(`${owner}: unknown cache option ${JSON.stringify(k)}`);
    }
  } else if (o.cache !== undefined && o.cache !== false) {
    throw new FlyteValidationError(`${owner}: cache must be false or { version, serialize?, ignoredInputs? }`);
  }
  const inputNames = Object.keys(o.inputs ?? {});
  for (const k of ignored) {
    if (!inputNames.includes(k))
      throw new FlyteValidationError(`${owner}: cache.ignoredInputs names ${JSON.stringify(k)}, which is not an input`);
  }
  const retries = o.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0)
    throw new FlyteValidationError(`${owner}: retries must be a non-negative integer, got ${retries}`);
  let timeoutMs: number | undefined;
  if (o.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(o.timeout);
    } catch (e) {
      throw new FlyteValidationError(`${owner}: timeout: ${(e as Error).message}`);
    }
    if (timeoutMs < 0) throw new FlyteValidationError(`${owner}: timeout must not be negative`);
    if (timeoutMs === 0) timeoutMs = undefined;
  }
  return {
    cache,
    cacheSerialize,
    cacheVersion,
    cacheIgnoreInputVars: ignored,
    interruptible: o.interruptible,
    deprecated: o.deprecated ?? "",
    retries,
    timeoutMs,
    podTemplateName: o.podTemplateName,
    generatesDeck: o.enableDeck ?? false,
    isEager: false,
    labels: o.labels ?? {},
    annotations: o.annotations ?? {},
  };
}

/** Raised when a task body fails; `cause` is what it threw. */
export class TaskExecutionError extends FlyteUserError {
  /** The failing task's name. */
  readonly taskName: string;
  constructor(taskName: string, cause: unknown) {
    super(
      `Error encountered while executing '${taskName}': ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.taskName = taskName;
  }
}

/** The result of `execute` that is already a literal map (dynamic tasks return one locally). */
export interface LiteralResult {
  readonly literals: LiteralMap;
}

/** The base of every task. */
export abstract class Task<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Entity<I, O> {
  readonly kind = "task" as const;
  /** The Flyte task type. */
  readonly taskType: string;
  /** The Flyte task type version. */
  readonly taskTypeVersion: number = 0;
  /** Resolved metadata. */
  readonly metadata: TaskMetadata;
  /** The interface as Flyte sees it (without `ignoreInputVars`). */
  readonly flyteInterface: Interface;
  /** The options the task was declared with. */
  readonly options: TaskOptions<I, O>;
  /** Resolved resources. */
  readonly resources: Resources;
  /** The deck fields rendered when decks are on. */
  readonly deckFields: readonly DeckField[];
  /** The documentation, split into short and long descriptions. */
  readonly docs: ResolvedDocs | undefined;

  constructor(options: TaskOptions<I, O>, identity: Identity, allowedOptions?: readonly string[]) {
    const owner = options.name ?? identity.module ?? "task";
    const iface = new Interface(options.inputs ?? {}, options.outputs, owner);
    super(iface, identity);
    // A task defined inside a workflow body is loaded through that workflow (loader args: its index there).
    const comp = currentState().compilation;
    if (currentState().mode === "compile" && comp?.owner) {
      const owner = comp.owner as unknown as { name: string; location: string };
      this.identity = { ...identity, definedIn: { workflow: owner, index: comp.owner.registerBodyTask(this) } };
    }
    this.options = options;
    this.metadata = { ...resolveMetadata(owner, options, allowedOptions), ...this.fixedMetadata() };
    this.taskType = options.taskType ?? "python-task";
    const ignore = options.ignoreInputVars ?? [];
    for (const k of ignore) {
      if (!Object.hasOwn(iface.inputTypes, k))
        throw new FlyteValidationError(`${owner}: ignoreInputVars names ${JSON.stringify(k)}, which is not an input`);
    }
    this.flyteInterface = ignore.length ? iface.without(ignore) : iface;
    this.resources = resolveResources(owner, options);
    this.docs = resolveDocs(owner, options.docs);
    if (options.accelerator !== undefined) checkAccelerator(owner, "accelerator", options.accelerator);
    if (options.sharedMemory !== undefined && options.sharedMemory !== false)
      checkSharedMemory(owner, "sharedMemory", options.sharedMemory);
    if (options.podTemplate !== undefined) checkPodTemplate(owner, "podTemplate", options.podTemplate);
    if (options.enableDeck !== undefined && typeof options.enableDeck !== "boolean") {
      throw new FlyteValidationError(
        `${owner}: enableDeck must be true or false, got ${JSON.stringify(options.enableDeck)}`,
      );
    }
    if (options.deckFields !== undefined && !Array.isArray(options.deckFields)) {
      throw new FlyteValidationError(
        `${owner}: deckFields must be an array of deck fields (${DECK_FIELDS.join(", ")}), got ${JSON.stringify(options.deckFields)}`,
      );
    }
    for (const f of options.deckFields ?? []) {
      if (!(DECK_FIELDS as readonly string[]).includes(f))
        throw new FlyteValidationError(
          `${owner}: unknown deck field ${JSON.stringify(f)}; known: ${DECK_FIELDS.join(", ")}`,
        );
    }
    // Deck fields only matter with decks on; flytekit drops them otherwise.
    this.deckFields = options.enableDeck ? (options.deckFields ?? DECK_FIELDS) : [];
    for (const s of options.secrets ?? []) {
      if (!s || typeof s !== "object" || typeof s.group !== "string" || !s.group) {
        throw new FlyteValidationError(
          `${owner}: each secret must be an object with a group, got ${JSON.stringify(s)}`,
        );
      }
    }
  }

  /**
   * Metadata set by the kind of task rather than by its options (eager tasks fix `isEager`). It is called while the
   * base constructor runs, so overrides must not read fields of the subclass.
   */
  protected fixedMetadata(): Partial<TaskMetadata> {
    return {};
  }

  /** The declared input types (`getInputTypes` twin). */
  getInputTypes(): Readonly<Record<string, AnyType>> {
    return this.interface.inputTypes;
  }

  /** The type of one input (`getTypeForInputVar` twin). */
  getTypeForInputVar(name: string): AnyType {
    const t = this.interface.inputTypes[name];
    if (!t) throw new FlyteValidationError(`${this.name} has no input ${JSON.stringify(name)}`);
    return t;
  }

  /** The type of one output (`getTypeForOutputVar` twin). */
  getTypeForOutputVar(name: string): AnyType {
    const t = this.interface.outputTypes[name];
    if (!t) throw new FlyteValidationError(`${this.name} has no output ${JSON.stringify(name)}`);
    return t;
  }

  override nodeMetadata(): NodeMetadataSpec {
    return {
      name: this.shortName,
      retries: this.metadata.retries,
      timeoutMs: this.metadata.timeoutMs,
      interruptible: this.metadata.interruptible,
    };
  }

  /** Runs the task body with native inputs; subclasses supply it. */
  abstract execute(inputs: Record<string, unknown>): Promise<unknown> | unknown;

  /** Hook before execution; the default returns the parameters unchanged (or the `preExecute` option's result). */
  preExecute(params: ExecutionParameters): ExecutionParameters {
    return this.options.preExecute?.(params) ?? params;
  }

  /** Hook after execution; the default returns the outputs unchanged (or the `postExecute` option's result). */
  postExecute(params: ExecutionParameters, outputs: unknown): unknown {
    return this.options.postExecute ? this.options.postExecute(params, outputs) : outputs;
  }

  /** Local execution on literals: the cache, then `sandboxExecute`. Runs with a bound on concurrent local tasks. */
  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    return this.localExecute(inputs);
  }

  /** Local execution: looks up the cache (when the task caches and local caching is on), else runs. */
  async localExecute(inputs: LiteralMap): Promise<LiteralMap> {
    const m = this.metadata;
    // A replaced body (see intercept.ts) never reads nor writes the cache: its outputs are not the task's.
    if (!m.cache || !cacheEnabled() || interceptFor(this)) return this.runSandboxed(inputs);
    this.resolveName();
    const cache = new LocalCache();
    const key = cacheKey(this.name, m.cacheVersion, inputs, m.cacheIgnoreInputVars);
    if (!cacheOverwrite()) {
      const hit = cache.get(key);
      if (hit) {
        currentState().params.logger.debug("local cache hit", { task: this.name, key });
        noteCacheHit();
        return hit;
      }
    }
    const out = await this.runSandboxed(inputs);
    try {
      cache.put(key, out, { task: this.name, version: m.cacheVersion });
    } catch (e) {
      // The task succeeded: a cache that cannot be written costs the next run, not this one.
      currentState().params.logger.warn(`${this.name}: could not write the local cache entry in ${cache.dir}`, e);
    }
    return out;
  }

  /** Whether this task holds a local concurrency slot while it runs (eager tasks, which only wait, do not). */
  protected get usesTaskSlot(): boolean {
    return true;
  }

  private runSandboxed(inputs: LiteralMap): Promise<LiteralMap> {
    return this.usesTaskSlot ? localTaskSlots.run(() => this.sandboxExecute(inputs)) : this.sandboxExecute(inputs);
  }

  /**
   * Runs `dispatchExecute` in a fresh working directory with its own checkpoint directory. The directory is created
   * when first read: making and later removing one per task was most of a small task's local cost.
   */
  async sandboxExecute(inputs: LiteralMap): Promise<LiteralMap> {
    const outer = currentState();
    const workingDirectory = join(outer.localRoot, `task-${process.pid}-${++sandboxes}`);
    const params = makeParams({
      localRoot: outer.localRoot,
      workingDirectory,
      lazyWorkingDirectory: true,
      local: true,
      executionId: outer.params.executionId,
      taskId: { ...outer.params.taskId, name: this.name },
      rawOutputPrefix: outer.params.rawOutputPrefix,
      checkpoint: localCheckpoint(join(workingDirectory, "__cp")),
      enableDeck: this.metadata.generatesDeck,
      secrets: outer.params.secrets,
      signal: outer.params.signal,
    });
    const state: ContextState = {
      mode: outer.mode === "compile" ? "local" : outer.mode,
      localRoot: outer.localRoot,
      params,
    };
    // Remote blobs read in memory by the conversion (untyped values written to a remote raw output prefix by an
    // upstream task) are fetched first; raw outputs bound for a remote prefix are uploaded before the outputs go on.
    try {
      const data = await withRemoteBlobs(
        localDataAt(params.rawOutputPrefix),
        inputs.literals,
        this.interface.inputTypes,
        params.signal,
      );
      const out = await runInContext(state, () => this.dispatchExecute(inputs, data));
      await flushData(data, params.signal);
      return out;
    } finally {
      // Also after a failure: the decks so far (the timeline, user decks) help to see why, as in a container.
      if (params.enableDeck) {
        const path = writeLocalDeck(this.name, params);
        if (path) noteDeck(path);
      }
    }
  }

  /**
   * The execution path shared by local runs and containers: `preExecute`, inputs from literals, `execute`,
   * `postExecute`, outputs to literals, decks. Must run inside a context whose parameters belong to this task.
   */
  async dispatchExecute(inputs: LiteralMap, data: DataContext): Promise<LiteralMap> {
    const preparing = prepareDataframes();
    if (preparing) await preparing;
    const state = currentState();
    const params = this.preExecute(state.params);
    const inner: ContextState = params === state.params ? state : { ...state, params };
    return runInContext(inner, async () => {
      // The Timeline deck comes first, as in flytekit, and records the phases below.
      const timeline = params.enableDeck && this.deckFields.includes("Timeline") ? params.timeline : undefined;
      if (timeline && !params.decks.includes(timeline)) params.decks.unshift(timeline);
      const native = timeline
        ? timeline.timeSync("Convert inputs", () => this.interface.literalsToInputs(inputs, data, this.name))
        : this.interface.literalsToInputs(inputs, data, this.name);
      let outputs: unknown;
      try {
        const replacement = interceptFor(this);
        const run = () => (replacement ? replacement(native) : this.execute(native));
        outputs = await (timeline ? timeline.time("Run the task body", run) : run());
      } catch (e) {
        throw new TaskExecutionError(this.name, e);
      }
      outputs = this.postExecute(params, outputs);
      // A dynamic task in a container returns its DynamicJobSpec as is: the entrypoint writes it as futures.pb.
      if ((outputs as { $typeName?: string } | null)?.$typeName === "flyteidl.core.DynamicJobSpec") {
        return outputs as LiteralMap;
      }
      const convert = () =>
        isLiteralResult(outputs) ? outputs.literals : this.interface.outputsToLiterals(outputs, data, this.name);
      const result = timeline ? timeline.timeSync("Convert outputs", convert) : convert();
      if (params.enableDeck) {
        const named = isLiteralResult(outputs) ? undefined : this.interface.splitOutputs(outputs, this.name);
        await addStandardDecks({ deckFields: this.deckFields, source: () => this.sourceCode() }, params, native, named);
      }
      return result;
    });
  }

  /** The source shown in the "Source Code" deck, and its highlight.js language. */
  protected sourceCode(): { code: string; language: string } {
    return { code: "", language: "" };
  }
}

/** Whether `v` is an already-converted literal result. */
export function isLiteralResult(v: unknown): v is LiteralResult {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as { literals?: { $typeName?: string } }).literals?.$typeName === "flyteidl.core.LiteralMap"
  );
}
