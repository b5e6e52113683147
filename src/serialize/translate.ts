/**
 * Translation of tasks, workflows and launch plans into Flyte IDL (`admin.TaskSpec`, `admin.WorkflowSpec`,
 * `admin.LaunchPlan`), in dependency order, with flytekit's field rules (flytekit/tools/translator.py):
 *
 * - TaskTemplate: id, type, metadata (runtime flavor `typescript`), interface, `container` or `k8s_pod` (never
 *   both; `sql` for tasks that provide a statement), security context, extended resources, custom, config and
 *   the task type version.
 * - WorkflowTemplate: nodes with sorted bindings, workflow inputs as promises of node `""`, failure node, and every
 *   subworkflow embedded in `sub_workflows`.
 * - LaunchPlan: a default one per workflow (the workflow's name), always with a `closure`.
 */
import { create, equals, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { BranchCase, NodeSpec, TaskNodeOverridesSpec } from "../core/compilation.js";
import { type CompiledCondition, type CompiledOperand, describeOperand, isComparableType } from "../core/condition.js";
import { DynamicTask } from "../core/dynamic.js";
import { EagerTask } from "../core/eager/eager-task.js";
import type { Entity } from "../core/entity.js";
import type { Interface } from "../core/interface.js";
import { LaunchPlan, type LaunchPlanSecurityContext, type ResolvedLaunchPlanSettings } from "../core/launch-plan.js";
import { localData } from "../core/local-data.js";
import { MapTask } from "../core/map-task.js";
import { PluginTask } from "../core/plugin-task.js";
import { describeIdentity } from "../core/naming.js";
import { ReferenceEntity } from "../core/reference.js";
import type { Accelerator, PodTemplate, Resources, ResourceValues } from "../core/resources.js";
import { checkModuleFindsFile, DEFAULT_RESOLVER_LOCATION, type ModuleLookups } from "../core/resolver.js";
import { Task } from "../core/task.js";
import { Workflow } from "../core/workflow.js";
import { FlyteValidationError } from "../errors.js";
import { type LaunchPlan as LaunchPlanMsg, LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { type TaskSpec, TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import {
  type BooleanExpression,
  BooleanExpressionSchema,
  ComparisonExpression_Operator,
  ConjunctionExpression_LogicalOperator,
  type Operand as OperandMsg,
} from "../idl/gen/flyteidl/core/condition_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../idl/gen/flyteidl/core/identifier_pb.js";
import { type Parameter, ParameterSchema } from "../idl/gen/flyteidl/core/interface_pb.js";
import { type Binding, BindingSchema, type Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import {
  type SecretSchema,
  Secret_MountType,
  type SecurityContext,
  SecurityContextSchema,
} from "../idl/gen/flyteidl/core/security_pb.js";
import { ConcurrencyLimitBehavior } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import { FixedRateUnit, type ScheduleSchema } from "../idl/gen/flyteidl/admin/schedule_pb.js";
import { WorkflowExecution_Phase } from "../idl/gen/flyteidl/core/execution_pb.js";
import type { SecretRequest } from "../core/context.js";
import type { ResolvedDocs } from "../core/docs.js";
import {
  type DescriptionEntity,
  DescriptionEntitySchema,
  DescriptionFormat,
} from "../idl/gen/flyteidl/admin/description_entity_pb.js";
import type { ResolvedSchedule } from "../core/schedule.js";
import {
  ContainerSchema,
  type ExtendedResources,
  ExtendedResourcesSchema,
  K8sPodSchema,
  type Resources as ResourcesMsg,
  Resources_ResourceName,
  ResourcesSchema,
  RuntimeMetadata_RuntimeType,
  Sql_Dialect,
  SqlSchema,
  type TaskTemplate,
  TaskTemplateSchema,
  DataLoadingConfig_LiteralMapFormat,
} from "../idl/gen/flyteidl/core/tasks_pb.js";
import {
  ArrayNode_ExecutionMode,
  type Node,
  NodeSchema,
  type TaskNodeOverrides,
  TaskNodeOverridesSchema,
  WorkflowMetadata_OnFailurePolicy,
  type WorkflowTemplate,
  WorkflowTemplateSchema,
} from "../idl/gen/flyteidl/core/workflow_pb.js";
import { noneLiteral } from "../idl/literals.js";
import { resolveImage, SDK_VERSION, type SerializationSettings } from "./settings.js";

/** Registration file kinds: 1 task, 2 workflow, 3 launch plan (the `_<k>.pb` suffix). */
export type EntityKind = 1 | 2 | 3;

/** One serialized entity: its registration kind, its name and its message. */
export type SerializedEntity =
  | { readonly kind: 1; readonly name: string; readonly spec: TaskSpec }
  | { readonly kind: 2; readonly name: string; readonly spec: WorkflowSpec }
  | { readonly kind: 3; readonly name: string; readonly spec: LaunchPlanMsg };

/**
 * Optional methods a task class may define to fill the plugin fields of its TaskTemplate (flytekit's `get_custom`,
 * `get_config` and `get_sql`). They are looked up on the task object, so plugin task classes only need to add them.
 */
export interface TaskSerializationHooks {
  /** The `custom` Struct (plugin configuration); undefined leaves it unset. */
  getCustom?(settings: SerializationSettings): JsonObject | undefined;
  /** Entries of the `config` map (merged with `primary_container_name` for pod templates). */
  getConfig?(settings: SerializationSettings): Readonly<Record<string, string>> | undefined;
  /**
   * A raw container (flytekit's `ContainerTask`): the image, command and args as given instead of the entrypoint's,
   * and the data loading config through which Flyte passes inputs and outputs as files.
   */
  getContainer?(settings: SerializationSettings): {
    image: string;
    command: string[];
    args: string[];
    dataConfig?: { inputPath: string; outputPath: string; format: "JSON" | "YAML" | "PROTO" };
  };
  /** A SQL statement: the task's target becomes `sql` instead of a container. */
  getSql?(settings: SerializationSettings): { statement: string; dialect?: "ansi" | "hive" | "other" } | undefined;
}

const commandFns = new WeakMap<object, (settings: SerializationSettings) => string[]>();

/**
 * Overrides a task's container args (flytekit's `set_command_fn`); pod-template tasks get them in their primary
 * container. Fast registration does not prefix a custom command.
 *
 * @example
 * setCommandFn(add, () => ["node", "run.js"]);
 */
export function setCommandFn(task: Task, fn: (settings: SerializationSettings) => string[]): void {
  commandFns.set(task, fn);
}

/** Restores a task's default container args (flytekit's `reset_command_fn`). */
export function resetCommandFn(task: Task): void {
  commandFns.delete(task);
}

function id(kind: ResourceType, name: string, s: SerializationSettings): Identifier {
  return create(IdentifierSchema, {
    resourceType: kind,
    project: s.project,
    domain: s.domain,
    name,
    version: s.version,
  });
}

/** The entity's name; an error when it was neither named nor exported (a container could not find it). */
function checkNamed(e: Entity): string {
  const idn = e.identity;
  const name = e.name;
  // Entities that compute their own name (map tasks, eager cleanup tasks) are named; others need a name or an export.
  if (!idn.explicitName && !idn.exportName && !idn.definedIn && name === describeIdentity(idn)) {
    throw new FlyteValidationError(
      `${e.name}: a ${e.kind} defined in ${idn.module ?? "an unknown module"} has no name; export it from its module or give it a name`,
    );
  }
  return name;
}

/**
 * The loader args of a task's resolver: `task-module <module> task-name <export>` for the default resolver, the
 * index for tasks defined in a workflow body, `eager failure handler` for eager cleanup tasks, and the map resolver's
 * `vars … resolver … <inner loader args>` for map tasks. `lookups` keeps what the module check found on disk across
 * the tasks of one serialization.
 */
export function loaderArgs(task: Task, lookups?: ModuleLookups): string[] {
  if (task instanceof MapTask) {
    return [
      "vars",
      [...task.boundInputs].sort().join(","),
      "resolver",
      resolverLocation(task.inner),
      ...loaderArgs(task.inner, lookups),
    ];
  }
  if (task.taskType === "eager_failure_handler_task") return ["eager", "failure", "handler"];
  if (task.identity.definedIn) return [String(task.identity.definedIn.index)];
  const module = task.identity.module;
  if (!module) throw new FlyteValidationError(`${task.name}: cannot tell which module defines it`);
  checkModuleFindsFile(task, module, lookups);
  return ["task-module", module, "task-name", task.lhs];
}

/**
 * Where the resolver that loads a task in a container lives: the map resolver for map tasks, the eager failure
 * resolver for eager cleanup tasks, the workflow for a task defined in its body, else the default resolver. A map
 * task names its inner task's resolver in its loader args, so that a task defined in a workflow body maps too.
 */
export function resolverLocation(task: Task): string {
  if (task instanceof MapTask) return "flytekit_ts.map_task_resolver";
  if (task.taskType === "eager_failure_handler_task") return "flytekit_ts.eager_failure_task_resolver";
  return task.identity.definedIn ? task.identity.definedIn.workflow.location : DEFAULT_RESOLVER_LOCATION;
}

/**
 * The container args of a task: the entrypoint, the I/O templates, the resolver and its loader args, prefixed by
 * `tsflyte-fast-execute --additional-distribution … --dest-dir … --` with fast registration. A command set with
 * {@link setCommandFn} replaces all of it. `lookups`: as for {@link loaderArgs}.
 */
export function taskCommand(task: Task, s: SerializationSettings, lookups?: ModuleLookups): string[] {
  const custom = commandFns.get(task);
  if (custom) return custom(s);
  const isMap = task instanceof MapTask;
  const resolver = resolverLocation(task);
  const args = [
    isMap ? "tsflyte-map-execute" : "tsflyte-execute",
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--resolver",
    resolver,
    "--",
    ...loaderArgs(task, lookups),
  ];
  if (!s.fast) return args;
  return [
    "tsflyte-fast-execute",
    "--additional-distribution",
    s.fast.distribution,
    "--dest-dir",
    s.fast.destinationDir,
    "--",
    ...args,
  ];
}

/** flytekit's entry order: ephemeral storage, cpu, gpu, memory (requests and limits alike). */
const RESOURCE_ORDER: readonly [keyof ResourceValues, Resources_ResourceName, string][] = [
  ["ephemeralStorage", Resources_ResourceName.EPHEMERAL_STORAGE, "ephemeral-storage"],
  ["cpu", Resources_ResourceName.CPU, "cpu"],
  ["gpu", Resources_ResourceName.GPU, "gpu"],
  ["mem", Resources_ResourceName.MEMORY, "memory"],
];

/** A task's resources, or the settings' default resources when it declares neither requests nor limits. */
export function effectiveResources(r: Resources, s: SerializationSettings): Resources {
  const empty = Object.keys(r.requests).length === 0 && Object.keys(r.limits).length === 0;
  return empty && s.defaultResources ? s.defaultResources : r;
}

function orderedEntries(v: ResourceValues): [Resources_ResourceName, string, string][] {
  return RESOURCE_ORDER.filter(([k]) => v[k] !== undefined && v[k] !== "").map(([k, name, k8s]) => [
    name,
    k8s,
    String(v[k]),
  ]);
}

/**
 * Container resources in flytekit's order (ephemeral storage, cpu, gpu, memory; unset values skipped), falling back
 * to the settings' default resources for tasks that declare none.
 */
export function resourcesMessage(r: Resources, s: SerializationSettings): ResourcesMsg {
  const use = effectiveResources(r, s);
  const entries = (v: ResourceValues) => orderedEntries(v).map(([name, , value]) => ({ name, value }));
  return create(ResourcesSchema, { requests: entries(use.requests), limits: entries(use.limits) });
}

/**
 * The container env: the settings' env, then the task's (which wins), in insertion order as a Python dict merge
 * keeps it; plus `_F_SS_C` for dynamic and eager tasks.
 */
export function containerEnv(task: Task, s: SerializationSettings): { key: string; value: string }[] {
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(s.env)) env.set(k, v);
  for (const [k, v] of Object.entries(task.options.environment ?? {})) env.set(k, v);
  if (task instanceof DynamicTask || task instanceof EagerTask) env.set("_F_SS_C", serializedContext(s));
  return [...env].map(([key, value]) => ({ key, value }));
}

/** The registration-time settings a dynamic or eager task needs in its container (flytekit's `_F_SS_C` twin). */
export function serializedContext(s: SerializationSettings): string {
  const json = JSON.stringify({
    project: s.project,
    domain: s.domain,
    version: s.version,
    image: s.image,
    env: s.env,
    // flytekit's document has default_resources too: tasks a dynamic task creates at run time need them.
    defaultResources: s.defaultResources,
    fast: s.fast,
  });
  return Buffer.from(json).toString("base64");
}

function extendedResources(task: Task): ExtendedResources | undefined {
  return extendedResourcesOf(task.options.accelerator, task.options.sharedMemory);
}

function extendedResourcesOf(
  acc: Accelerator | undefined,
  shm: boolean | string | undefined,
): ExtendedResources | undefined {
  if (!acc && !shm) return undefined;
  return create(ExtendedResourcesSchema, {
    gpuAccelerator: acc
      ? {
          device: acc.device,
          partitionSizeValue:
            acc.partitionSize === false
              ? { case: "unpartitioned", value: true }
              : acc.partitionSize
                ? { case: "partitionSize", value: acc.partitionSize }
                : { case: undefined },
        }
      : undefined,
    sharedMemory: shm
      ? { mountName: "flyte-shared-memory", mountPath: "/dev/shm", sizeLimit: typeof shm === "string" ? shm : "" }
      : undefined,
  });
}

/** Resources as a Kubernetes container's `resources` JSON, keys in flytekit's order. */
function k8sResources(r: Resources): Record<string, unknown> {
  const conv = (v: ResourceValues) => Object.fromEntries(orderedEntries(v).map(([, k8s, value]) => [k8s, value]));
  const out: Record<string, unknown> = {};
  if (Object.keys(r.limits).length) out.limits = conv(r.limits);
  if (Object.keys(r.requests).length) out.requests = conv(r.requests);
  return out;
}

/**
 * A pod template's PodSpec with the task's container merged into its primary container (flytekit's
 * `_serialize_pod_spec`): image (unless the template names one), command, args, resources and env (the task's first).
 * Every other container's image is resolved too, and one without an image gets the default.
 */
function podSpecWithPrimary(
  pod: PodTemplate,
  task: { image: string; args: string[]; env: { key: string; value: string }[]; resources: Resources },
  s: SerializationSettings,
): JsonObject {
  const primaryName = pod.primaryContainerName ?? "primary";
  const spec = structuredClone(pod.podSpec) as { containers?: Record<string, unknown>[] };
  const containers = (spec.containers ??= []);
  let primary = containers.find((c) => c.name === primaryName);
  if (!primary) {
    primary = { name: primaryName };
    containers.push(primary);
  }
  primary.image =
    typeof primary.image === "string" && primary.image ? resolveImage(primary.image, s.image) : task.image;
  primary.command = [];
  primary.args = task.args;
  const res = k8sResources(task.resources);
  if (Object.keys(res).length) primary.resources = res;
  primary.env = [...task.env.map(({ key, value }) => ({ name: key, value })), ...((primary.env as unknown[]) ?? [])];
  for (const c of containers)
    if (c !== primary) c.image = resolveImage(typeof c.image === "string" ? c.image : undefined, s.image);
  return spec as JsonObject;
}

/** flytekit's entry order for node resource overrides: cpu, memory, gpu, ephemeral storage. */
const OVERRIDE_RESOURCE_ORDER: readonly [keyof ResourceValues, Resources_ResourceName][] = [
  ["cpu", Resources_ResourceName.CPU],
  ["mem", Resources_ResourceName.MEMORY],
  ["gpu", Resources_ResourceName.GPU],
  ["ephemeralStorage", Resources_ResourceName.EPHEMERAL_STORAGE],
];

/**
 * A task node's `TaskNodeOverrides` (flytekit's translator): resources, extended resources, image and pod template
 * (with the task's container merged into its primary container). Empty when the node has no overrides.
 */
export function taskNodeOverrides(
  task: Task,
  o: TaskNodeOverridesSpec | undefined,
  s: SerializationSettings,
): TaskNodeOverrides {
  if (!o) return create(TaskNodeOverridesSchema, {});
  const entries = (v: ResourceValues) =>
    OVERRIDE_RESOURCE_ORDER.filter(([k]) => v[k] !== undefined).map(([k, name]) => ({ name, value: String(v[k]) }));
  const inner = task instanceof MapTask ? task.inner : task;
  let podTemplate: MessageInitShape<typeof K8sPodSchema> | undefined;
  if (o.podTemplate && task instanceof PluginTask) {
    throw new FlyteValidationError(
      `${task.name}: a pod template override needs the task's container, and a plugin task has none`,
    );
  }
  if (o.podTemplate) {
    const pod = o.podTemplate;
    const container = {
      image: resolveImage(inner.options.containerImage, s.image),
      args: taskCommand(task, s),
      env: containerEnv(task, s),
      resources: effectiveResources(task.resources, s),
    };
    podTemplate = {
      metadata: { labels: pod.labels ?? {}, annotations: pod.annotations ?? {} },
      podSpec: podSpecWithPrimary(pod, container, s),
      primaryContainerName: pod.primaryContainerName ?? "primary",
    };
  }
  return create(TaskNodeOverridesSchema, {
    resources: o.resources
      ? { requests: entries(o.resources.requests), limits: entries(o.resources.limits) }
      : undefined,
    extendedResources: extendedResourcesOf(o.accelerator, o.sharedMemory),
    containerImage: o.containerImage ? resolveImage(o.containerImage, s.image) : "",
    podTemplate,
  });
}

const DIALECTS = { ansi: Sql_Dialect.ANSI, hive: Sql_Dialect.HIVE, other: Sql_Dialect.OTHER } as const;

/** The TaskTemplate of a task (`lookups`: as for {@link loaderArgs}). */
export function taskTemplate(task: Task, s: SerializationSettings, lookups?: ModuleLookups): TaskTemplate {
  const name = task instanceof MapTask ? task.name : checkNamed(task);
  const hooks = task as Task & TaskSerializationHooks;
  const m = task.metadata;
  const inner = task instanceof MapTask ? task.inner : task;
  // The container's parts, only for tasks that have one.
  const container = () => ({
    image: resolveImage(inner.options.containerImage, s.image),
    args: taskCommand(task, s, lookups),
    env: containerEnv(task, s),
    resources: effectiveResources(task.resources, s),
  });
  const pod = inner.options.podTemplate;
  const sql = hooks.getSql?.(s);
  let target: TaskTemplate["target"];
  const config: Record<string, string> = { ...(hooks.getConfig?.(s) ?? {}) };
  if (task instanceof PluginTask && !sql) {
    // A backend plugin or agent runs it from its type and custom: no container, as flytekit's container-less tasks.
    target = { case: undefined };
  } else if (sql) {
    target = {
      case: "sql",
      value: create(SqlSchema, {
        statement: sql.statement,
        dialect: sql.dialect ? DIALECTS[sql.dialect] : Sql_Dialect.UNDEFINED,
      }),
    };
  } else if (pod) {
    const primaryName = pod.primaryContainerName ?? "primary";
    target = {
      case: "k8sPod",
      value: create(K8sPodSchema, {
        metadata: { labels: pod.labels ?? {}, annotations: pod.annotations ?? {} },
        podSpec: podSpecWithPrimary(pod, container(), s),
        primaryContainerName: primaryName,
      }),
    };
    config.primary_container_name = primaryName;
  } else if (hooks.getContainer) {
    const raw = hooks.getContainer(s);
    const dc = raw.dataConfig;
    target = {
      case: "container",
      value: create(ContainerSchema, {
        image: raw.image,
        command: raw.command,
        args: raw.args,
        env: containerEnv(task, s),
        resources: resourcesMessage(effectiveResources(task.resources, s), s),
        dataConfig: dc && {
          enabled: true,
          inputPath: dc.inputPath,
          outputPath: dc.outputPath,
          format: DataLoadingConfig_LiteralMapFormat[dc.format],
        },
      }),
    };
  } else {
    const { image, args, env, resources } = container();
    target = {
      case: "container",
      value: create(ContainerSchema, { image, command: [], args, env, resources: resourcesMessage(resources, s) }),
    };
  }
  const secrets = secretMessages(task.options.secrets ?? []);
  return create(TaskTemplateSchema, {
    id: id(ResourceType.TASK, name, s),
    type: task.taskType,
    metadata: {
      discoverable: m.cache,
      runtime: { type: RuntimeMetadata_RuntimeType.FLYTE_SDK, version: SDK_VERSION, flavor: "typescript" },
      timeout: m.timeoutMs ? durationOf(m.timeoutMs) : undefined,
      retries: { retries: m.retries },
      discoveryVersion: m.cacheVersion,
      deprecatedErrorMessage: m.deprecated,
      interruptibleValue:
        m.interruptible === undefined ? { case: undefined } : { case: "interruptible", value: m.interruptible },
      cacheSerializable: m.cacheSerialize,
      podTemplateName: m.podTemplateName ?? "",
      cacheIgnoreInputVars: [...m.cacheIgnoreInputVars],
      isEager: m.isEager,
      // google.protobuf.BoolValue (field 15), always present like flytekit's; the old bool field 10 is reserved.
      generatesDeck: m.generatesDeck,
      metadata: { labels: { ...m.labels }, annotations: { ...m.annotations } },
    },
    interface: task.flyteInterface.toIdl(),
    custom: hooks.getCustom?.(s),
    target,
    taskTypeVersion: task.taskTypeVersion,
    securityContext: secrets.length ? create(SecurityContextSchema, { secrets }) : undefined,
    extendedResources: extendedResources(inner),
    config,
  });
}

/**
 * The description entity of documented tasks and workflows, as flytekit writes a docstring's: the short description,
 * and a reStructuredText long description (its value left unset when there is none). flytekit writes no source link.
 */
function descriptionOf(docs: ResolvedDocs | undefined): DescriptionEntity | undefined {
  if (!docs) return undefined;
  return create(DescriptionEntitySchema, {
    shortDescription: docs.short,
    longDescription: {
      content: docs.long === undefined ? { case: undefined } : { case: "value", value: docs.long },
      format: DescriptionFormat.RST,
    },
  });
}

/** A task's description; map tasks have none (flytekit's map tasks carry no docs). */
function taskDescription(task: Task): DescriptionEntity | undefined {
  return task instanceof MapTask ? undefined : descriptionOf(task.docs);
}

function secretMessages(list: readonly SecretRequest[]): MessageInitShape<typeof SecretSchema>[] {
  return list.map((sr) => ({
    group: sr.group,
    key: sr.key ?? "",
    groupVersion: sr.groupVersion ?? "",
    mountRequirement: Secret_MountType[sr.mountRequirement ?? "ANY"],
    envVar: sr.envVar ?? "",
  }));
}

function durationOf(ms: number) {
  const seconds = BigInt(Math.floor(ms / 1000));
  return create(DurationSchema, { seconds, nanos: Math.round((ms % 1000) * 1e6) });
}

const OPS = {
  eq: ComparisonExpression_Operator.EQ,
  neq: ComparisonExpression_Operator.NEQ,
  gt: ComparisonExpression_Operator.GT,
  gte: ComparisonExpression_Operator.GTE,
  lt: ComparisonExpression_Operator.LT,
  lte: ComparisonExpression_Operator.LTE,
} as const;

const KIND_NAMES = { 1: "task", 2: "workflow", 3: "launch plan" } as const;

/**
 * Collects everything some entities need registered, in dependency order (a task before the workflows that use it, a
 * subworkflow or launch plan before the workflows that call it, a workflow before its launch plans), and serializes
 * it. Entities are deduplicated by kind and name; two different entities under one name are an error.
 *
 * @example
 * const s = new Serializer(serializationSettings({ image: { default: "ghcr.io/acme/app:v1" } }));
 * s.add(wf);
 * s.entities.map((e) => `${e.name}_${e.kind}`); // ["app.add_1", "app.wf_2", "app.wf_3"]
 */
export class Serializer {
  /** The settings every entity is serialized with. */
  readonly settings: SerializationSettings;
  private readonly order: SerializedEntity[] = [];
  private readonly byKey = new Map<string, SerializedEntity>();
  private readonly taskIds = new Map<Task, Identifier>();
  private readonly workflowSpecs = new Map<object, WorkflowSpec>();
  private readonly launchPlanIds = new Map<object, Identifier>();
  private readonly moduleLookups: ModuleLookups = new Map();

  constructor(settings: SerializationSettings) {
    this.settings = settings;
  }

  /** Everything serialized so far, dependencies first. */
  get entities(): readonly SerializedEntity[] {
    return this.order;
  }

  /** The files that define the tasks serialized so far: what a code bundle must carry for their containers. */
  get taskFiles(): string[] {
    const files = new Set<string>();
    for (const task of this.taskIds.keys()) {
      const file = (task as Task).identity.file;
      if (file) files.add(file);
    }
    return [...files];
  }

  private push(e: SerializedEntity): void {
    const key = `${e.kind}:${e.name}`;
    const seen = this.byKey.get(key);
    if (seen) {
      if (!sameSpec(seen, e)) {
        throw new FlyteValidationError(
          `two different ${KIND_NAMES[e.kind]}s are named ${JSON.stringify(e.name)}; give one of them another name`,
        );
      }
      return;
    }
    this.byKey.set(key, e);
    this.order.push(e);
  }

  /**
   * Serializes any entity and what it depends on. Workflows come with their default launch plan; eager tasks with
   * the workflow flytekit registers for them and its default launch plan.
   */
  add(entity: Entity): void {
    // A reference is registered already (by someone else): only the nodes that call it refer to its id.
    if (entity instanceof ReferenceEntity) return;
    if (entity instanceof EagerTask) {
      this.task(entity);
      this.workflow(entity.getAsWorkflow() as unknown as Workflow);
    } else if (entity instanceof Task) this.task(entity);
    else if (entity instanceof Workflow) this.workflow(entity);
    else if (entity instanceof LaunchPlan) this.launchPlan(entity);
    else throw new FlyteValidationError(`cannot serialize ${String((entity as Entity).name)}`);
  }

  /** Serializes a task (and a map task's inner task, a dynamic task's hints) and returns its id. */
  task(task: Task): Identifier {
    const known = this.taskIds.get(task);
    if (known) return known;
    if (task instanceof MapTask) this.task(task.inner);
    if (task instanceof DynamicTask) for (const h of task.nodeDependencyHints ?? []) this.add(h as Entity);
    const template = taskTemplate(task, this.settings, this.moduleLookups);
    this.push({
      kind: 1,
      name: template.id!.name,
      spec: create(TaskSpecSchema, { template, description: taskDescription(task) }),
    });
    this.taskIds.set(task, template.id!);
    return template.id!;
  }

  /** Serializes a workflow (its tasks and subworkflows first, its default launch plan after) and returns its template. */
  workflow(wf: Workflow): WorkflowTemplate {
    return this.workflowSpec(wf).template!;
  }

  /** Serializes a workflow like {@link workflow} and returns its `WorkflowSpec` (template and subworkflows). */
  workflowSpec(wf: Workflow): WorkflowSpec {
    const known = this.workflowSpecs.get(wf);
    if (known) return known;
    const name = checkNamed(wf);
    const compiled = wf.compile();
    const subs = new Map<string, WorkflowTemplate>();
    const nodes = compiled.nodes.map((n) => this.node(n, subs));
    const failureNode = compiled.failureNode ? this.node(compiled.failureNode, subs) : undefined;
    // "efn" is the failure node of the workflows flytekit registers for eager tasks; no other node may use it.
    if (nodes.some((n) => n.id === "efn")) {
      throw new FlyteValidationError(`${name}: node id "efn" is reserved for eager failure nodes`);
    }
    const template = create(WorkflowTemplateSchema, {
      id: id(ResourceType.WORKFLOW, name, this.settings),
      metadata: {
        onFailure:
          wf.options.failurePolicy === "after-executable-nodes-complete"
            ? WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
            : WorkflowMetadata_OnFailurePolicy.FAIL_IMMEDIATELY,
      },
      metadataDefaults: { interruptible: false },
      interface: wf.interface.toIdl(),
      nodes,
      outputs: [...compiled.outputs],
      failureNode,
    });
    const subWorkflows = [...subs.values()].sort((a, b) => compareIds(a.id!, b.id!));
    const spec = create(WorkflowSpecSchema, { template, subWorkflows, description: descriptionOf(wf.docs) });
    this.push({ kind: 2, name, spec });
    this.workflowSpecs.set(wf, spec);
    this.launchPlanMessage(name, wf, {}, {});
    return spec;
  }

  /** Serializes the nodes of a graph (a dynamic body), returning them with the subworkflow templates they use. */
  nodesOf(specs: readonly NodeSpec[]): { nodes: Node[]; subWorkflows: WorkflowTemplate[] } {
    const subs = new Map<string, WorkflowTemplate>();
    const nodes = specs.map((n) => this.node(n, subs));
    return { nodes, subWorkflows: [...subs.values()].sort((a, b) => compareIds(a.id!, b.id!)) };
  }

  private collectSubworkflows(wf: Workflow, subs: Map<string, WorkflowTemplate>): Identifier {
    const spec = this.workflowSpec(wf);
    subs.set(spec.template!.id!.name, spec.template!);
    for (const s of spec.subWorkflows) subs.set(s.id!.name, s);
    return spec.template!.id!;
  }

  private node(n: NodeSpec, subs: Map<string, WorkflowTemplate>): Node {
    const e = n.entity;
    // flytekit's workflow nodes carry the subworkflow's interruptible default (false); task nodes leave it unset.
    // A launch plan node takes its workflow's node metadata (flytekit's LaunchPlan.construct_node_metadata): the
    // workflow's short name and interruptible default.
    const lp = e instanceof LaunchPlan ? e : undefined;
    const lpWorkflow = lp ? (lp.workflow as unknown as Workflow) : undefined;
    const interruptible = n.metadata.interruptible ?? (e instanceof Workflow || lpWorkflow ? false : undefined);
    const m = n.metadata;
    const meta = {
      // (unless withOverrides gave the node a name of its own)
      name: lp && lpWorkflow && m.name === lp.shortName ? lpWorkflow.shortName : m.name,
      timeout: m.timeoutMs ? durationOf(m.timeoutMs) : undefined,
      retries: { retries: m.retries ?? 0 },
      interruptibleValue:
        interruptible === undefined ? { case: undefined } : { case: "interruptible" as const, value: interruptible },
      cacheableValue:
        m.cacheable === undefined ? { case: undefined } : { case: "cacheable" as const, value: m.cacheable },
      cacheVersionValue:
        m.cacheVersion === undefined ? { case: undefined } : { case: "cacheVersion" as const, value: m.cacheVersion },
      cacheSerializableValue:
        m.cacheSerializable === undefined
          ? { case: undefined }
          : { case: "cacheSerializable" as const, value: m.cacheSerializable },
    };
    if (n.branch) return this.branchNode(n, subs, meta);
    if (!e) throw new FlyteValidationError(`node ${n.id} runs nothing`);
    let target: MessageInitShape<typeof NodeSchema>["target"];
    let inputs = n.bindings;
    let nodeMeta: MessageInitShape<typeof NodeSchema>["metadata"] = meta;
    if (e instanceof ReferenceEntity) {
      target = referenceTarget(e, n.overrides, this.settings);
    } else if (e instanceof MapTask) {
      const ref = this.task(e);
      // As flytekit's ArrayNodeMapTask: the array node's metadata is the map task's name alone; the sub-node's is
      // the task's (with the node's overrides), under the map task's name.
      nodeMeta = { name: e.name, retries: { retries: 0 } };
      target = {
        case: "arrayNode",
        value: {
          node: create(NodeSchema, {
            id: e.name,
            metadata: { ...meta, name: e.name },
            inputs: n.bindings,
            target: {
              case: "taskNode",
              value: {
                reference: { case: "referenceId", value: ref },
                overrides: taskNodeOverrides(e, n.overrides, this.settings),
              },
            },
          }),
          parallelismOption:
            e.concurrency === undefined ? { case: undefined } : { case: "parallelism", value: e.concurrency },
          successCriteria:
            e.minSuccesses !== undefined
              ? { case: "minSuccesses", value: e.minSuccesses }
              : { case: "minSuccessRatio", value: e.minSuccessRatio },
          executionMode:
            e.arrayExecutionMode === "full-state"
              ? ArrayNode_ExecutionMode.FULL_STATE
              : ArrayNode_ExecutionMode.MINIMAL_STATE,
          isOriginalSubNodeInterface: false,
          boundInputs: [...e.boundInputs],
        },
      };
    } else if (e instanceof Task) {
      const ref = this.task(e);
      target = {
        case: "taskNode",
        value: {
          reference: { case: "referenceId", value: ref },
          overrides: taskNodeOverrides(e, n.overrides, this.settings),
        },
      };
    } else if (e instanceof LaunchPlan) {
      const lpId = this.launchPlan(e);
      // The launch plan's fixed inputs cannot be bound; everything else is.
      inputs = n.bindings.filter((b) => !Object.hasOwn(e.fixedInputs, b.var));
      target = { case: "workflowNode", value: { reference: { case: "launchplanRef", value: lpId } } };
    } else if (e instanceof Workflow) {
      const ref = this.collectSubworkflows(e, subs);
      target = { case: "workflowNode", value: { reference: { case: "subWorkflowRef", value: ref } } };
    } else {
      throw new FlyteValidationError(`node ${n.id}: cannot serialize ${String((e as Entity).name)}`);
    }
    return create(NodeSchema, { id: n.id, metadata: nodeMeta, inputs, upstreamNodeIds: [...n.upstream], target });
  }

  private branchNode(n: NodeSpec, subs: Map<string, WorkflowTemplate>, meta: object): Node {
    const { name, cases } = n.branch!;
    const promises = new Map<string, Binding>();
    const expr = (c: CompiledCondition): BooleanExpression => {
      if (c.kind !== "cmp") {
        return create(BooleanExpressionSchema, {
          expr: {
            case: "conjunction",
            value: {
              operator:
                c.kind === "and" ? ConjunctionExpression_LogicalOperator.AND : ConjunctionExpression_LogicalOperator.OR,
              leftExpression: expr(c.left),
              rightExpression: expr(c.right),
            },
          },
        });
      }
      if ([c.left, c.right].some((o) => o.kind === "const" && !o.value)) {
        throw new FlyteValidationError(
          `conditional ${JSON.stringify(name)}: isNone and comparisons with null run locally only; Flyte's compiler takes only primitive constants and variables of primitive types in conditions (it refuses a none operand)`,
        );
      }
      return create(BooleanExpressionSchema, {
        expr: {
          case: "comparison",
          value: {
            operator: OPS[c.op],
            leftValue: this.operand(name, c.left, promises),
            rightValue: this.operand(name, c.right, promises),
          },
        },
      });
    };
    const block = (c: BranchCase) => ({ condition: expr(c.condition!), thenNode: this.node(c.node!, subs) });
    const withCondition = cases.filter((c) => c.condition);
    const last = cases.at(-1)!;
    if (withCondition.length === 0 || last.condition) {
      throw new FlyteValidationError(`${name}: a conditional needs an if and an else`);
    }
    const ifElse = {
      case: block(withCondition[0]!),
      other: withCondition.slice(1).map(block),
      // As flytekit writes it, the failed node is named after the conditional.
      default: last.node
        ? { case: "elseNode" as const, value: this.node(last.node, subs) }
        : { case: "error" as const, value: { failedNodeId: name, message: last.error ?? "Condition failed" } },
    };
    return create(NodeSchema, {
      id: n.id,
      metadata: meta,
      inputs: [...promises.values()].sort((a, b) => (a.var < b.var ? -1 : a.var > b.var ? 1 : 0)),
      upstreamNodeIds: [...n.upstream],
      target: { case: "branchNode", value: { ifElse } },
    });
  }

  /**
   * A condition operand: a reference becomes a variable `<node id>.<var>` bound as an input of the branch node; a
   * constant is the primitive the conditional typed it as (none constants are refused before). Flyte's compiler
   * compares primitive types only (its operands are primitives or variables of the same type), so optional values
   * cannot be serialized.
   */
  private operand(conditional: string, o: CompiledOperand, promises: Map<string, Binding>): OperandMsg {
    if (o.kind === "const") return { $typeName: "flyteidl.core.Operand", val: { case: "primitive", value: o.value! } };
    const target = o.target;
    if (target.type && !isComparableType(target.type)) {
      throw new FlyteValidationError(
        `conditional ${JSON.stringify(conditional)}: ${describeOperand(target)} is a ${target.type.name}; Flyte's compiler compares int, float, str, bool, datetime and duration values only (not optional ones)`,
      );
    }
    if (target.attrPath.length > 0) {
      // The compiler types a branch node's variables by whole outputs, so a field it reads never matches.
      throw new FlyteValidationError(
        `conditional ${JSON.stringify(conditional)}: ${describeOperand(target)} is a field of an output; Flyte's compiler cannot type a field in a condition (it compares whole outputs): return the field from a task and compare that output`,
      );
    }
    const v = `${target.nodeId}.${target.varName}`;
    promises.set(
      v,
      create(BindingSchema, {
        var: v,
        binding: {
          value: {
            case: "promise",
            value: {
              nodeId: target.nodeId,
              var: target.varName,
              attrPath: target.attrPath.map((p) =>
                typeof p === "number"
                  ? { value: { case: "intValue" as const, value: p } }
                  : { value: { case: "stringValue" as const, value: p } },
              ),
            },
          },
        },
      }),
    );
    return { $typeName: "flyteidl.core.Operand", val: { case: "var", value: v } };
  }

  /** Serializes a workflow and its default launch plan (same name) and returns the launch plan's id. */
  launchPlanFor(wf: Workflow): Identifier {
    this.workflow(wf);
    return id(ResourceType.LAUNCH_PLAN, wf.name, this.settings);
  }

  /**
   * Serializes a launch plan (after its workflow and the workflow's default launch plan) and returns its id. A
   * launch plan without a name of its own is the default one, which cannot have default or fixed inputs.
   */
  launchPlan(lp: LaunchPlan): Identifier {
    const known = this.launchPlanIds.get(lp);
    if (known) return known;
    const wf = lp.workflow as unknown as Workflow;
    this.workflow(wf);
    let lpId: Identifier;
    if (lp.name === wf.name) {
      if (Object.keys(lp.defaultInputs).length || Object.keys(lp.fixedInputs).length || lp.settings.given.length) {
        throw new FlyteValidationError(
          `a launch plan of ${wf.name} with default or fixed inputs or settings (${lp.settings.given.join(", ") || "none"}) needs a name of its own: the workflow's name belongs to its default launch plan`,
        );
      }
      lpId = id(ResourceType.LAUNCH_PLAN, wf.name, this.settings);
    } else {
      lpId = this.launchPlanMessage(checkNamed(lp), wf, lp.defaultInputs, lp.fixedInputs, lp.settings);
    }
    this.launchPlanIds.set(lp, lpId);
    return lpId;
  }

  private launchPlanMessage(
    name: string,
    wf: Workflow,
    defaults: Readonly<Record<string, Literal>>,
    fixed: Readonly<Record<string, Literal>>,
    settings?: ResolvedLaunchPlanSettings,
  ): Identifier {
    this.push({ kind: 3, name, spec: launchPlanSpec(name, wf, defaults, fixed, this.settings, settings) });
    return id(ResourceType.LAUNCH_PLAN, name, this.settings);
  }
}

/**
 * The node target of a call to a reference entity, as flytekit writes it: a task node with the task's id, a
 * subworkflow node with the workflow's id, a launch plan node with the launch plan's id.
 */
function referenceTarget(
  e: ReferenceEntity,
  overrides: TaskNodeOverridesSpec | undefined,
  s: SerializationSettings,
): MessageInitShape<typeof NodeSchema>["target"] {
  const r = e.reference;
  const ref = (resourceType: ResourceType) => create(IdentifierSchema, { resourceType, ...r });
  if (overrides?.podTemplate) {
    throw new FlyteValidationError(
      `${e.name}: a pod template override needs the task's container, which a reference does not have; override resources or the image instead`,
    );
  }
  switch (e.kind) {
    case "task":
      return {
        case: "taskNode",
        value: {
          reference: { case: "referenceId", value: ref(ResourceType.TASK) },
          // Without a pod template, the overrides need nothing of the task itself.
          overrides: taskNodeOverrides(e as unknown as Task, overrides, s),
        },
      };
    case "workflow":
      return {
        case: "workflowNode",
        value: { reference: { case: "subWorkflowRef", value: ref(ResourceType.WORKFLOW) } },
      };
    case "launch-plan":
      return {
        case: "workflowNode",
        value: { reference: { case: "launchplanRef", value: ref(ResourceType.LAUNCH_PLAN) } },
      };
  }
}

function idString(i: Identifier): string {
  return `${i.resourceType}:${i.project}:${i.domain}:${i.name}:${i.version}`;
}

function compareIds(a: Identifier, b: Identifier): number {
  const x = idString(a);
  const y = idString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sameSpec(a: SerializedEntity, b: SerializedEntity): boolean {
  if (a.kind === 1 && b.kind === 1) return equals(TaskSpecSchema, a.spec, b.spec);
  if (a.kind === 2 && b.kind === 2) return equals(WorkflowSpecSchema, a.spec, b.spec);
  if (a.kind === 3 && b.kind === 3) return equals(LaunchPlanSchema, a.spec, b.spec);
  return false;
}

const PHASE_NUMBERS = {
  SUCCEEDED: WorkflowExecution_Phase.SUCCEEDED,
  FAILED: WorkflowExecution_Phase.FAILED,
  ABORTED: WorkflowExecution_Phase.ABORTED,
  TIMED_OUT: WorkflowExecution_Phase.TIMED_OUT,
} as const;

function scheduleMessage(sc: ResolvedSchedule): MessageInitShape<typeof ScheduleSchema> {
  return {
    kickoffTimeInputArg: sc.kickoffTimeInput,
    ScheduleExpression:
      sc.kind === "cron"
        ? { case: "cronSchedule", value: { schedule: sc.cron, offset: sc.offset } }
        : { case: "rate", value: { value: sc.value, unit: FixedRateUnit[sc.unit] } },
  };
}

function securityContextMessage(sc: LaunchPlanSecurityContext | undefined): SecurityContext | undefined {
  if (!sc) return undefined;
  const r = sc.runAs;
  return create(SecurityContextSchema, {
    runAs: r
      ? {
          iamRole: r.iamRole ?? "",
          k8sServiceAccount: r.k8sServiceAccount ?? "",
          executionIdentity: r.executionIdentity ?? "",
        }
      : undefined,
    secrets: secretMessages(sc.secrets ?? []),
  });
}

/**
 * An `admin.LaunchPlan` as flytekit's `get_serializable_launch_plan` writes it: id, spec (workflow id, schedule and
 * notifications in the entity metadata, default inputs as parameters, fixed inputs, labels, annotations, raw output
 * config, max parallelism, security context, overwrite cache, concurrency policy; no auth role, which flytekit turns
 * into the security context) and a closure with the expected inputs and outputs (flytectl dereferences the closure
 * without a check, so it is always present; its state is left unset, inactive, as flytekit leaves it).
 */
export function launchPlanSpec(
  name: string,
  wf: Workflow,
  defaults: Readonly<Record<string, Literal>>,
  fixed: Readonly<Record<string, Literal>>,
  s: SerializationSettings,
  settings?: ResolvedLaunchPlanSettings,
): LaunchPlanMsg {
  const params = parameters(wf.interface, defaults, fixed);
  return create(LaunchPlanSchema, {
    id: id(ResourceType.LAUNCH_PLAN, name, s),
    spec: {
      workflowId: id(ResourceType.WORKFLOW, wf.name, s),
      entityMetadata: {
        schedule: settings?.schedule ? scheduleMessage(settings.schedule) : undefined,
        notifications: (settings?.notifications ?? []).map((n) => ({
          phases: n.phases.map((p) => PHASE_NUMBERS[p]),
          type: { case: n.type, value: { recipientsEmail: [...n.recipients] } },
        })),
      },
      defaultInputs: { parameters: params },
      fixedInputs: { literals: { ...fixed } },
      labels: { values: { ...settings?.labels } },
      annotations: { values: { ...settings?.annotations } },
      rawOutputDataConfig: { outputLocationPrefix: settings?.rawOutputDataPrefix ?? "" },
      maxParallelism: settings?.maxParallelism ?? 0,
      securityContext: securityContextMessage(settings?.securityContext),
      overwriteCache: settings?.overwriteCache ?? false,
      concurrencyPolicy: settings?.concurrency
        ? { max: settings.concurrency.max, behavior: ConcurrencyLimitBehavior.SKIP }
        : undefined,
    },
    closure: { expectedInputs: { parameters: params }, expectedOutputs: wf.interface.toIdl().outputs },
  });
}

/**
 * Launch plan parameters: required without a default, a default literal otherwise; an optional input without a
 * default defaults to a bare none (not union-wrapped, as flytekit); fixed inputs are left out.
 */
export function parameters(
  iface: Interface,
  defaults: Readonly<Record<string, Literal>>,
  fixed: Readonly<Record<string, Literal>>,
): Record<string, Parameter> {
  const vars = iface.toIdl().inputs!.variables;
  const data = localData();
  const out: Record<string, Parameter> = {};
  for (const [k, type] of iface.inputs) {
    if (Object.hasOwn(fixed, k)) continue;
    let def: Literal | undefined = defaults[k];
    if (!def && type.hasDefault) def = type.toLiteral(type.defaultValue, data, [k]);
    if (!def && type.acceptsNone) def = noneLiteral();
    out[k] = create(ParameterSchema, {
      var: vars[k],
      behavior: def ? { case: "default", value: def } : { case: "required", value: true },
    });
  }
  return out;
}

/**
 * A task's `admin.TaskSpec`.
 *
 * @example
 * serializeTask(add, serializationSettings()).template?.container?.args; // ["tsflyte-execute", ...]
 */
export function serializeTask(task: Task<any, any>, settings: SerializationSettings): TaskSpec {
  return create(TaskSpecSchema, {
    template: taskTemplate(task as Task, settings),
    description: taskDescription(task as Task),
  });
}

/**
 * A workflow's `admin.WorkflowSpec`: its template and every subworkflow template it uses (recursively, deduplicated,
 * sorted by id).
 */
export function serializeWorkflow(wf: Workflow<any, any>, settings: SerializationSettings): WorkflowSpec {
  return new Serializer(settings).workflowSpec(wf as Workflow);
}

/** The `admin.LaunchPlan` of a launch plan, or of a workflow's default launch plan. */
export function serializeLaunchPlan(
  entity: LaunchPlan<any, any> | Workflow<any, any>,
  settings: SerializationSettings,
): LaunchPlanMsg {
  const s = new Serializer(settings);
  const lpId = entity instanceof LaunchPlan ? s.launchPlan(entity as LaunchPlan) : s.launchPlanFor(entity as Workflow);
  const found = s.entities.find((e) => e.kind === 3 && e.name === lpId.name);
  return found!.spec as LaunchPlanMsg;
}

/**
 * Everything the roots need registered, in dependency order and deduplicated by kind and name: tasks before the
 * workflows using them, subworkflows and called launch plans before their callers, each workflow followed by its
 * default launch plan, named launch plans after their workflow.
 *
 * @example
 * collectEntities([wf], serializationSettings()).map((e) => e.kind); // [1, 2, 3]
 */
export function collectEntities(
  roots: Iterable<Entity<any, any>>,
  settings: SerializationSettings,
): SerializedEntity[] {
  const s = new Serializer(settings);
  for (const r of roots) s.add(r as Entity);
  return [...s.entities];
}
