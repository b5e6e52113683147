/**
 * The cluster eager backend: each call an eager body awaits becomes an execution of its own, launched at the
 * parent's project, domain and version with flytekit's labels (`eager-exec`, `eager-root-exec`) and root variable
 * (`_F_EE_ROOT`), under a name derived from the parent execution, the entity, the call index and the input literals,
 * so a retried parent attaches to the children it launched before. Launches pass a token bucket; the children's
 * states are polled in batches, backing off while admin is unreachable. The failure handler's cleanup lists the
 * children (by tag and by label) and terminates them until none is left.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { toBinary } from "@bufbuild/protobuf";
import { Semaphore } from "../core/concurrency.js";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type EagerBackend,
  type EagerCall,
  EagerCallError,
  EagerCallLog,
  type EagerController,
  type EagerRun,
} from "../core/eager/controller.js";
import type { Entity } from "../core/entity.js";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { Sort_Direction } from "../idl/gen/flyteidl/admin/common_pb.js";
import type { Execution } from "../idl/gen/flyteidl/admin/execution_pb.js";
import { type LiteralMap, LiteralSchema } from "../idl/gen/flyteidl/core/literals_pb.js";
import { FlyteAdminError } from "./errors-admin.js";
import { FlyteAdminUnavailableError } from "./errors.js";
import { type FlyteExecution, isTerminal } from "./execution.js";
import { FlyteExecutionNameTakenError, type FlyteRemote } from "./remote.js";

/** The label and execution tag naming the parent eager execution of a child. */
export const EAGER_EXEC_LABEL = "eager-exec";
/** The label naming the root eager execution of a tree of eager executions. */
export const EAGER_ROOT_LABEL = "eager-root-exec";
/** The variable children get with the root eager execution's name. */
export const EAGER_ROOT_ENV = "_F_EE_ROOT";
/** Seconds the failure handler waits between cleanup rounds, as flytekit's `CLEANUP_LOOP_DELAY_SECONDS`. */
export const CLEANUP_LOOP_DELAY_SECONDS = 1;

