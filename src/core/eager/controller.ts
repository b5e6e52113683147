/**
 * Eager controllers: where the calls an eager task's body makes go. Locally each call runs in-process, with a bound
 * on how many run at once; on a cluster a backend turns each call into an execution of its own and polls it. The
 * eager task only talks to the interfaces below, so a cluster backend plugs in with `setClusterEagerBackend`.
 */
import { FlyteUserError, FlyteValidationError } from "../../errors.js";
import { Semaphore } from "../concurrency.js";
import {
  type ContextState,
  type Controller,
  currentState,
  type ExecutionParameters,
  runInContext,
} from "../context.js";
import type { Entity } from "../entity.js";
import { withFailurePolicy } from "../executor.js";

/** The state of one call made by an eager body. */
export type EagerCallStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** One call made by an eager body, as a controller tracks it. */
export interface EagerCall {
  /** The called entity's name. */
  readonly entityName: string;
  /** The call's index among the calls of the same entity (the order of the calls in the body). */
  readonly index: number;
  status: EagerCallStatus;
  /** Epoch milliseconds. */
  startedAt?: number;
  /** Epoch milliseconds. */
  endedAt?: number;
  /** The error's message, for failed calls. */
  error?: string;
  /** The execution that runs the call, for backends that launch executions. */
  executionName?: string;
  /** The execution's page in the console, when known. */
  url?: string;
  /** A short text of the call's inputs. */
  inputsSummary?: string;
}

/**
 * Receives the calls of one eager execution. `submit` resolves with the call's native outputs, or rejects with an
 * {@link EagerCallError} whose `cause` is the child's error.
 */
export interface EagerController extends Controller {
  submit(entity: Entity, inputs: Record<string, unknown>): Promise<unknown>;
  /** The calls made so far, in submission order (for the "Eager Executions" deck). */
  calls(): readonly EagerCall[];
  /**
   * Called once when the body has settled. Further calls are refused. With an error, calls still running are
   * cancelled: in-process ones see their abort signal fire; a cluster backend terminates their executions.
   */
  close(outcome: { readonly error?: unknown }): Promise<void>;
}

/** What a backend knows about the eager execution it makes a controller for. */
export interface EagerRun {
  /** The eager task's name. */
  readonly taskName: string;
  /** The eager task's execution parameters (execution id, logger, secrets...). */
  readonly params: ExecutionParameters;
  /** Fires when the eager execution is cancelled or fails; children should stop. */
  readonly signal: AbortSignal;
}

/** Makes the controller of each eager execution. */
export interface EagerBackend {
  /**
   * The context mode the body runs in: `eager-local` for in-process children, `eager` when each call becomes a
   * remote execution.
   */
  readonly mode: "eager-local" | "eager";
  create(run: EagerRun): EagerController;
  /**
   * Terminates the children a failed eager execution left running (the work of the `efn` failure node on a
   * cluster); backends without remote children leave it out.
   */
  cleanup?(run: EagerRun): Promise<void>;
}

