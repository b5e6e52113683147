/**
 * Translation of tasks, workflows and launch plans into Flyte IDL (`admin.TaskSpec`, `admin.WorkflowSpec`,
 * `admin.LaunchPlan`), in dependency order, with flytekit's field rules.
 */
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { BranchCase, NodeSpec } from "../core/compilation.js";
import type { Condition, Operand } from "../core/condition.js";
import { DynamicTask } from "../core/dynamic.js";
import { EagerTask } from "../core/eager/eager-task.js";
import type { Entity } from "../core/entity.js";
import type { Interface } from "../core/interface.js";
import { LaunchPlan } from "../core/launch-plan.js";
import { MapTask } from "../core/map-task.js";
import { describeIdentity } from "../core/naming.js";
import { isRef, refTarget } from "../core/promise.js";
import type { Resources, ResourceValues } from "../core/resources.js";
import { DEFAULT_RESOLVER_LOCATION } from "../core/resolver.js";
import { Task } from "../core/task.js";
import { Workflow } from "../core/workflow.js";
import { FlyteValidationError } from "../errors.js";
import { type TaskSpec, TaskSpecSchema } from "../idl/gen/flyteidl/admin/task_pb.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { type LaunchPlan as LaunchPlanMsg, LaunchPlanSchema } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
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
import { SecurityContextSchema, Secret_MountType } from "../idl/gen/flyteidl/core/security_pb.js";
import {
  ContainerSchema,
  type ExtendedResources,
  ExtendedResourcesSchema,
  K8sPodSchema,
  type Resources as ResourcesMsg,
  Resources_ResourceName,
  ResourcesSchema,
  RuntimeMetadata_RuntimeType,
  type TaskTemplate,
  TaskTemplateSchema,
} from "../idl/gen/flyteidl/core/tasks_pb.js";
import {
  ArrayNode_ExecutionMode,
  type Node,
  NodeSchema,
  WorkflowMetadata_OnFailurePolicy,
  type WorkflowTemplate,
  WorkflowTemplateSchema,
} from "../idl/gen/flyteidl/core/workflow_pb.js";
import {
  booleanLiteral,
  floatLiteral,
  integerLiteral,
  noneLiteral,
  primitiveOf,
  stringLiteral,
} from "../idl/literals.js";
import { t } from "../types/index.js";
import { NO_DATA } from "../types/type.js";
import { localData } from "../core/local-data.js";
import { resolveImage, SDK_VERSION, type SerializationSettings } from "./settings.js";

/** Registration file kinds: 1 task, 2 workflow, 3 launch plan (the `_<k>.pb` suffix). */
export type EntityKind = 1 | 2 | 3;

/** One serialized entity. */
export type SerializedEntity =
  | { readonly kind: 1; readonly name: string; readonly spec: TaskSpec }
  | { readonly kind: 2; readonly name: string; readonly spec: WorkflowSpec }
  | { readonly kind: 3; readonly name: string; readonly spec: LaunchPlanMsg };

const commandFns = new WeakMap<object, (settings: SerializationSettings) => string[]>();

/** Overrides a task's container args (flytekit's `set_command_fn`). */
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

function checkNamed(e: Entity): string {
  const idn = e.identity;
  // Entities that compute their own name (map tasks, eager cleanup tasks) are named; others need a name or an export.
  if (!idn.explicitName && !idn.exportName && !idn.definedIn && e.name === describeIdentity(idn)) {
    throw new FlyteValidationError(
      `${e.name}: a ${e.kind} defined in ${idn.module ?? "an unknown module"} has no name; export it from its module or give it a name`,
    );
  }
  return e.name;
}

/** The loader args of the default resolver: `task-module <module> task-name <export>`. */
export function loaderArgs(task: Task): string[] {
  if (task instanceof MapTask) {
    return [
      "vars",
      [...task.boundInputs].sort().join(","),
      "resolver",
      DEFAULT_RESOLVER_LOCATION,
      ...loaderArgs(task.inner),
    ];
  }
  if (task.taskType === "eager_failure_handler_task") return ["eager", "failure", "handler"];
  if (task.identity.definedIn) return [String(task.identity.definedIn.index)];
  const module = task.identity.module;
  if (!module) throw new FlyteValidationError(`${task.name}: cannot tell which module defines it`);
  return ["task-module", module, "task-name", task.lhs];
}

