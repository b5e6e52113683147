/**
 * `FlyteRemote`: registers TypeScript entities on a Flyte cluster (fast registration through DataProxy), fetches
 * registered ones (any language) with typed interfaces, launches executions and reads them back typed.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Entity, ValueInputs } from "../core/entity.js";
import { type InputSpec, Interface, type OutputSpec } from "../core/interface.js";
import { LaunchPlan } from "../core/launch-plan.js";
import { projectRoot } from "../core/naming.js";
import {
  ReferenceEntity,
  ReferenceLaunchPlan,
  type ReferenceOptions,
  ReferenceTask,
  ReferenceWorkflow,
} from "../core/reference.js";
import { Task } from "../core/task.js";
import { Workflow } from "../core/workflow.js";
import { describeValue, FlyteUserError, FlyteValidationError } from "../errors.js";
import { Sort_Direction } from "../idl/gen/flyteidl/admin/common_pb.js";
import { type Execution, ExecutionMetadata_ExecutionMode } from "../idl/gen/flyteidl/admin/execution_pb.js";
import type { LaunchPlan as LaunchPlanMsg } from "../idl/gen/flyteidl/admin/launch_plan_pb.js";
import type { Task as TaskMsg } from "../idl/gen/flyteidl/admin/task_pb.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../idl/gen/flyteidl/core/identifier_pb.js";
import type { Parameter, TypedInterface, VariableMap } from "../idl/gen/flyteidl/core/interface_pb.js";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { Node, WorkflowTemplate } from "../idl/gen/flyteidl/core/workflow_pb.js";
import { enumName } from "../idl/types.js";
import { codeBundle, entityBytes } from "../serialize/package.js";
import { fastSettings, type ImageConfig, serializationSettings } from "../serialize/settings.js";
import { type SerializedEntity, Serializer } from "../serialize/translate.js";
import { typeFromLiteralType } from "../types/guess.js";
import type { AnyType, DataContext } from "../types/type.js";
import type { AdminClients } from "./clients.js";
import { inputsToRemoteLiterals, uploadBytes } from "./data.js";
import { adminCall, asAdminError, FlyteAdminError } from "./errors-admin.js";
import { FlyteExecution } from "./execution.js";
import { type ExecutionFilters, executionFilters } from "./filters.js";

/** How a {@link FlyteRemote} reaches admin and what it assumes when a call names no project or domain. */
export interface FlyteRemoteOptions {
  /** The admin clients (`createAdminClients`). */
  readonly clients: AdminClients;
  /** The default project of registrations, fetches and executions. */
  readonly project: string;
  /** The default domain. */
  readonly domain: string;
  /** The Flyte console's base URL (`https://flyte.example.com`), for execution links; none when unset. */
  readonly consoleEndpoint?: string;
}

/** Where an entity lives; each field defaults to the remote's. */
export interface Scope {
  /** The project; default the remote's. */
  readonly project?: string;
  /** The domain; default the remote's. */
  readonly domain?: string;
}

