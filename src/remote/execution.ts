/**
 * A workflow execution on a Flyte cluster, as a typed handle: its phase, waiting with progress, node and task
 * executions, outputs typed by the launched entity's interface, and termination.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Interface, NativeOutputs, OutputSpec } from "../core/interface.js";
import { FlyteUserError } from "../errors.js";
import type { Execution } from "../idl/gen/flyteidl/admin/execution_pb.js";
import type { NodeExecution } from "../idl/gen/flyteidl/admin/node_execution_pb.js";
import type { TaskExecution } from "../idl/gen/flyteidl/admin/task_execution_pb.js";
import { CatalogCacheStatus } from "../idl/gen/flyteidl/core/catalog_pb.js";
import {
  ExecutionError_ErrorKind,
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../idl/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../idl/gen/flyteidl/core/identifier_pb.js";
import { enumName } from "../idl/types.js";
import type { AdminClients } from "./clients.js";
import { readLiteralMap, remoteLiteralsToOutputs } from "./data.js";
import { adminCall } from "./errors-admin.js";

/** `project/domain/name` of an execution. */
export function executionString(id: WorkflowExecutionIdentifier): string {
  return `${id.project}/${id.domain}/${id.name}`;
}

/** The phase names of a workflow execution. */
export type PhaseName = keyof typeof WorkflowExecution_Phase & string;