/** Raised to an eager body when one of its calls failed; `cause` is the child's error. */
export class EagerCallError extends FlyteUserError {
  /** The failed entity's name. */
  readonly entityName: string;
  /** The call's index among calls of the same entity. */
  readonly index: number;
  constructor(entityName: string, index: number, cause: unknown) {
    super(
      `Error executing ${entityName} (call ${index}) with error: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.entityName = entityName;
    this.index = index;
  }
}

/** A short text of a call's inputs for the "Eager Executions" deck: `name=value` pairs, long values cut. */
export function summarizeInputs(inputs: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(inputs)) {
    let text: string;
    try {
      text =
        typeof v === "string"
          ? JSON.stringify(v)
          : (JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x)) ?? String(v));
    } catch {
      text = Object.prototype.toString.call(v);
    }
    parts.push(`${k}=${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
  }
  const s = parts.join(", ");
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/** The default bound on concurrent local eager calls: `FLYTE_EAGER_CONCURRENCY`, else 32. */
export function eagerConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLYTE_EAGER_CONCURRENCY;
  if (raw === undefined || raw === "") return 32;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new FlyteValidationError(`FLYTE_EAGER_CONCURRENCY must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * The calls an eager body made, each numbered among the calls of its entity; closed once the body has finished,
 * after which a call is an error (it was not awaited). Every controller keeps its calls here.
 */
export class EagerCallLog {
  private readonly tracked: EagerCall[] = [];
  private readonly counts = new Map<string, number>();
  private closed = false;

  /** Records a call of `entity`, queued; or, after {@link close}, the error to reject the call with. */
  open(entity: Entity, inputs: Record<string, unknown>): EagerCall | FlyteValidationError {
    const entityName = entity.name;
    if (this.closed) {
      return new FlyteValidationError(
        `${entityName} was called after its eager task finished; await every call in the body`,
      );
    }
    const index = this.counts.get(entityName) ?? 0;
    this.counts.set(entityName, index + 1);
    const call: EagerCall = { entityName, index, status: "queued", inputsSummary: summarizeInputs(inputs) };
    this.tracked.push(call);
    return call;
  }

  /** Every call so far, in the order they were made. */
  get calls(): readonly EagerCall[] {
    return this.tracked;
  }

  /** The body has finished: later calls are errors. */
  close(): void {
    this.closed = true;
  }
}

/**
 * Runs an eager body's calls in-process, at most `concurrency` at a time. Each call runs in a context without the
 * controller (in local mode), so the child's own calls run normally; a nested eager task gets a controller of its own.
 */
export class LocalEagerController implements EagerController {
  private readonly semaphore: Semaphore;
  private readonly abort = new AbortController();
  private readonly log = new EagerCallLog();
  private readonly unlink: () => void;

  constructor(opts: { concurrency?: number; signal?: AbortSignal } = {}) {
    this.semaphore = new Semaphore(opts.concurrency ?? eagerConcurrency());
    const outer = opts.signal;
    const onAbort = () => this.abort.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });
    this.unlink = () => outer?.removeEventListener("abort", onAbort);
  }

  submit(entity: Entity, inputs: Record<string, unknown>): Promise<unknown> {
    const call = this.log.open(entity, inputs);
    if (call instanceof Error) return Promise.reject(call);
    const { entityName, index } = call;
    const state = currentState();
    const signal = this.abort.signal;
    const child: ContextState = {
      ...state,
      mode: "local",
      controller: undefined,
      compilation: undefined,
      params: { ...state.params, signal },
    };
    return this.semaphore.run(async () => {
      if (signal.aborted) {
        call.status = "cancelled";
        throw new EagerCallError(entityName, index, signal.reason ?? new Error("the eager task was cancelled"));
      }
      call.status = "running";
      call.startedAt = Date.now();
      try {
        // Each call is an execution of its own on a cluster: a workflow it runs follows its own failure policy.
        const out = await runInContext(child, () => withFailurePolicy(undefined, () => entity.localCall(inputs)));
        call.status = "succeeded";
        return out;
      } catch (e) {
        call.status = "failed";
        call.error = e instanceof Error ? e.message : String(e);
        throw new EagerCallError(entityName, index, e);
      } finally {
        call.endedAt = Date.now();
      }
    });
  }

  calls(): readonly EagerCall[] {
    return this.log.calls;
  }

  async close(outcome: { readonly error?: unknown } = {}): Promise<void> {
    this.log.close();
    this.unlink();
    if (outcome.error !== undefined && !this.abort.signal.aborted) this.abort.abort(outcome.error);
  }
}

/** The in-process backend, used whenever an eager task runs locally. */
export const localEagerBackend: EagerBackend = {
  mode: "eager-local",
  create(run) {
    return new LocalEagerController({ signal: run.signal });
  },
};

let clusterBackend: EagerBackend | undefined;

/** Installs the backend eager tasks use inside a container (each call becomes a remote execution). */
export function setClusterEagerBackend(backend: EagerBackend | undefined): void {
  clusterBackend = backend;
}

/** The backend for an eager task running in context mode `mode`. */
export function eagerBackendFor(mode: string, taskName: string): EagerBackend {
  if (mode !== "task") return localEagerBackend;
  if (!clusterBackend) {
    throw new FlyteValidationError(
      `${taskName}: running an eager task in a container needs a cluster eager backend (setClusterEagerBackend), and none is installed`,
    );
  }
  return clusterBackend;
}