/** Options of {@link FlyteRemote.register}. */
export interface RegisterOptions extends Scope {
  /** The version of every entity; by default a digest of their serialized form and the code bundle. */
  readonly version?: string;
  /**
   * Fast registration (default on): the project's code is bundled, uploaded through DataProxy, and each task fetches
   * it before running; off: the image must hold the code.
   */
  readonly fast?: boolean;
  /** The directory bundled for fast registration; default the project root of the first entity's file. */
  readonly root?: string;
  /** Where the container unpacks the bundle (default `.`, the working directory, as pyflyte sets it). */
  readonly destinationDir?: string;
  /** The default image, or named images. Default `FLYTEKIT_TS_DEFAULT_IMAGE` or the SDK's image. */
  readonly image?: string | ImageConfig;
  /** Added to every task container's env. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What registration did to one entity. */
export interface RegisteredEntity {
  /** 1 task, 2 workflow, 3 launch plan. */
  readonly kind: 1 | 2 | 3;
  readonly name: string;
  /** `created`, or `exists` when the same entity was registered under this version before. */
  readonly status: "created" | "exists";
}

/** The result of {@link FlyteRemote.register}. */
export interface Registration {
  readonly project: string;
  readonly domain: string;
  readonly version: string;
  /** Every entity registered, dependencies first. */
  readonly entities: readonly RegisteredEntity[];
  /** Where the code bundle was uploaded (fast registration). */
  readonly bundle: string | undefined;
}

/** Options of {@link FlyteRemote.execute}. */
export interface ExecuteOptions extends Scope {
  /** The execution's name; an existing execution of this name is attached to instead of launched again. */
  readonly name?: string;
  /** The registered version of a local entity; default the version this remote registered it under. */
  readonly version?: string;
  /** Kubernetes labels of the execution's pods. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Kubernetes annotations of the execution's pods. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Environment variables of every task of the execution. */
  readonly envs?: Readonly<Record<string, string>>;
  /** Run cached tasks again and overwrite their cached outputs. */
  readonly overwriteCache?: boolean;
  /**
   * Where the execution's tasks write raw outputs (files, directories, dataframes, offloaded values) instead of the
   * launch plan's or the cluster's default: an object-store prefix, `s3://bucket/path`, `gs://bucket/path`,
   * `abfs[s]://container@account.dfs.core.windows.net/path` or `wasb[s]://...`.
   */
  readonly rawOutputDataPrefix?: string;
  /** The Kubernetes service account the execution's pods run as (the execution's `security_context.run_as`). */
  readonly serviceAccount?: string;
  /** At most this many nodes of the execution run at once; 0 for no limit. Default: the launch plan's or project's. */
  readonly maxParallelism?: number;
  /** Runs every task of the execution as interruptible (`true`) or not (`false`). Default: as registered. */
  readonly interruptible?: boolean;
  /**
   * Names the execution from its input literals (when `name` is unset), so that the same call made again attaches
   * to the execution it launched before.
   */
  readonly nameFromInputs?: (inputs: LiteralMap) => string;
  /** How long a create answered ALREADY_EXISTS is tried again while the execution does not read back (ms, default 60 s). */
  readonly attachTimeoutMs?: number;
}

/** Options of the fetch methods. */
export interface FetchOptions extends Scope {
  /** The version; default the latest registered. */
  readonly version?: string;
}

/** Options of {@link FlyteRemote.listExecutions}. */
export interface ListExecutionsOptions extends Scope {
  /** At most this many, newest first (default 100). */
  readonly limit?: number;
}

/** A fetched task, workflow or launch plan: a reference with the interface admin recorded, plus the raw message. */
export type FetchedTask = ReferenceTask<InputSpec, OutputSpec> & { readonly template: TaskMsg };
/** A fetched workflow. */
export type FetchedWorkflow = ReferenceWorkflow<InputSpec, OutputSpec>;
/** A fetched launch plan. */
export type FetchedLaunchPlan = ReferenceLaunchPlan<InputSpec, OutputSpec> & { readonly launchPlan: LaunchPlanMsg };

const KIND_NAMES = { 1: "task", 2: "workflow", 3: "launch plan" } as const;

const NO_BLOBS: DataContext = {
  uploadsLocalPaths: false,
  putBlob: () => {
    throw new FlyteUserError("no data is stored while reading defaults");
  },
  getBlob: (uri) => {
    throw new FlyteUserError(`the default at ${uri} is not read`);
  },
};

const NAME_ORDER = new Intl.Collator("en", { numeric: true });

/** The object stores a cluster's pods can write raw outputs to. */
const RAW_OUTPUT_SCHEMES = ["s3", "gs", "abfs", "abfss", "wasb", "wasbs"];

/**
 * Checks an execution's raw output prefix: an object-store URI with a bucket (or container), since the pods, not this
 * machine, write under it. Returns it as given.
 *
 * @example
 * checkRawOutputDataPrefix("s3://my-bucket/raw"); // "s3://my-bucket/raw"
 */
export function checkRawOutputDataPrefix(prefix: unknown): string {
  const expected = `an object-store prefix (${RAW_OUTPUT_SCHEMES.map((x) => `${x}://`).join(", ")}) with a bucket, e.g. s3://my-bucket/raw`;
  if (typeof prefix !== "string")
    throw new FlyteValidationError(`rawOutputDataPrefix = ${describeValue(prefix)}: expected ${expected}`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)$/.exec(prefix);
  if (!m) {
    throw new FlyteValidationError(
      `rawOutputDataPrefix = ${JSON.stringify(prefix)} is not a URI: expected ${expected} (a local directory is not reachable from the cluster's pods)`,
    );
  }
  const scheme = m[1]!.toLowerCase();
  if (!RAW_OUTPUT_SCHEMES.includes(scheme))
    throw new FlyteValidationError(
      `rawOutputDataPrefix = ${JSON.stringify(prefix)}: the scheme ${scheme}:// is not an object store the pods can write to; expected ${expected}`,
    );
  if (m[2] === "")
    throw new FlyteValidationError(
      `rawOutputDataPrefix = ${JSON.stringify(prefix)} names no bucket; expected ${expected}`,
    );
  return prefix;
}

/**
 * Checks a Kubernetes service account name (a DNS-1123 subdomain: at most 253 lower-case letters, digits, `-` and
 * `.`, starting and ending with a letter or digit). Returns it as given.
 */
export function checkServiceAccount(name: unknown): string {
  if (
    typeof name !== "string" ||
    name.length > 253 ||
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
  ) {
    throw new FlyteValidationError(
      `serviceAccount = ${typeof name === "string" ? JSON.stringify(name) : describeValue(name)}: expected a Kubernetes service account name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)`,
    );
  }
  return name;
}

/**
 * The interface of a registered entity, typed from its literal types. Outputs named `o0` alone are one output,
 * `o0`…`oN` a tuple, other names named outputs. Launch plan parameters with a default become defaulted inputs.
 *
 * @example
 * interfaceFromIdl(template.interface, "app.add").inputs; // [["a", t.int], ["b", t.int]]
 */
export function interfaceFromIdl(
  ti: TypedInterface | undefined,
  owner: string,
  parameters?: Readonly<Record<string, Parameter>>,
): Interface {
  const vars = (m: VariableMap | undefined, what: string): Record<string, AnyType> => {
    const out: Record<string, AnyType> = {};
    // Admin writes a map in no fixed order: sort the names (o2 before o10) so the interface is the same every time.
    const entries = Object.entries(m?.variables ?? {}).sort(([a], [b]) => NAME_ORDER.compare(a, b));
    for (const [k, v] of entries) {
      if (!v.type) throw new FlyteValidationError(`${owner}: ${what} ${k} has no type`);
      out[k] = typeFromLiteralType(v.type, `${owner}: ${what} ${k}`);
    }
    return out;
  };
  const inputs = vars(ti?.inputs, "input");
  for (const [k, p] of Object.entries(parameters ?? {})) {
    const type = inputs[k];
    if (!type || p.behavior.case !== "default") continue;
    try {
      inputs[k] = type.default(type.fromLiteral(p.behavior.value, NO_BLOBS, [k]));
    } catch {
      // A default that cannot be read here (a file): admin still fills it when the input is left out.
    }
  }
  const outputs = vars(ti?.outputs, "output");
  const names = Object.keys(outputs);
  const positional = names.length > 0 && names.every((n, i) => n === `o${i}`);
  const spec: OutputSpec =
    names.length === 0
      ? undefined
      : positional && names.length === 1
        ? outputs.o0
        : positional
          ? names.map((n) => outputs[n]!)
          : outputs;
  return new Interface(inputs, spec, owner);
}

function withInterface<E extends ReferenceEntity>(e: E, iface: Interface): E {
  Object.defineProperty(e, "interface", { value: iface });
  return e;
}

/**
 * The client of a Flyte cluster: register, fetch, execute and watch.
 *
 * @example
 * const remote = new FlyteRemote({ clients: createAdminClients({ endpoint: "localhost:30080", insecure: true }),
 *   project: "flytesnacks", domain: "development" });
 * await remote.register([wf], { version: "v1" });
 * const ex = await remote.execute(wf, { a: 1 });
 * console.log(await (await ex.wait()).outputs());
 */
export class FlyteRemote {
  /** The admin clients. */
  readonly clients: AdminClients;
  /** The default project. */
  readonly project: string;
  /** The default domain. */
  readonly domain: string;
  /** The console's base URL, for execution links. */
  readonly consoleEndpoint: string | undefined;
  /** Versions this remote registered local entities under, by `project/domain/kind/name`. */
  private readonly versions = new Map<string, string>();