const TERMINAL = new Set<WorkflowExecution_Phase>([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

/** Whether an execution phase is final. */
export function isTerminal(phase: WorkflowExecution_Phase): boolean {
  return TERMINAL.has(phase);
}

/** One node of an execution, as progress reports show it. */
export interface NodeProgress {
  /** The node id in the workflow (`n0`, `end-node`…). */
  readonly id: string;
  /** The node's phase by name (`QUEUED`, `RUNNING`, `SUCCEEDED`…). */
  readonly phase: string;
  /** How long it ran, in milliseconds, once known. */
  readonly durationMs: number | undefined;
  /** `CACHE_HIT`, `CACHE_MISS`… for task nodes with caching; undefined otherwise. */
  readonly cache: string | undefined;
  /** The error message of a failed node. */
  readonly error: string | undefined;
}

/** What `wait({ onProgress })` reports whenever the execution or one of its nodes changes phase. */
export interface ExecutionProgress {
  /** The execution's phase by name. */
  readonly phase: string;
  /** The top-level nodes, start and end nodes left out, in start order. */
  readonly nodes: readonly NodeProgress[];
}

/** Options of {@link FlyteExecution.wait}. */
export interface WaitOptions {
  /** Give up after this many milliseconds with a timeout error (the execution keeps running). */
  readonly timeout?: number;
  /** Stop waiting when aborted (the execution keeps running). */
  readonly signal?: AbortSignal;
  /** Called with the phases of the execution and its nodes whenever one changes. */
  readonly onProgress?: (progress: ExecutionProgress) => void;
  /** The first polling interval in milliseconds (default 250); it grows to 2 s. */
  readonly pollInterval?: number;
}

/** An execution ended in FAILED, ABORTED or TIMED_OUT where outputs were expected. */
export class FlyteExecutionFailedError extends FlyteUserError {
  /** The execution, `project/domain/name`. */
  readonly execution: string;
  /** The final phase by name. */
  readonly phase: string;
  /** `USER` or `SYSTEM` for failures; undefined for aborts and timeouts. */
  readonly kind: string | undefined;
  /** The error code propeller recorded (e.g. `USER:ValueError`). */
  readonly errorCode: string | undefined;

  constructor(execution: string, phase: string, detail: string, kind?: string, errorCode?: string) {
    super(`execution ${execution} ended ${phase}: ${detail}`);
    this.name = "FlyteExecutionFailedError";
    this.execution = execution;
    this.phase = phase;
    this.kind = kind;
    this.errorCode = errorCode;
  }
}

/**
 * A handle on an execution. `O` is the launched entity's output spec, so `outputs()` is typed like a local call.
 *
 * @example
 * const ex = await remote.execute(wf, { a: 1 });
 * await ex.wait({ onProgress: (p) => console.log(p.phase) });
 * const out = await ex.outputs(); // typed by wf's outputs
 */
export class FlyteExecution<O extends OutputSpec = OutputSpec> {
  /** The execution's id. */
  readonly id: WorkflowExecutionIdentifier;
  /** The last state fetched from admin. */
  execution: Execution;
  /** Whether `execute` attached to an execution of that name that already existed. */
  readonly attached: boolean;
  private readonly clients: AdminClients;
  private readonly iface: Interface;
  private readonly owner: string;
  private readonly consoleBase: string | undefined;

  /** Built by `FlyteRemote`; use `remote.execute` or `remote.fetchExecution`. */
  constructor(
    clients: AdminClients,
    execution: Execution,
    iface: Interface,
    owner: string,
    opts: { attached?: boolean; consoleBase?: string } = {},
  ) {
    this.clients = clients;
    this.execution = execution;
    this.id = execution.id!;
    this.iface = iface;
    this.owner = owner;
    this.attached = opts.attached ?? false;
    this.consoleBase = opts.consoleBase;
  }

  /** `project/domain/name`. */
  get name(): string {
    return executionString(this.id);
  }

  /** The phase of the last fetched state. */
  get phase(): WorkflowExecution_Phase {
    return this.execution.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
  }

  /** The phase by name (`RUNNING`, `SUCCEEDED`…). */
  get phaseName(): string {
    return enumName(WorkflowExecution_Phase, this.phase);
  }

  /** Whether the last fetched state is final. */
  get isDone(): boolean {
    return isTerminal(this.phase);
  }

  /** The entity's interface the outputs are read with. */
  get interface(): Interface {
    return this.iface;
  }

  /** The execution's page in the Flyte console, when the console's address is known. */
  get consoleUrl(): string | undefined {
    if (!this.consoleBase) return undefined;
    const i = this.id;
    return `${this.consoleBase.replace(/\/+$/, "")}/console/projects/${encodeURIComponent(i.project)}/domains/${encodeURIComponent(i.domain)}/executions/${encodeURIComponent(i.name)}`;
  }

  /** Fetches the current state from admin. */
  async sync(): Promise<this> {
    this.execution = await adminCall("getting execution", this.name, () =>
      this.clients.admin.getExecution({ id: this.id }),
    );
    return this;
  }

  /**
   * Polls until the execution is final (SUCCEEDED, FAILED, ABORTED, TIMED_OUT) and returns the handle. Never throws
   * for a failed execution (read `phase`, or call `outputs()`); throws when the timeout passes or the signal aborts.
   */
  async wait(opts: WaitOptions = {}): Promise<this> {
    const started = Date.now();
    let interval = opts.pollInterval ?? 250;
    let last = "";
    for (;;) {
      opts.signal?.throwIfAborted();
      await this.sync();
      if (opts.onProgress) {
        const progress = await this.progress();
        const key = JSON.stringify([progress.phase, progress.nodes.map((n) => [n.id, n.phase, n.cache])]);
        if (key !== last) {
          last = key;
          opts.onProgress(progress);
        }
      }
      if (this.isDone) return this;
      if (opts.timeout !== undefined && Date.now() - started >= opts.timeout) {
        throw new FlyteUserError(
          `execution ${this.name} is still ${this.phaseName} after ${opts.timeout} ms; it keeps running (wait again, or terminate it)`,
        );
      }
      const remaining =
        opts.timeout === undefined ? interval : Math.min(interval, opts.timeout - (Date.now() - started));
      await sleep(Math.max(remaining, 0), undefined, opts.signal ? { signal: opts.signal } : {});
      interval = Math.min(interval * 1.5, 2000);
    }
  }

  /** The phases of the execution and its top-level nodes. */
  async progress(): Promise<ExecutionProgress> {
    const nodes = (await this.nodeExecutions())
      .filter((n) => n.id!.nodeId !== "start-node" && n.id!.nodeId !== "end-node")
      .map(nodeProgress);
    return { phase: this.phaseName, nodes };
  }

  /** The top-level node executions (all pages), or the children of `parent` (a subworkflow or dynamic node). */
  async nodeExecutions(parent?: NodeExecution): Promise<NodeExecution[]> {
    const out: NodeExecution[] = [];
    let token = "";
    do {
      const page = await adminCall("listing the nodes of execution", this.name, () =>
        this.clients.admin.listNodeExecutions({
          workflowExecutionId: this.id,
          limit: 200,
          token,
          uniqueParentId: parent?.id?.nodeId ?? "",
        }),
      );
      out.push(...page.nodeExecutions);
      token = page.token;
    } while (token);
    return out.sort((a, b) => time(a) - time(b));
  }

  /** The task executions (one per attempt) of a task node. */
  async taskExecutions(node: NodeExecution): Promise<TaskExecution[]> {
    const out: TaskExecution[] = [];
    let token = "";
    do {
      const page = await adminCall("listing the task executions of node", `${node.id?.nodeId} of ${this.name}`, () =>
        this.clients.admin.listTaskExecutions({ nodeExecutionId: node.id, limit: 100, token }),
      );
      out.push(...page.taskExecutions);
      token = page.token;
    } while (token);
    return out;
  }

  /**
   * The outputs, typed by the launched entity's interface: inline ones from `GetExecutionData`, offloaded ones
   * downloaded through a signed URL. Waits for nothing: an execution that is not SUCCEEDED is an error naming its
   * phase and, for failures, the error kind and message.
   */
  async outputs(): Promise<NativeOutputs<O>> {
    if (!this.isDone) await this.sync();
    this.checkSucceeded();
    const data = await adminCall("getting the outputs of execution", this.name, () =>
      this.clients.admin.getExecutionData({ id: this.id }),
    );
    let lm = data.fullOutputs;
    const offloaded = data.outputs?.url;
    if ((!lm || Object.keys(lm.literals).length === 0) && offloaded) {
      lm = await readLiteralMap(this.dataOptions(), offloaded);
    }
    if (!lm) {
      const closure = this.execution.closure?.outputResult;
      lm = closure?.case === "outputData" ? closure.value : undefined;
    }
    if (!lm) {
      if (this.iface.outputs.length === 0) return undefined as NativeOutputs<O>;
      throw new FlyteUserError(`execution ${this.name} succeeded but admin returned no outputs`);
    }
    return (await remoteLiteralsToOutputs(this.dataOptions(), this.iface, lm, this.owner)) as NativeOutputs<O>;
  }

  /** Fails unless the last state is SUCCEEDED, with the phase and the error's kind and message. */
  checkSucceeded(): void {
    if (this.phase === WorkflowExecution_Phase.SUCCEEDED) return;
    const r = this.execution.closure?.outputResult;
    if (r?.case === "error") {
      const kind = enumName(ExecutionError_ErrorKind, r.value.kind);
      throw new FlyteExecutionFailedError(
        this.name,
        this.phaseName,
        `${kind} error${r.value.code ? ` ${r.value.code}` : ""}: ${r.value.message}`,
        kind,
        r.value.code,
      );
    }
    if (r?.case === "abortMetadata") {
      throw new FlyteExecutionFailedError(this.name, this.phaseName, `aborted: ${r.value.cause}`);
    }
    if (!this.isDone) {
      throw new FlyteExecutionFailedError(
        this.name,
        this.phaseName,
        "it has not finished; wait() for it before reading outputs",
      );
    }
    throw new FlyteExecutionFailedError(this.name, this.phaseName, "no outputs");
  }

  /** Asks admin to abort the execution. Terminating a finished execution is an error from admin. */
  async terminate(cause = "terminated from flytekit-ts"): Promise<void> {
    await adminCall(
      "terminating execution",
      this.name,
      () => this.clients.admin.terminateExecution({ id: this.id, cause }),
      "only running executions can be terminated",
    );
  }

  private dataOptions() {
    return { dataProxy: this.clients.dataProxy, project: this.id.project, domain: this.id.domain };
  }
}

function time(n: NodeExecution): number {
  const t = n.closure?.startedAt ?? n.closure?.createdAt;
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : Number.MAX_SAFE_INTEGER;
}

/** The progress view of a node execution. */
export function nodeProgress(n: NodeExecution): NodeProgress {
  const c = n.closure;
  const d = c?.duration;
  const meta = c?.targetMetadata;
  const cache =
    meta?.case === "taskNodeMetadata" && meta.value.cacheStatus !== CatalogCacheStatus.CACHE_DISABLED
      ? enumName(CatalogCacheStatus, meta.value.cacheStatus)
      : undefined;
  return {
    id: n.id?.nodeId ?? "",
    phase: enumName(NodeExecution_Phase, c?.phase ?? NodeExecution_Phase.UNDEFINED),
    durationMs: d && (d.seconds || d.nanos) ? Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6) : undefined,
    cache,
    error: c?.outputResult.case === "error" ? c.outputResult.value.message : undefined,
  };
}

/** The phase name of a task execution attempt. */
export function taskPhaseName(t: TaskExecution): string {
  return enumName(TaskExecution_Phase, t.closure?.phase ?? TaskExecution_Phase.UNDEFINED);
}
