/**
 * `flytekit-ts/testing`: run tasks and workflows in-process with some tasks replaced by test doubles, assert on the
 * calls they received, and snapshot compiled workflows.
 *
 * Mocks live in a scope opened by {@link withMocks}. The scope follows the async calls made inside it (workflow
 * nodes, map task elements, dynamic and eager bodies) and nothing else, so tests running concurrently never see each
 * other's mocks, and every mock is restored when its scope ends. A mocked task keeps its interface: its inputs arrive
 * as native values, and what the mock returns is converted and type-checked like the real task's outputs (a mock
 * returning the wrong type fails with the usual `FlyteTypeError`). Mocked tasks never read or write the local cache.
 *
 * @example
 * import { assertCalledWith, mockTask, withMocks } from "flytekit-ts/testing";
 * await withMocks(async () => {
 *   const m = mockTask(fetchPrice, ({ sku }) => (sku === "a" ? 1.5 : 2));
 *   assert.equal(await checkout({ skus: ["a", "b"] }), 3.5);
 *   assertCalledWith(m, { sku: "a" });
 * });
 */
import { AssertionError } from "node:assert";
import { inspect, isDeepStrictEqual } from "node:util";
import { toJson } from "@bufbuild/protobuf";
import type { TaskFunction } from "../core/function-task.js";
import {
  currentIntercepts,
  type InterceptFn,
  type InterceptKey,
  type InterceptRegistry,
  interceptKey,
  runWithIntercepts,
} from "../core/intercept.js";
import type { InputSpec, NativeInputs, OutputSpec } from "../core/interface.js";
import { Task } from "../core/task.js";
import { Workflow } from "../core/workflow.js";
import { FlyteValidationError } from "../errors.js";
import { WorkflowSpecSchema } from "../idl/gen/flyteidl/admin/workflow_pb.js";
import { type SerializationSettings, serializationSettings } from "../serialize/settings.js";
import { serializeWorkflow } from "../serialize/translate.js";

/** One call a mocked task received. */
export interface MockCall<I = Record<string, unknown>> {
  /** The inputs, as native values (the object the mock received). */
  readonly inputs: I;
  /** What the mock returned (resolved), before conversion to literals; absent when it threw. */
  readonly outputs?: unknown;
  /** What the mock threw (or rejected with); absent when it returned. */
  readonly error?: unknown;
}

/** A task replaced by a mock in the current scope (see {@link mockTask}). */
export interface TaskMock<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> {
  /** The task replaced. */
  readonly task: Task<I, O>;
  /** Every call so far, in the order they started. */
  readonly calls: readonly MockCall<NativeInputs<I>>[];
  /** How many calls so far. */
  readonly callCount: number;
  /** Whether the mock was restored (by {@link TaskMock.restore} or the end of its scope). */
  readonly restored: boolean;
  /** Puts the real task back for the rest of the scope (calls recorded so far stay readable). Idempotent. */
  restore(): void;
}

/** The replacement body of a mocked task: the same signature as the task's own function. */
export type MockImplementation<I extends InputSpec, O extends OutputSpec> = TaskFunction<I, O>;

class MockHandle<I extends InputSpec, O extends OutputSpec> implements TaskMock<I, O> {
  readonly calls: MockCall<NativeInputs<I>>[] = [];
  restored = false;
  readonly task: Task<I, O>;
  private readonly impl: MockImplementation<I, O>;
  private readonly scope: MockScope;
  constructor(task: Task<I, O>, impl: MockImplementation<I, O>, scope: MockScope) {
    this.task = task;
    this.impl = impl;
    this.scope = scope;
  }

  get callCount(): number {
    return this.calls.length;
  }

  restore(): void {
    if (this.restored) return;
    this.restored = true;
    this.scope.remove(this);
  }

  /** Runs the mock on one call and records it. */
  readonly run: InterceptFn = async (inputs) => {
    const native = inputs as NativeInputs<I>;
    const index = this.calls.length;
    this.calls.push({ inputs: native });
    try {
      const outputs = await this.impl(native);
      this.calls[index] = { inputs: native, outputs };
      return outputs;
    } catch (error) {
      this.calls[index] = { inputs: native, error };
      throw error;
    }
  };
}

/** One `withMocks` scope: its own mocks, then the enclosing scope's. */
class MockScope implements InterceptRegistry {
  private readonly mocks = new Map<InterceptKey, MockHandle<any, any>>();
  private closed = false;
  private readonly parent: InterceptRegistry | undefined;
  constructor(parent: InterceptRegistry | undefined) {
    this.parent = parent;
  }

  lookup(task: InterceptKey): InterceptFn | undefined {
    return this.mocks.get(task)?.run ?? this.parent?.lookup(task);
  }