  constructor(options: FlyteRemoteOptions) {
    for (const k of ["project", "domain"] as const) {
      if (typeof options[k] !== "string" || options[k] === "")
        throw new FlyteValidationError(`FlyteRemote: ${k} must be a non-empty string, got ${String(options[k])}`);
    }
    this.clients = options.clients;
    this.project = options.project;
    this.domain = options.domain;
    this.consoleEndpoint = options.consoleEndpoint;
  }

  private scope(s: Scope = {}): { project: string; domain: string } {
    return { project: s.project ?? this.project, domain: s.domain ?? this.domain };
  }

  /**
   * Registers entities and everything they use (tasks, subworkflows, launch plans; references are not registered
   * again), dependencies first. Registering the same entities under the same version again is a no-op; a different
   * entity under an existing version is an error naming it.
   *
   * @example
   * const reg = await remote.register([wf], { version: "v1" });
   * reg.entities.map((e) => `${e.name} ${e.status}`);
   */
  async register(entities: Iterable<Entity<any, any>>, opts: RegisterOptions = {}): Promise<Registration> {
    const roots = [...entities] as Entity[];
    if (roots.length === 0) throw new FlyteValidationError("register: no entities given");
    const { project, domain } = this.scope(opts);
    const image: ImageConfig | undefined = typeof opts.image === "string" ? { default: opts.image } : opts.image;
    const base = { project, domain, env: opts.env ?? {}, ...(image ? { image } : {}) };
    // The files of the tasks serialized: the code bundle carries them even from hidden directories.
    let taskFiles: string[] = [];
    const serialize = (version: string, distribution: string | undefined): readonly SerializedEntity[] => {
      const s = new Serializer(
        serializationSettings({
          ...base,
          version,
          fast:
            distribution === undefined
              ? undefined
              : fastSettings({ distribution, destinationDir: opts.destinationDir ?? "." }),
        }),
      );
      for (const r of roots) s.add(r);
      taskFiles = s.taskFiles;
      return s.entities;
    };
    const placeholder = "{{ .remote_package_path }}";
    const draft = serialize("", (opts.fast ?? true) ? placeholder : undefined);
    // Only tasks run code: without any (references and workflows of references alone) nothing is bundled.
    let bundle: { name: string; data: Uint8Array } | undefined;
    if ((opts.fast ?? true) && draft.some((e) => e.kind === 1)) {
      const file = roots.find((r) => r.identity.file)?.identity.file;
      const root = opts.root ?? (file ? projectRoot(file) : undefined);
      if (!root) {
        throw new FlyteValidationError(
          `register: cannot tell which directory to bundle for ${roots[0]!.name}; pass root, or fast: false`,
        );
      }
      bundle = await codeBundle(root, [], taskFiles);
    }
    const version = opts.version ?? digestVersion(draft, bundle);
    if (!/^[A-Za-z0-9_.-]+$/.test(version))
      throw new FlyteValidationError(`register: version ${JSON.stringify(version)} may only hold letters, digits, _.-`);
    let bundleUrl: string | undefined;
    if (bundle) {
      bundleUrl = await adminCall("uploading the code bundle", bundle.name, () =>
        uploadBytes({ dataProxy: this.clients.dataProxy, project, domain }, bundle.name, bundle.data),
      );
    }
    const out: RegisteredEntity[] = [];
    for (const e of serialize(version, bundleUrl)) {
      const status = await this.create(e, project, domain, version);
      out.push({ kind: e.kind, name: e.name, status });
      this.versions.set(`${project}/${domain}/${e.kind}/${e.name}`, version);
    }
    return { project, domain, version, entities: out, bundle: bundleUrl };
  }