/** Lowercase letters, digits and dashes, starting with a letter and not ending with a dash, as admin takes names. */
function dnsify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** A SHA-256 of input literals, independent of the order of their names. */
export function inputsDigest(inputs: LiteralMap): string {
  const h = createHash("sha256");
  for (const k of Object.keys(inputs.literals).sort()) {
    const bytes = toBinary(LiteralSchema, inputs.literals[k]!);
    h.update(`${k.length}:${k}:${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest("hex");
}

/**
 * The name of an eager child execution: `e-<parent task>-<parent execution>-<entity>-<hash>`, at most 43
 * characters, where the hash covers the parent execution's full name, the entity's kind and name, the call index
 * and the input literals. The same call of a retried parent gets the same name.
 *
 * @example
 * eagerChildName({ parentTask: "app.agent", parentExecution: "abc123", entityKind: "task", entityName: "app.add", index: 0, inputs })
 * // "e-agent-abc12-add-<16 hex>"
 */
export function eagerChildName(call: {
  readonly parentTask: string;
  readonly parentExecution: string;
  readonly entityKind: string;
  readonly entityName: string;
  readonly index: number;
  readonly inputs: LiteralMap;
}): string {
  const h = createHash("sha256")
    .update(
      JSON.stringify([call.parentExecution, call.entityKind, call.entityName, call.index, inputsDigest(call.inputs)]),
    )
    .digest("hex")
    .slice(0, 16);
  const parts = [
    "e",
    dnsify(shortName(call.parentTask).slice(0, 8)),
    dnsify(call.parentExecution.slice(0, 5)),
    dnsify(shortName(call.entityName).slice(0, 8)),
    h,
  ].filter((p) => p !== "");
  return parts.join("-");
}

/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. `take` waits for a token.
 *
 * @example
 * const bucket = new TokenBucket(200, 200);
 * await bucket.take();
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Tokens a second. */
  readonly rate: number;
  /** The most tokens saved up. */
  readonly burst: number;
  private readonly now: () => number;

  constructor(rate: number, burst: number = rate, now: () => number = () => performance.now()) {
    this.rate = rate;
    this.burst = burst;
    this.now = now;
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new FlyteValidationError(`TokenBucket: rate must be a positive number, got ${rate}`);
    if (!(burst >= 1) || !Number.isFinite(burst))
      throw new FlyteValidationError(`TokenBucket: burst must be at least 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Milliseconds until a token is free (0 when one is), after refilling. */
  wait(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000;
  }

  /** Takes a token, waiting in line (first come, first served) until one is free. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        signal?.throwIfAborted();
        const ms = this.wait();
        if (ms === 0) {
          this.tokens -= 1;
          return;
        }
        await sleep(ms, undefined, signal ? { signal } : {});
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/**
 * The delay before the next status poll: from `min`, times 1.5 per quiet round up to `max`; back to `min` when
 * something changed; after failed polls (admin unreachable or restarting) doubling from `min` up to `maxOnError`.
 */
export class PollBackoff {
  private delay: number;
  private failures = 0;
  /** When the current run of failures began (epoch ms), or undefined. */
  failingSince: number | undefined;
  /** The shortest delay (ms). */
  readonly min: number;
  /** The longest delay while admin answers (ms). */
  readonly max: number;
  /** The longest delay while admin fails (ms). */
  readonly maxOnError: number;

  constructor(min = 250, max = 2000, maxOnError = 30_000) {
    this.min = min;
    this.max = max;
    this.maxOnError = maxOnError;
    this.delay = min;
  }

  /** After a successful poll. */
  ok(changed: boolean): number {
    this.failures = 0;
    this.failingSince = undefined;
    this.delay = changed ? this.min : Math.min(this.delay * 1.5, this.max);
    return this.delay;
  }

  /** After a failed poll. */
  failed(now = Date.now()): number {
    this.failingSince ??= now;
    this.failures += 1;
    return Math.min(this.min * 2 ** this.failures, this.maxOnError);
  }
}

/** Settings of the cluster eager backend. */
export interface RemoteEagerOptions {
  /** The remote the children are launched through, or how to connect to it (once, on first use). */
  readonly remote: FlyteRemote | (() => Promise<FlyteRemote>);
  /** Launches per second (`FLYTE_EAGER_LAUNCH_RATE`, default 500). */
  readonly launchRate?: number;
  /** Launches that may go at once before the rate applies (default the rate). */
  readonly launchBurst?: number;
  /**
   * Launch requests in flight at once (default 32): a busy admin answers slower, and a thousand creates waiting on it
   * at once only time out (admin may then hold a name for an execution it never records).
   */
  readonly maxLaunchesInFlight?: number;
  /** How long a launch answered ALREADY_EXISTS waits for the child to read back before taking the next name (ms). */
  readonly attachTimeoutMs?: number;
  /** Children polled at once in one round (default 64). */
  readonly pollBatch?: number;
  /** Status polling delays in ms. */
  readonly poll?: { readonly min?: number; readonly max?: number; readonly maxOnError?: number };
  /** How long admin may stay unreachable before the calls waiting on it fail (ms, default 15 minutes). */
  readonly unreachableTimeout?: number;
  /** Seconds between cleanup rounds (default {@link CLEANUP_LOOP_DELAY_SECONDS}). */
  readonly cleanupDelaySeconds?: number;
  /** Where `_F_EE_ROOT` is read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Called before each launch with the entity about to be launched (after the launch token is taken); a run whose
   * children are not all registered yet registers them here. A rejection fails that call.
   */
  readonly prepare?: (entity: Entity) => Promise<void>;
}

/** `FLYTE_EAGER_LAUNCH_RATE`, else 500 launches a second. */
export function eagerLaunchRate(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLYTE_EAGER_LAUNCH_RATE;
  if (raw === undefined || raw === "") return 500;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new FlyteValidationError(
      `FLYTE_EAGER_LAUNCH_RATE must be a positive number of launches a second, got ${JSON.stringify(raw)}`,
    );
  return n;
}

/** Whether an admin call failed for a reason that passes (admin restarting, overloaded or unreachable). */
export function isTransientAdminError(e: unknown): boolean {
  if (e instanceof FlyteAdminUnavailableError) return true;
  return (
    e instanceof FlyteAdminError &&
    ["UNAVAILABLE", "INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED"].includes(e.grpcCode)
  );
}

interface Child {
  readonly call: EagerCall;
  readonly entity: Entity;
  execution?: FlyteExecution;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/**
 * The controller of one eager execution on a cluster: launches each call as an execution and polls them all in
 * batches. Closing with an error, or the run's signal firing, terminates every child still running.
 */
export class RemoteEagerController implements EagerController {
  private readonly log = new EagerCallLog();
  private readonly active = new Set<Child>();
  private readonly launched = new Set<Child>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly bucket: TokenBucket;
  private readonly inFlight: Semaphore;
  private readonly backoff: PollBackoff;
  private readonly tag: string;
  private readonly rootTag: string;
  private cancelled: unknown = undefined;
  private polling: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private remoteP: Promise<FlyteRemote> | undefined;
  private terminating: Promise<void> | undefined;
  private readonly unlink: () => void;
  private readonly run: EagerRun;
  private readonly opts: RemoteEagerOptions;

  constructor(run: EagerRun, opts: RemoteEagerOptions) {
    this.run = run;
    this.opts = opts;
    const env = opts.env ?? process.env;
    const rate = opts.launchRate ?? eagerLaunchRate(env);
    this.bucket = new TokenBucket(rate, opts.launchBurst ?? Math.max(1, rate));
    this.inFlight = new Semaphore(opts.maxLaunchesInFlight ?? 32);
    this.backoff = new PollBackoff(opts.poll?.min, opts.poll?.max, opts.poll?.maxOnError);
    this.tag = run.params.executionId.name;
    if (!this.tag)
      throw new FlyteValidationError(
        `${run.taskName}: an eager task on a cluster needs its execution name (FLYTE_INTERNAL_EXECUTION_ID), and it is empty`,
      );
    this.rootTag = env[EAGER_ROOT_ENV] || this.tag;
    const onAbort = () => this.cancel(run.signal.reason ?? new Error("the eager execution was cancelled"));
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener("abort", onAbort, { once: true });
    this.unlink = () => run.signal.removeEventListener("abort", onAbort);
  }

  private remote(): Promise<FlyteRemote> {
    const r = this.opts.remote;
    this.remoteP ??= typeof r === "function" ? r() : Promise.resolve(r);
    return this.remoteP;
  }

  submit(entity: Entity, inputs: Record<string, unknown>): Promise<unknown> {
    const call = this.log.open(entity, inputs);
    if (call instanceof Error) return Promise.reject(call);
    return new Promise((resolve, reject) => {
      const child: Child = { call, entity, resolve, reject };
      const p = this.launch(child, inputs).catch((e) => this.fail(child, e));
      this.track(p);
    });
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async launch(child: Child, inputs: Record<string, unknown>): Promise<void> {
    const { call, entity } = child;
    const entityName = entity.name;
    if (this.cancelled !== undefined) throw this.cancelled;
    await this.bucket.take(this.run.signal);
    if (this.cancelled !== undefined) throw this.cancelled;
    const remote = await this.remote();
    if (this.opts.prepare) {
      await this.opts.prepare(entity);
      if (this.cancelled !== undefined) throw this.cancelled;
    }
    const version = this.run.params.taskId.version;
    // A name admin holds without an execution (a create that failed half-way) is replaced by the next of a fixed
    // series, so a retried parent walks the same names and attaches to what it launched.
    const launchOnce = (attempt: number) =>
      remote.execute(entity, inputs as never, {
        project: this.run.params.executionId.project || undefined,
        domain: this.run.params.executionId.domain || undefined,
        ...(version ? { version } : {}),
        labels: { [EAGER_EXEC_LABEL]: this.tag, [EAGER_ROOT_LABEL]: this.rootTag },
        envs: { [EAGER_ROOT_ENV]: this.rootTag },
        ...(this.opts.attachTimeoutMs === undefined ? {} : { attachTimeoutMs: this.opts.attachTimeoutMs }),
        nameFromInputs: (literals) => {
          const base = eagerChildName({
            parentTask: this.run.taskName,
            parentExecution: this.tag,
            entityKind: entity.kind,
            entityName,
            index: call.index,
            inputs: literals,
          });
          return attempt === 0 ? base : `${base}-${attempt}`;
        },
      });
    const ex = await this.inFlight.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.retrying(() => launchOnce(attempt));
        } catch (e) {
          if (!(e instanceof FlyteExecutionNameTakenError) || attempt >= 3) throw e;
          this.run.params.logger.warn(
            `${e.executionName} is held by admin without an execution; launching under the next name`,
          );
        }
      }
    });
    child.execution = ex;
    call.executionName = ex.id.name;
    if (ex.consoleUrl) call.url = ex.consoleUrl;
    call.status = "running";
    call.startedAt = Date.now();
    this.launched.add(child);
    if (this.cancelled !== undefined) {
      this.active.add(child);
      await this.terminateAll();
      throw this.cancelled;
    }
    this.active.add(child);
    this.ensurePolling();
  }

  /**
   * Runs an admin call again while it fails transiently, backing off, for up to the unreachable timeout. Safe for
   * launches: a child's name is fixed, so a launch that reached admin before the failure is attached to.
   */
  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    const giveUp = this.opts.unreachableTimeout ?? 15 * 60_000;
    const backoff = new PollBackoff(this.backoff.min, this.backoff.max, this.backoff.maxOnError);
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!isTransientAdminError(e) || this.cancelled !== undefined) throw e;
        const delay = backoff.failed();
        if (Date.now() - (backoff.failingSince ?? Date.now()) + delay > giveUp) throw e;
        await sleep(delay, undefined, { signal: this.run.signal });
      }
    }
  }

  private fail(child: Child, e: unknown): void {
    this.active.delete(child);
    const call = child.call;
    if (call.status === "succeeded" || call.status === "failed" || call.status === "cancelled") return;
    call.status = this.cancelled !== undefined ? "cancelled" : "failed";
    call.endedAt = Date.now();
    call.error = e instanceof Error ? e.message : String(e);
    child.reject(new EagerCallError(call.entityName, call.index, e));
  }

  private ensurePolling(): void {
    if (this.polling) {
      this.wake?.();
      return;
    }
    this.polling = this.pollLoop().finally(() => {
      this.polling = undefined;
      if (this.active.size > 0 && this.cancelled === undefined) this.ensurePolling();
    });
  }

  private async pollLoop(): Promise<void> {
    const batch = this.opts.pollBatch ?? 64;
    const giveUp = this.opts.unreachableTimeout ?? 15 * 60_000;
    let delay = this.backoff.min;
    while (this.active.size > 0 && this.cancelled === undefined) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = undefined;
      if (this.cancelled !== undefined) return;
      const children = [...this.active];
      let changed = false;
      let error: unknown;
      for (let i = 0; i < children.length; i += batch) {
        const results = await Promise.allSettled(children.slice(i, i + batch).map((c) => c.execution!.sync()));
        for (const [j, r] of results.entries()) {
          const c = children[i + j]!;
          if (r.status === "rejected") {
            if (r.reason instanceof FlyteAdminError && r.reason.grpcCode === "NOT_FOUND") this.fail(c, r.reason);
            else error = r.reason;
            continue;
          }
          if (isTerminal(c.execution!.phase)) {
            changed = true;
            this.active.delete(c);
            this.track(this.settle(c));
          }
        }
      }
      if (error === undefined) delay = this.backoff.ok(changed);
      else {
        delay = this.backoff.failed();
        if (Date.now() - (this.backoff.failingSince ?? Date.now()) > giveUp) {
          for (const c of [...this.active]) this.fail(c, error);
        }
      }
    }
  }

  private async settle(child: Child): Promise<void> {
    const ex = child.execution!;
    const call = child.call;
    try {
      // Fails for any final phase but SUCCEEDED, with the child's error kind and message.
      const out = await ex.outputs();
      call.status = "succeeded";
      call.endedAt = Date.now();
      child.resolve(out);
    } catch (e) {
      this.fail(child, e);
    }
  }

  private cancel(reason: unknown): void {
    if (this.cancelled !== undefined) return;
    this.cancelled = reason;
    this.wake?.();
    this.track(this.terminateAll());
  }

  private terminateAll(): Promise<void> {
    const run = async () => {
      const children = [...this.active];
      this.active.clear();
      await Promise.allSettled(
        children.map(async (c) => {
          try {
            if (c.execution && !isTerminal(c.execution.phase))
              await c.execution.terminate(`eager execution ${this.tag} cancelled`);
          } catch (e) {
            // A child that finished meanwhile cannot be terminated: that is fine.
            if (!(e instanceof FlyteAdminError && e.grpcCode === "FAILED_PRECONDITION")) {
              this.run.params.logger.warn(`could not terminate ${c.call.executionName}: ${String(e)}`);
            }
          }
          this.fail(c, this.cancelled);
        }),
      );
    };
    const next = (this.terminating ?? Promise.resolve()).then(run);
    this.terminating = next;
    return next;
  }

  calls(): readonly EagerCall[] {
    return this.log.calls;
  }

  async close(outcome: { readonly error?: unknown } = {}): Promise<void> {
    this.log.close();
    this.unlink();
    if (outcome.error !== undefined) this.cancel(outcome.error);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.cancelled !== undefined) await this.terminateAll();
  }
}