/** The container args of a task: the entrypoint, the I/O templates, the resolver and its loader args. */
export function taskCommand(task: Task, s: SerializationSettings): string[] {
  const custom = commandFns.get(task);
  if (custom) return custom(s);
  const isMap = task instanceof MapTask;
  const resolver = isMap
    ? "flytekit_ts.map_task_resolver"
    : task.taskType === "eager_failure_handler_task"
      ? "flytekit_ts.eager_failure_task_resolver"
      : task.identity.definedIn
        ? task.identity.definedIn.workflow.location
        : DEFAULT_RESOLVER_LOCATION;
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
    ...loaderArgs(task),
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

const RESOURCE_ORDER: readonly [keyof ResourceValues, Resources_ResourceName][] = [
  ["ephemeralStorage", Resources_ResourceName.EPHEMERAL_STORAGE],
  ["cpu", Resources_ResourceName.CPU],
  ["gpu", Resources_ResourceName.GPU],
  ["mem", Resources_ResourceName.MEMORY],
];

/** Container resources in flytekit's order (ephemeral storage, cpu, gpu, memory), falling back to the defaults. */
export function resourcesMessage(r: Resources, s: SerializationSettings): ResourcesMsg {
  const empty = Object.keys(r.requests).length === 0 && Object.keys(r.limits).length === 0;
  const use = empty && s.defaultResources ? s.defaultResources : r;
  const entries = (v: ResourceValues) =>
    RESOURCE_ORDER.filter(([k]) => v[k] !== undefined && v[k] !== "").map(([k, name]) => ({
      name,
      value: String(v[k]),
    }));
  return create(ResourcesSchema, { requests: entries(use.requests), limits: entries(use.limits) });
}

/** The container env: settings env, then the task env (which wins), in insertion order; plus `_F_SS_C` for dynamic and eager tasks. */
export function containerEnv(task: Task, s: SerializationSettings): { key: string; value: string }[] {
  const env: Record<string, string> = { ...s.env, ...(task.options.environment ?? {}) };
  if (task instanceof DynamicTask || task instanceof EagerTask) env._F_SS_C = serializedContext(s);
  return Object.entries(env).map(([key, value]) => ({ key, value }));
}

/** The registration-time settings a dynamic or eager task needs in its container (flytekit's `_F_SS_C` twin). */
export function serializedContext(s: SerializationSettings): string {
  const json = JSON.stringify({
    project: s.project,
    domain: s.domain,
    version: s.version,
    image: s.image,
    env: s.env,
    fast: s.fast,
  });
  return Buffer.from(json).toString("base64");
}

function extendedResources(task: Task): ExtendedResources | undefined {
  const acc = task.options.accelerator;
  const shm = task.options.sharedMemory;
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

const K8S_RESOURCE_NAMES: Record<keyof ResourceValues, string> = {
  cpu: "cpu",
  mem: "memory",
  gpu: "gpu",
  ephemeralStorage: "ephemeral-storage",
};

function k8sResources(r: Resources): Record<string, unknown> {
  const conv = (v: ResourceValues) =>
    Object.fromEntries(Object.entries(v).map(([k, x]) => [K8S_RESOURCE_NAMES[k as keyof ResourceValues], String(x)]));
  const out: Record<string, unknown> = {};
  if (Object.keys(r.requests).length) out.requests = conv(r.requests);
  if (Object.keys(r.limits).length) out.limits = conv(r.limits);
  return out;
}

/** The TaskTemplate of a task. */
export function taskTemplate(task: Task, s: SerializationSettings): TaskTemplate {
  const name = task instanceof MapTask ? task.name : checkNamed(task);
  const m = task.metadata;
  const inner = task instanceof MapTask ? task.inner : task;
  const image = resolveImage(inner.options.containerImage, s.image);
  const args = taskCommand(task, s);
  const env = containerEnv(task, s);
  const resources = resourcesMessage(task.resources, s);
  const pod = inner.options.podTemplate;
  let target: TaskTemplate["target"];
  const config: Record<string, string> = {};
  if (pod) {
    const primaryName = pod.primaryContainerName ?? "primary";
    const spec = structuredClone(pod.podSpec) as { containers?: Record<string, unknown>[] };
    const containers = (spec.containers ??= []);
    let primary = containers.find((c) => c.name === primaryName);
    if (!primary) {
      primary = { name: primaryName };
      containers.push(primary);
    }
    primary.image = typeof primary.image === "string" ? resolveImage(primary.image, s.image) : image;
    primary.command = [];
    primary.args = args;
    const res = k8sResources(task.resources);
    if (Object.keys(res).length) primary.resources = res;
    primary.env = [...env.map(({ key, value }) => ({ name: key, value })), ...((primary.env as unknown[]) ?? [])];
    for (const c of containers)
      if (c !== primary && typeof c.image === "string") c.image = resolveImage(c.image, s.image);
    target = {
      case: "k8sPod",
      value: create(K8sPodSchema, {
        metadata: { labels: pod.labels ?? {}, annotations: pod.annotations ?? {} },
        podSpec: spec as JsonObject,
        primaryContainerName: primaryName,
      }),
    };
    config.primary_container_name = primaryName;
  } else {
    target = { case: "container", value: create(ContainerSchema, { image, command: [], args, env, resources }) };
  }
  const secrets = (task.options.secrets ?? []).map((sr) => ({
    group: sr.group,
    key: sr.key ?? "",
    groupVersion: sr.groupVersion ?? "",
    mountRequirement: Secret_MountType[sr.mountRequirement ?? "ANY"],
    envVar: sr.envVar ?? "",
  }));
  const custom = (task as { getCustom?: (s: SerializationSettings) => JsonObject | undefined }).getCustom?.(s);
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
      generatesDeck: m.generatesDeck,
      metadata: { labels: m.labels, annotations: m.annotations },
    },
    interface: task.flyteInterface.toIdl(),
    custom,
    target,
    taskTypeVersion: task.taskTypeVersion,
    securityContext: secrets.length ? create(SecurityContextSchema, { secrets }) : undefined,
    extendedResources: extendedResources(inner),
    config,
  });
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