  private async create(e: SerializedEntity, project: string, domain: string, version: string) {
    const what = `${KIND_NAMES[e.kind]} ${e.name} (version ${version} in ${project}/${domain})`;
    const id = create(IdentifierSchema, {
      resourceType: [ResourceType.TASK, ResourceType.WORKFLOW, ResourceType.LAUNCH_PLAN][e.kind - 1]!,
      project,
      domain,
      name: e.name,
      version,
    });
    try {
      if (e.kind === 1) await this.clients.admin.createTask({ id, spec: e.spec });
      else if (e.kind === 2)
        await this.clients.admin.createWorkflow({ id, spec: await this.withReferencedWorkflows(e.spec) });
      else await this.clients.admin.createLaunchPlan({ id, spec: e.spec.spec });
      return "created" as const;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.AlreadyExists) return "exists" as const;
      if (err instanceof ConnectError && /different structure/i.test(err.rawMessage)) {
        throw new FlyteAdminError(
          `registering ${what}: a different ${KIND_NAMES[e.kind]} is already registered under this version; register under a new version (--version), or leave the version out to use a digest of the code. Admin said: ${err.rawMessage}`,
          "ALREADY_EXISTS",
          { cause: err },
        );
      }
      throw asAdminError(err, "registering", what);
    }
  }