  add<I extends InputSpec, O extends OutputSpec>(task: Task<I, O>, impl: MockImplementation<I, O>): TaskMock<I, O> {
    if (this.closed) throw new FlyteValidationError(`mockTask(${task.name}): its withMocks scope has already ended`);
    const key = interceptKey(task);
    const previous = this.mocks.get(key);
    if (previous) {
      throw new FlyteValidationError(
        `mockTask(${task.name}): the task is already mocked in this scope; restore() that mock first`,
      );
    }
    const handle = new MockHandle(task, impl, this);
    this.mocks.set(key, handle);
    return handle;
  }

  remove(handle: MockHandle<any, any>): void {
    const key = interceptKey(handle.task);
    if (this.mocks.get(key) === handle) this.mocks.delete(key);
  }

  close(): void {
    this.closed = true;
    for (const h of [...this.mocks.values()]) h.restore();
  }
}

function checkTask(task: unknown, where: string): asserts task is Task<any, any> {
  if (!(task instanceof Task)) {
    throw new FlyteValidationError(
      `${where}: expected a task (made by task(), dynamic(), eager(), shellTask(), ...), got ${inspect(task, { depth: 1 })}`,
    );
  }
}

function checkImpl(impl: unknown, task: Task<any, any>, where: string): void {
  if (typeof impl !== "function") {
    throw new FlyteValidationError(
      `${where}(${task.name}): the mock implementation must be a function, got ${typeof impl}`,
    );
  }
}

/**
 * Replaces `task` with `impl` for the rest of the current {@link withMocks} scope (or until `restore()`), wherever
 * the task runs from inside that scope: called directly, as a workflow node, as a map task element, or from dynamic
 * and eager bodies. Must be called inside `withMocks`; a task can be mocked once per scope (an inner scope may mock
 * it again, shadowing the outer mock).
 *
 * @example
 * await withMocks(async () => {
 *   const m = mockTask(add, ({ a, b }) => a * b);
 *   assert.equal(await add({ a: 2, b: 3 }), 6);
 *   assert.deepEqual(m.calls[0].inputs, { a: 2, b: 3 });
 * });
 */
export function mockTask<I extends InputSpec, O extends OutputSpec>(
  task: Task<I, O>,
  impl: MockImplementation<I, O>,
): TaskMock<I, O> {
  checkTask(task, "mockTask");
  checkImpl(impl, task, "mockTask");
  const scope = currentIntercepts();
  if (!(scope instanceof MockScope)) {
    throw new FlyteValidationError(
      `mockTask(${task.name}) needs a mock scope: call it inside withMocks(async () => { ... })`,
    );
  }
  return scope.add(task, impl);
}

/** A `[task, implementation]` pair for {@link withMocks}; the implementation has the task's function signature. */
export type MockEntry = readonly [Task<any, any>, (inputs: any) => unknown];

/**
 * Runs `fn` in a new mock scope and restores every mock made in it when `fn` settles (returns, throws or rejects).
 * With a list of `[task, implementation]` pairs first, those tasks are mocked before `fn` runs and their handles
 * are passed to it, in order. Scopes nest: an inner scope sees the outer scope's mocks unless it mocks the same task.
 *
 * @example
 * await withMocks([[fetchPrice, () => 2]], async ([price]) => {
 *   await checkout({ skus: ["a", "b"] });
 *   assertCalled(price, 2);
 * });
 */
export function withMocks<R>(fn: () => R | Promise<R>): Promise<R>;
export function withMocks<R>(
  mocks: Iterable<MockEntry>,
  fn: (mocks: TaskMock<any, any>[]) => R | Promise<R>,
): Promise<R>;
export async function withMocks<R>(
  a: Iterable<MockEntry> | (() => R | Promise<R>),
  b?: (mocks: TaskMock<any, any>[]) => R | Promise<R>,
): Promise<R> {
  const entries = typeof a === "function" ? [] : a;
  const body = typeof a === "function" ? a : b;
  if (typeof body !== "function") {
    throw new FlyteValidationError(`withMocks: expected a function to run, got ${typeof body}`);
  }
  if (entries === null || typeof (entries as Iterable<MockEntry>)[Symbol.iterator] !== "function") {
    throw new FlyteValidationError(
      `withMocks: expected a list of [task, implementation] pairs, got ${inspect(entries)}`,
    );
  }
  const scope = new MockScope(currentIntercepts());
  try {
    return await runWithIntercepts(scope, async () => {
      const handles: TaskMock<any, any>[] = [];
      let i = 0;
      for (const entry of entries as Iterable<MockEntry>) {
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw new FlyteValidationError(
            `withMocks: mock ${i} must be a [task, implementation] pair, got ${inspect(entry)}`,
          );
        }
        const [task, impl] = entry as MockEntry;
        checkTask(task, `withMocks: mock ${i}`);
        checkImpl(impl, task, "withMocks");
        handles.push(scope.add(task, impl as MockImplementation<any, any>));
        i++;
      }
      return await body(handles);
    });
  } finally {
    scope.close();
  }
}