/** The phases of a child the cleanup still has to terminate, as flytekit's failure handler lists them. */
const NOT_FINAL = "value_in(phase,UNDEFINED;QUEUED;RUNNING)";

/**
 * The children of `parent` that are not final, as admin lists them. Two queries, merged: flytekit's, by execution
 * tag (admin writes a launch plan or workflow execution's labels as its tags, so this finds those children, ours
 * and flytekit's); and the executions created since the parent was, read by their `eager-exec` label, because admin
 * writes no tags for single-task executions (`launchSingleTaskExecution` keeps none) and most children are tasks.
 */
async function childrenNotFinal(
  remote: FlyteRemote,
  parent: { readonly project: string; readonly domain: string; readonly name: string },
  since: Date | undefined,
): Promise<Execution[]> {
  const admin = remote.clients.admin;
  const id = { project: parent.project, domain: parent.domain };
  const sortBy = { key: "created_at", direction: Sort_Direction.DESCENDING };
  const found = new Map<string, Execution>();
  const tagged = await admin.listExecutions({
    id,
    limit: 100,
    filters: `${NOT_FINAL}+value_in(execution_tag.key,${EAGER_EXEC_LABEL})+value_in(execution_tag.value,${parent.name})`,
    sortBy,
  });
  for (const e of tagged.executions) found.set(e.id!.name, e);
  const recent = since ? `+gte(execution_created_at,${since.toISOString().replace(/\.\d{3}Z$/, "Z")})` : "";
  let token = "";
  do {
    const page = await admin.listExecutions({ id, limit: 200, token, filters: `${NOT_FINAL}${recent}`, sortBy });
    for (const e of page.executions) {
      if (e.spec?.labels?.values[EAGER_EXEC_LABEL] === parent.name) found.set(e.id!.name, e);
    }
    token = page.token;
  } while (token !== "");
  return [...found.values()];
}