  /**
   * Admin compiles a workflow with the subworkflows it embeds; a reference workflow's node refers to a workflow
   * registered elsewhere, so its compiled templates are fetched and embedded.
   */
  private async withReferencedWorkflows(spec: WorkflowSpec): Promise<WorkflowSpec> {
    const have = new Set([spec.template!, ...spec.subWorkflows].map((w) => idKey(w.id!)));
    const missing = new Map<string, Identifier>();
    const visit = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        const t = n.target;
        if (t.case === "workflowNode" && t.value.reference.case === "subWorkflowRef") {
          const ref = t.value.reference.value;
          if (!have.has(idKey(ref))) missing.set(idKey(ref), ref);
        } else if (t.case === "branchNode") {
          const ie = t.value.ifElse!;
          visit([ie.case!.thenNode!, ...ie.other.map((o) => o.thenNode!)]);
          if (ie.default.case === "elseNode") visit([ie.default.value]);
        } else if (t.case === "arrayNode" && t.value.node) visit([t.value.node]);
      }
    };
    for (const w of [spec.template!, ...spec.subWorkflows]) visit(w.nodes);
    if (missing.size === 0) return spec;
    const extra: WorkflowTemplate[] = [];
    for (const ref of missing.values()) {
      const wf = await adminCall("fetching the referenced workflow", idString(ref), () =>
        this.clients.admin.getWorkflow({ id: ref }),
      );
      const compiled = wf.closure?.compiledWorkflow;
      for (const c of [compiled?.primary, ...(compiled?.subWorkflows ?? [])]) {
        const tpl = c?.template;
        if (tpl && !have.has(idKey(tpl.id!))) {
          have.add(idKey(tpl.id!));
          extra.push(tpl);
        }
      }
    }
    return create(WorkflowSpecSchema, { ...spec, subWorkflows: [...spec.subWorkflows, ...extra] });
  }

  private async latest(kind: ResourceType, name: string, scope: { project: string; domain: string }) {
    const what = `${enumName(ResourceType, kind).toLowerCase().replace("_", " ")} ${name} in ${scope.project}/${scope.domain}`;
    const req = {
      id: { ...scope, name },
      limit: 1,
      sortBy: { key: "created_at", direction: Sort_Direction.DESCENDING },
    };
    const ids =
      kind === ResourceType.TASK
        ? (await adminCall("finding the latest version of", what, () => this.clients.admin.listTasks(req))).tasks
        : kind === ResourceType.WORKFLOW
          ? (await adminCall("finding the latest version of", what, () => this.clients.admin.listWorkflows(req)))
              .workflows
          : (await adminCall("finding the latest version of", what, () => this.clients.admin.listLaunchPlans(req)))
              .launchPlans;
    const version = ids[0]?.id?.version;
    if (!version) {
      throw new FlyteAdminError(
        `no version of the ${what} is registered; check the name (the full Flyte name, e.g. module.export) or register it first`,
        "NOT_FOUND",
      );
    }
    return version;
  }

  private async idOf(kind: ResourceType, name: string, opts: FetchOptions) {
    const scope = this.scope(opts);
    const version = opts.version ?? (await this.latest(kind, name, scope));
    return create(IdentifierSchema, { resourceType: kind, ...scope, name, version });
  }

  /**
   * Fetches a registered task (of any language) as a reference typed by its registered interface, callable in
   * workflows and executable with {@link execute}.
   *
   * @example
   * const add = await remote.fetchTask("pylib.tasks.add"); // the latest version
   */
  async fetchTask(name: string, opts: FetchOptions = {}): Promise<FetchedTask> {
    const id = await this.idOf(ResourceType.TASK, name, opts);
    const task = await adminCall("fetching task", idString(id), () => this.clients.admin.getTask({ id }));
    const iface = interfaceFromIdl(task.closure?.compiledTask?.template?.interface, name);
    const ref = withInterface(new ReferenceTask(refOptions(id)), iface);
    Object.defineProperty(ref, "template", { value: task });
    return ref as FetchedTask;
  }

  /**
   * Fetches a registered workflow as a reference typed by its interface.
   *
   * @example
   * const wf = await remote.fetchWorkflow("examples.hello.wf", { version: "v1" });
   */
  async fetchWorkflow(name: string, opts: FetchOptions = {}): Promise<FetchedWorkflow> {
    const id = await this.idOf(ResourceType.WORKFLOW, name, opts);
    const wf = await adminCall("fetching workflow", idString(id), () => this.clients.admin.getWorkflow({ id }));
    const iface = interfaceFromIdl(wf.closure?.compiledWorkflow?.primary?.template?.interface, name);
    return withInterface(new ReferenceWorkflow(refOptions(id)), iface);
  }

  /**
   * Fetches a registered launch plan as a reference typed by its expected inputs (defaults kept) and outputs.
   *
   * @example
   * const lp = await remote.fetchLaunchPlan("examples.launch_plan.greetAda");
   */
  async fetchLaunchPlan(name: string, opts: FetchOptions = {}): Promise<FetchedLaunchPlan> {
    const id = await this.idOf(ResourceType.LAUNCH_PLAN, name, opts);
    const lp = await adminCall("fetching launch plan", idString(id), () => this.clients.admin.getLaunchPlan({ id }));
    const iface = launchPlanInterface(lp, name);
    const ref = withInterface(new ReferenceLaunchPlan(refOptions(id)), iface);
    Object.defineProperty(ref, "launchPlan", { value: lp });
    return ref as FetchedLaunchPlan;
  }

  /** The registered id an execution of `entity` launches: a task, or a launch plan (a workflow's default one). */
  private async launchId(entity: Entity, opts: ExecuteOptions): Promise<Identifier> {
    if (entity instanceof ReferenceEntity) {
      const r = entity.reference;
      const kind = entity.kind === "task" ? ResourceType.TASK : ResourceType.LAUNCH_PLAN;
      return create(IdentifierSchema, { resourceType: kind, ...r });
    }
    const { project, domain } = this.scope(opts);
    entity.resolveName();
    let kind: ResourceType;
    let name = entity.name;
    let regKind: 1 | 3;
    if (entity instanceof Task) {
      kind = ResourceType.TASK;
      regKind = 1;
    } else if (entity instanceof Workflow || entity instanceof LaunchPlan) {
      kind = ResourceType.LAUNCH_PLAN;
      regKind = 3;
      if (entity instanceof LaunchPlan && entity.name === entity.workflow.name) name = entity.workflow.name;
    } else {
      throw new FlyteValidationError(`execute: ${String(entity.name)} is not a task, workflow or launch plan`);
    }
    const version = opts.version ?? this.versions.get(`${project}/${domain}/${regKind}/${name}`);
    if (!version) {
      throw new FlyteValidationError(
        `execute: ${entity.kind} ${name} has no known version in ${project}/${domain}; register it first (remote.register or tsflyte register) or pass version`,
      );
    }
    return create(IdentifierSchema, { resourceType: kind, project, domain, name, version });
  }

  /**
   * Launches an execution of a task, workflow (its default launch plan), launch plan or reference, with inputs
   * converted by the entity's interface (local files uploaded). An execution of the given name that exists already
   * is attached to, not launched again.
   *
   * @example
   * const ex = await remote.execute(wf, { a: 1 }, { name: "nightly-2024-01-01", labels: { team: "ml" } });
   */
  async execute<I extends InputSpec, O extends OutputSpec>(
    entity: Entity<I, O>,
    inputs: ValueInputs<I> = {} as ValueInputs<I>,
    opts: ExecuteOptions = {},
  ): Promise<FlyteExecution<O>> {
    const e = entity as unknown as Entity;
    // Checked before anything is uploaded or launched.
    const rawPrefix =
      opts.rawOutputDataPrefix === undefined ? undefined : checkRawOutputDataPrefix(opts.rawOutputDataPrefix);
    const serviceAccount = opts.serviceAccount === undefined ? undefined : checkServiceAccount(opts.serviceAccount);
    const maxParallelism = opts.maxParallelism;
    if (
      maxParallelism !== undefined &&
      (!Number.isInteger(maxParallelism) || maxParallelism < 0 || maxParallelism > 2 ** 31 - 1)
    ) {
      throw new FlyteValidationError(
        `maxParallelism = ${describeValue(maxParallelism)}: expected a whole number of nodes, 0 for no limit`,
      );
    }
    if (opts.interruptible !== undefined && typeof opts.interruptible !== "boolean")
      throw new FlyteValidationError(`interruptible = ${describeValue(opts.interruptible)}: expected true or false`);
    const lp = await this.launchId(e, opts);
    const { project, domain } = this.scope(opts);
    const owner = e.name;
    const literals = await inputsToRemoteLiterals(
      { dataProxy: this.clients.dataProxy, project, domain },
      e.interface,
      inputs as Record<string, unknown>,
      owner,
    );
    const name = opts.name ?? opts.nameFromInputs?.(literals) ?? "";
    const request = {
      project,
      domain,
      name,
      inputs: literals,
      spec: {
        launchPlan: lp,
        metadata: { mode: ExecutionMetadata_ExecutionMode.MANUAL },
        labels: { values: { ...opts.labels } },
        annotations: { values: { ...opts.annotations } },
        envs: { values: Object.entries(opts.envs ?? {}).map(([key, value]) => ({ key, value })) },
        overwriteCache: opts.overwriteCache ?? false,
        ...(rawPrefix === undefined ? {} : { rawOutputDataConfig: { outputLocationPrefix: rawPrefix } }),
        ...(serviceAccount === undefined ? {} : { securityContext: { runAs: { k8sServiceAccount: serviceAccount } } }),
        ...(maxParallelism === undefined ? {} : { maxParallelism }),
        ...(opts.interruptible === undefined ? {} : { interruptible: opts.interruptible }),
      },
    };
    let created: { project: string; domain: string; name: string } | undefined;
    // ALREADY_EXISTS with no execution to read back has two causes on a busy admin: an earlier create of the name is
    // still in flight (it reads back soon), or concurrent first launches of one task raced to create the workflow and
    // launch plan admin generates for single-task executions (nothing was created). Launching again, backing off,
    // for up to a minute, settles both: the first is attached to, the second launched.
    const deadline = Date.now() + (opts.attachTimeoutMs ?? 60_000);
    for (let delay = 100; created === undefined; delay = Math.min(delay * 2, 2000)) {
      try {
        created = (await this.clients.admin.createExecution(request)).id!;
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) {
          throw asAdminError(err, "launching", `${e.kind} ${idString(lp)}`);
        }
        if (name) {
          const ex = await this.fetchExecution(name, { project, domain }, e.interface).catch((f: unknown) => {
            if (f instanceof FlyteAdminError && f.grpcCode === "NOT_FOUND") return undefined;
            throw f;
          });
          if (ex) {
            const launched = ex.execution.spec?.launchPlan;
            if (launched && launched.name !== lp.name) {
              throw new FlyteValidationError(
                `execute: an execution named ${name} already exists in ${project}/${domain} but runs ${launched.name}, not ${lp.name}; choose another name`,
              );
            }
            return new FlyteExecution<O>(this.clients, ex.execution, e.interface, owner, {
              attached: true,
              consoleBase: this.consoleEndpoint,
            });
          }
        }
        if (Date.now() + delay > deadline) {
          // A create that failed after admin made the execution's workflow object keeps the name taken for good.
          if (name)
            throw new FlyteExecutionNameTakenError(
              `execute: admin says an execution named ${name} exists in ${project}/${domain}, but it never reads back (an earlier create failed half-way): launch under another name`,
              name,
              { cause: err },
            );
          throw asAdminError(err, "launching", `${e.kind} ${idString(lp)}`);
        }
        await sleep(delay);
      }
    }
    const execution = await adminCall("getting execution", `${created.project}/${created.domain}/${created.name}`, () =>
      this.clients.admin.getExecution({ id: created }),
    );
    return new FlyteExecution<O>(this.clients, execution, e.interface, owner, { consoleBase: this.consoleEndpoint });
  }

  /**
   * A handle on an existing execution, its outputs typed by `iface` or else by the interface admin recorded for what
   * it launched.
   *
   * @example
   * const ex = await remote.fetchExecution("abc123");
   */
  async fetchExecution(name: string, scope: Scope = {}, iface?: Interface): Promise<FlyteExecution> {
    const s = this.scope(scope);
    const id = { ...s, name };
    const execution = await adminCall("getting execution", `${s.project}/${s.domain}/${name}`, () =>
      this.clients.admin.getExecution({ id }),
    );
    const lp = execution.spec?.launchPlan;
    let typed = iface;
    if (!typed && lp) {
      const owner = lp.name;
      if (lp.resourceType === ResourceType.TASK) {
        const task = await adminCall("fetching task", idString(lp), () => this.clients.admin.getTask({ id: lp }));
        typed = interfaceFromIdl(task.closure?.compiledTask?.template?.interface, owner);
      } else {
        const msg = await adminCall("fetching launch plan", idString(lp), () =>
          this.clients.admin.getLaunchPlan({ id: lp }),
        );
        typed = launchPlanInterface(msg, owner);
      }
    }
    return new FlyteExecution(this.clients, execution, typed ?? new Interface(), lp?.name ?? name, {
      consoleBase: this.consoleEndpoint,
    });
  }

  /**
   * Executions in a project and domain, newest first, narrowed by filters.
   *
   * @example
   * await remote.listExecutions({ phase: "FAILED", launchPlan: "examples.hello.wf" }, { limit: 10 });
   */
  async listExecutions(filters: ExecutionFilters = {}, opts: ListExecutionsOptions = {}): Promise<Execution[]> {
    const s = this.scope(opts);
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw new FlyteValidationError(`listExecutions: limit must be a positive integer, got ${limit}`);
    const res = await adminCall("listing executions in", `${s.project}/${s.domain}`, () =>
      this.clients.admin.listExecutions({
        id: s,
        limit,
        filters: executionFilters(filters),
        sortBy: { key: "created_at", direction: Sort_Direction.DESCENDING },
      }),
    );
    return res.executions;
  }
}