/** Collects everything a workflow needs registered, in dependency order, and serializes it. */
export class Serializer {
  readonly settings: SerializationSettings;
  private readonly order: SerializedEntity[] = [];
  private readonly seen = new Map<string, SerializedEntity>();
  private readonly templates = new Map<string, WorkflowTemplate>();

  constructor(settings: SerializationSettings) {
    this.settings = settings;
  }

  /** Everything serialized so far, dependencies first. */
  get entities(): readonly SerializedEntity[] {
    return this.order;
  }

  private push(e: SerializedEntity): void {
    const key = `${e.kind}:${e.name}`;
    if (this.seen.has(key)) return;
    this.seen.set(key, e);
    this.order.push(e);
  }

  /** Serializes any entity (and what it depends on). Workflows also get their default launch plan. */
  add(entity: Entity): void {
    if (entity instanceof EagerTask) {
      this.task(entity);
      this.launchPlanFor(entity.getAsWorkflow() as unknown as Workflow);
    } else if (entity instanceof Task) this.task(entity);
    else if (entity instanceof Workflow) this.launchPlanFor(entity);
    else if (entity instanceof LaunchPlan) this.launchPlan(entity);
    else throw new FlyteValidationError(`cannot serialize ${String((entity as Entity).name)}`);
  }

  /** Serializes a task and returns its id. */
  task(task: Task): Identifier {
    if (task instanceof MapTask) this.task(task.inner);
    if (task instanceof DynamicTask) for (const h of task.nodeDependencyHints ?? []) this.add(h as Entity);
    const template = taskTemplate(task, this.settings);
    this.push({ kind: 1, name: template.id!.name, spec: create(TaskSpecSchema, { template }) });
    return template.id!;
  }