/** When admin created `parent`; `undefined` when admin does not know it (the scan then covers every execution). */
async function createdAt(
  remote: FlyteRemote,
  parent: { readonly project: string; readonly domain: string; readonly name: string },
): Promise<Date | undefined> {
  try {
    const ex = await remote.clients.admin.getExecution({ id: parent });
    const at = ex.closure?.createdAt;
    // One second of slack: admin's clock and the timestamps' truncation to seconds in the filter.
    return at ? new Date(Number(at.seconds) * 1000 - 1000) : undefined;
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
    throw e;
  }
}

/**
 * Terminates the children of a failed eager execution, as flytekit's failure handler: lists the children of
 * `parent` that are not final (by tag and by label, see {@link childrenNotFinal}), terminates them, waits
 * `delaySeconds` and repeats until none is left. Returns how many it terminated.
 */
export async function cleanupEagerChildren(
  remote: FlyteRemote,
  parent: { readonly project: string; readonly domain: string; readonly name: string },
  opts: { readonly delaySeconds?: number; readonly signal?: AbortSignal; readonly log?: (msg: string) => void } = {},
): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(parent.name))
    throw new FlyteValidationError(`cleanup: ${JSON.stringify(parent.name)} is not an execution name`);
  const delay = (opts.delaySeconds ?? CLEANUP_LOOP_DELAY_SECONDS) * 1000;
  const since = await createdAt(remote, parent);
  let total = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = await childrenNotFinal(remote, parent, since);
    if (left.length === 0) return total;
    await Promise.all(
      left.map(async (e) => {
        try {
          await remote.clients.admin.terminateExecution({
            id: e.id!,
            cause: `clean up by parent eager execution ${parent.name}`,
          });
          total += 1;
          opts.log?.(`terminated ${e.id!.name}`);
        } catch (err) {
          opts.log?.(`could not terminate ${e.id!.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/**
 * The cluster eager backend: connects to admin on first use (through `opts.remote`) and launches every call as an
 * execution. Install it with `setClusterEagerBackend`; `tsflyte-execute` does so with the platform config the pod has.
 *
 * @example
 * setClusterEagerBackend(remoteEagerBackend({ remote: () => connectRemote() }));
 */
export function remoteEagerBackend(opts: RemoteEagerOptions): EagerBackend {
  let remoteP: Promise<FlyteRemote> | undefined;
  const shared: RemoteEagerOptions = {
    ...opts,
    remote: () => {
      const r = opts.remote;
      remoteP ??= typeof r === "function" ? r() : Promise.resolve(r);
      return remoteP;
    },
  };
  return {
    mode: "eager",
    create(run) {
      return new RemoteEagerController(run, shared);
    },
    async cleanup(run) {
      const id = run.params.executionId;
      if (!id.name)
        throw new FlyteUserError(
          `${run.taskName}: the failed eager execution's name (FLYTE_INTERNAL_EXECUTION_ID) is empty`,
        );
      const remote = await (shared.remote as () => Promise<FlyteRemote>)();
      const n = await cleanupEagerChildren(remote, id, {
        ...(opts.cleanupDelaySeconds === undefined ? {} : { delaySeconds: opts.cleanupDelaySeconds }),
        signal: run.signal,
        log: (m) => run.params.logger.info(m),
      });
      run.params.logger.info(`eager cleanup of ${id.name}: ${n} child executions terminated`);
    },
  };
}