function describeCalls(m: TaskMock<any, any>): string {
  if (m.calls.length === 0) return "no calls";
  return m.calls
    .map((c, i) => `  #${i}: ${inspect(c.inputs, { depth: 6, breakLength: Number.POSITIVE_INFINITY })}`)
    .join("\n");
}

/**
 * Asserts that the mocked task was called: at least once, or exactly `times` times when given.
 *
 * @throws AssertionError (from `node:assert`), naming the task and listing the calls it received.
 */
export function assertCalled(m: TaskMock<any, any>, times?: number): void {
  if (times !== undefined && (!Number.isInteger(times) || times < 0)) {
    throw new FlyteValidationError(`assertCalled(${m.task.name}): times must be a non-negative integer, got ${times}`);
  }
  const ok = times === undefined ? m.callCount > 0 : m.callCount === times;
  if (!ok) {
    throw new AssertionError({
      message: `${m.task.name} was called ${m.callCount} time(s), expected ${times === undefined ? "at least 1" : times}\n${describeCalls(m)}`,
      actual: m.callCount,
      expected: times ?? 1,
      operator: "assertCalled",
      stackStartFn: assertCalled,
    });
  }
}

/** Asserts that the mocked task was never called. */
export function assertNotCalled(m: TaskMock<any, any>): void {
  if (m.callCount !== 0) {
    throw new AssertionError({
      message: `${m.task.name} was called ${m.callCount} time(s), expected none\n${describeCalls(m)}`,
      actual: m.callCount,
      expected: 0,
      operator: "assertNotCalled",
      stackStartFn: assertNotCalled,
    });
  }
}

/**
 * Asserts that some call of the mocked task received exactly `inputs` (deep strict equality of native values, so
 * `Date`s, `Map`s and nested records compare by content).
 */
export function assertCalledWith<I extends InputSpec>(m: TaskMock<I, any>, inputs: NativeInputs<I>): void {
  if (!m.calls.some((c) => isDeepStrictEqual(c.inputs, inputs))) {
    throw new AssertionError({
      message: `${m.task.name} was never called with ${inspect(inputs, { depth: 6 })}\ncalls:\n${describeCalls(m)}`,
      actual: m.calls.map((c) => c.inputs),
      expected: inputs,
      operator: "assertCalledWith",
      stackStartFn: assertCalledWith,
    });
  }
}

/** Asserts that call number `n` (0-based, in the order calls started) of the mocked task received exactly `inputs`. */
export function assertNthCalledWith<I extends InputSpec>(
  m: TaskMock<I, any>,
  n: number,
  inputs: NativeInputs<I>,
): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new FlyteValidationError(`assertNthCalledWith(${m.task.name}): n must be a non-negative integer, got ${n}`);
  }
  const call = m.calls[n];
  if (!call || !isDeepStrictEqual(call.inputs, inputs)) {
    throw new AssertionError({
      message: `${m.task.name} call #${n} ${call ? `received ${inspect(call.inputs, { depth: 6 })}` : "did not happen"}, expected ${inspect(inputs, { depth: 6 })}\ncalls:\n${describeCalls(m)}`,
      actual: call?.inputs,
      expected: inputs,
      operator: "assertNthCalledWith",
      stackStartFn: assertNthCalledWith,
    });
  }
}

/** The settings {@link snapshotWorkflow} serializes with unless told otherwise: fixed, so snapshots are stable. */
export const SNAPSHOT_SETTINGS: SerializationSettings = serializationSettings({
  project: "snapshot",
  domain: "development",
  version: "snapshot",
  image: { default: "snapshot-image:latest" },
  env: {},
});

/**
 * A stable, readable JSON rendering of a compiled workflow for snapshot tests: its serialized `admin.WorkflowSpec`
 * (the `WorkflowTemplate` and every subworkflow template), in protobuf JSON with two-space indentation, serialized
 * with fixed settings ({@link SNAPSHOT_SETTINGS}) so the SDK version or the environment never change it.
 *
 * @example
 * assert.equal(await snapshotWorkflow(pipeline), readFileSync("test/__snapshots__/pipeline.json", "utf8"));
 */
export async function snapshotWorkflow(
  wf: Workflow<any, any>,
  settings: SerializationSettings = SNAPSHOT_SETTINGS,
): Promise<string> {
  if (!(wf instanceof Workflow)) {
    throw new FlyteValidationError(
      `snapshotWorkflow: expected a workflow (made by workflow()), got ${inspect(wf, { depth: 1 })}`,
    );
  }
  wf.resolveName();
  return `${JSON.stringify(toJson(WorkflowSpecSchema, serializeWorkflow(wf, settings)), null, 2)}\n`;
}