/**
 * A launch under a name admin holds for an execution it cannot read back: a create that failed after admin made the
 * execution's workflow object leaves the name taken. Another name is needed.
 */
export class FlyteExecutionNameTakenError extends FlyteAdminError {
  /** The taken name. */
  readonly executionName: string;
  constructor(message: string, executionName: string, options?: { cause?: unknown }) {
    super(message, "ALREADY_EXISTS", options);
    this.name = "FlyteExecutionNameTakenError";
    this.executionName = executionName;
  }
}

/** The interface of a launch plan message: expected inputs (with defaults) and outputs. */
export function launchPlanInterface(lp: LaunchPlanMsg, owner: string): Interface {
  const params = lp.closure?.expectedInputs?.parameters ?? lp.spec?.defaultInputs?.parameters ?? {};
  const inputs: VariableMap = {
    $typeName: "flyteidl.core.VariableMap",
    variables: Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.var!])),
  };
  const ti: TypedInterface = {
    $typeName: "flyteidl.core.TypedInterface",
    inputs,
    outputs: lp.closure?.expectedOutputs,
  };
  return interfaceFromIdl(ti, owner, params);
}

function refOptions(id: Identifier): ReferenceOptions<InputSpec, OutputSpec> {
  return { project: id.project, domain: id.domain, name: id.name, version: id.version };
}

function idKey(i: Identifier): string {
  return `${i.resourceType}/${i.project}/${i.domain}/${i.name}/${i.version}`;
}

function idString(i: Identifier): string {
  return `${i.project}/${i.domain}/${i.name}@${i.version}`;
}

/** A version from the serialized entities and the code bundle: the same code gives the same version. */
function digestVersion(entities: readonly SerializedEntity[], bundle: { name: string } | undefined): string {
  const h = createHash("sha256");
  for (const e of entities) {
    h.update(`${e.kind}:${e.name}\0`);
    h.update(entityBytes(e));
  }
  if (bundle) h.update(bundle.name);
  return `ts-${h.digest("hex").slice(0, 20)}`;
}