  /** Serializes a workflow (its tasks and subworkflows first) and returns its template. */
  workflow(wf: Workflow): WorkflowTemplate {
    const name = checkNamed(wf);
    const cached = this.templates.get(name);
    if (cached) return cached;
    const compiled = wf.compile();
    const subs = new Map<string, WorkflowTemplate>();
    const nodes = compiled.nodes.map((n) => this.node(n, subs));
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
      outputs: compiled.outputs as Binding[],
      failureNode: compiled.failureNode ? this.node(compiled.failureNode, subs) : undefined,
    });
    this.templates.set(name, template);
    const subWorkflows = [...subs.values()].sort((a, b) =>
      a.id!.name < b.id!.name ? -1 : a.id!.name > b.id!.name ? 1 : 0,
    );
    this.push({ kind: 2, name, spec: create(WorkflowSpecSchema, { template, subWorkflows }) });
    return template;
  }

  /** Serializes the nodes of a graph (a dynamic body), returning them with the subworkflow templates they use. */
  nodesOf(specs: readonly NodeSpec[]): { nodes: Node[]; subWorkflows: WorkflowTemplate[] } {
    const subs = new Map<string, WorkflowTemplate>();
    const nodes = specs.map((n) => this.node(n, subs));
    return { nodes, subWorkflows: [...subs.values()] };
  }

  private collectSubworkflows(wf: Workflow, subs: Map<string, WorkflowTemplate>): void {
    const t = this.workflow(wf);
    subs.set(t.id!.name, t);
    const spec = this.seen.get(`2:${t.id!.name}`);
    if (spec?.kind === 2) for (const s of spec.spec.subWorkflows) subs.set(s.id!.name, s);
  }

  private node(n: NodeSpec, subs: Map<string, WorkflowTemplate>): Node {
    if (n.id === "efn" && !(n.entity instanceof Task && n.entity.taskType === "eager_failure_handler_task")) {
      throw new FlyteValidationError('node id "efn" is reserved for eager failure nodes');
    }
    const meta = {
      name: n.metadata.name,
      timeout: n.metadata.timeoutMs ? durationOf(n.metadata.timeoutMs) : undefined,
      retries: { retries: n.metadata.retries ?? 0 },
      interruptibleValue:
        n.metadata.interruptible === undefined
          ? { case: undefined }
          : { case: "interruptible" as const, value: n.metadata.interruptible },
    };
    if (n.branch) return this.branchNode(n, subs, meta);
    const e = n.entity!;
    let target: MessageInitShape<typeof NodeSchema>["target"];
    let inputs = n.bindings;
    if (e instanceof MapTask) {
      const ref = this.task(e);
      target = {
        case: "arrayNode",
        value: {
          node: create(NodeSchema, {
            id: e.name,
            metadata: meta,
            inputs: n.bindings,
            target: { case: "taskNode", value: { reference: { case: "referenceId", value: ref }, overrides: {} } },
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
      target = { case: "taskNode", value: { reference: { case: "referenceId", value: ref }, overrides: {} } };
    } else if (e instanceof LaunchPlan) {
      const lpId = this.launchPlan(e);
      inputs = n.bindings.filter((b) => !Object.hasOwn(e.fixedInputs, b.var));
      target = { case: "workflowNode", value: { reference: { case: "launchplanRef", value: lpId } } };
    } else if (e instanceof Workflow) {
      this.collectSubworkflows(e, subs);
      target = {
        case: "workflowNode",
        value: { reference: { case: "subWorkflowRef", value: id(ResourceType.WORKFLOW, e.name, this.settings) } },
      };
    } else {
      throw new FlyteValidationError(`node ${n.id}: cannot serialize ${String(e)}`);
    }
    return create(NodeSchema, { id: n.id, metadata: meta, inputs, upstreamNodeIds: [...n.upstream], target });
  }

  private branchNode(n: NodeSpec, subs: Map<string, WorkflowTemplate>, meta: object): Node {
    const cases = n.branch!.cases;
    const promises = new Map<string, Binding>();
    const expr = (c: Condition): BooleanExpression => {
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
      return create(BooleanExpressionSchema, {
        expr: {
          case: "comparison",
          value: {
            operator: OPS[c.op],
            leftValue: this.operand(c.left, promises),
            rightValue: this.operand(c.right, promises),
          },
        },
      });
    };
    const block = (c: BranchCase) => ({ condition: expr(c.condition!), thenNode: this.node(c.node!, subs) });
    const withCondition = cases.filter((c) => c.condition);
    const last = cases.at(-1)!;
    if (withCondition.length === 0 || last.condition) {
      throw new FlyteValidationError(`${n.branch!.name}: a conditional needs an if and an else`);
    }
    const ifElse = {
      case: block(withCondition[0]!),
      other: withCondition.slice(1).map(block),
      default: last.node
        ? { case: "elseNode" as const, value: this.node(last.node, subs) }
        : { case: "error" as const, value: { failedNodeId: n.id, message: last.error ?? "Condition failed" } },
    };
    return create(NodeSchema, {
      id: n.id,
      metadata: meta,
      inputs: [...promises.values()],
      upstreamNodeIds: [...n.upstream],
      target: { case: "branchNode", value: { ifElse } },
    });
  }

  private operand(o: Operand, promises: Map<string, Binding>): OperandMsg {
    if (isRef(o)) {
      const t = refTarget(o);
      const v = `${t.nodeId}.${t.varName}`;
      promises.set(
        v,
        create(BindingSchema, {
          var: v,
          binding: {
            value: {
              case: "promise",
              value: {
                nodeId: t.nodeId,
                var: t.varName,
                attrPath: t.attrPath.map((p) =>
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
    const lit: Literal =
      typeof o === "boolean"
        ? booleanLiteral(o)
        : typeof o === "string"
          ? stringLiteral(o)
          : o instanceof Date
            ? t.datetime.toLiteral(o, NO_DATA)
            : Number.isInteger(o)
              ? integerLiteral(BigInt(o))
              : floatLiteral(o);
    const p = primitiveOf(lit)!;
    return { $typeName: "flyteidl.core.Operand", val: { case: "primitive", value: p } };
  }

  /** Serializes a workflow and its default launch plan (same name). */
  launchPlanFor(wf: Workflow): Identifier {
    this.workflow(wf);
    return this.launchPlanMessage(wf.name, wf, {}, {});
  }

  /** Serializes a launch plan (and its workflow) and returns its id. */
  launchPlan(lp: LaunchPlan): Identifier {
    this.workflow(lp.workflow as unknown as Workflow);
    if (lp.name === lp.workflow.name)
      this.launchPlanMessage(lp.workflow.name, lp.workflow as unknown as Workflow, {}, {});
    return this.launchPlanMessage(lp.name, lp.workflow as unknown as Workflow, lp.defaultInputs, lp.fixedInputs);
  }

  private launchPlanMessage(
    name: string,
    wf: Workflow,
    defaults: Readonly<Record<string, Literal>>,
    fixed: Readonly<Record<string, Literal>>,
  ): Identifier {
    const lpId = id(ResourceType.LAUNCH_PLAN, name, this.settings);
    if (this.seen.has(`3:${name}`)) return lpId;
    const params = parameters(wf.interface, defaults, fixed);
    const spec = create(LaunchPlanSchema, {
      id: lpId,
      spec: {
        workflowId: id(ResourceType.WORKFLOW, wf.name, this.settings),
        entityMetadata: {},
        defaultInputs: { parameters: params },
        fixedInputs: { literals: { ...fixed } },
        labels: {},
        annotations: {},
        rawOutputDataConfig: {},
      },
      closure: { expectedInputs: { parameters: params }, expectedOutputs: wf.interface.toIdl().outputs },
    });
    this.push({ kind: 3, name, spec });
    return lpId;
  }
}

/** Launch plan parameters: required without a default, defaults as literals, optional inputs default to none. */
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
