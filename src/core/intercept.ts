/**
 * Execute interception: a scope (an `AsyncLocalStorage` store) in which a task's body is replaced by another
 * function. The test harness (`flytekit-ts/testing`) builds on it; core only looks the replacement up. The scope
 * follows the async calls made inside it (workflow nodes, map elements, dynamic and eager bodies) and nothing else,
 * so concurrent scopes never see each other's replacements.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What core needs of a task to find its replacement: the task object itself is the key. */
export type InterceptKey = object;

/** A replacement body: receives the task's native inputs, returns (or resolves to) its native outputs. */
export type InterceptFn = (inputs: Record<string, unknown>) => unknown;

/** A registry of replacements; `lookup` returns the replacement in force for a task, if any. */
export interface InterceptRegistry {
  lookup(task: InterceptKey): InterceptFn | undefined;
}

const storage = new AsyncLocalStorage<InterceptRegistry>();

/** Runs `fn` with `registry` as the interception scope of everything it calls. */
export function runWithIntercepts<R>(registry: InterceptRegistry, fn: () => R): R {
  return storage.run(registry, fn);
}

/** The interception registry of the current async scope, if any. */
export function currentIntercepts(): InterceptRegistry | undefined {
  return storage.getStore();
}

/**
 * The object a task is known by: a callable handle (see `makeCallable`) is a function whose prototype is the task
 * object, so the handle and the task it wraps share one key.
 */
export function interceptKey(task: InterceptKey): InterceptKey {
  let k = task;
  while (typeof k === "function") {
    const proto = Object.getPrototypeOf(k) as InterceptKey | null;
    if (proto === null || proto === Function.prototype) break;
    k = proto;
  }
  return k;
}

/** The replacement in force for `task` in the current async scope, if any. */
export function interceptFor(task: InterceptKey): InterceptFn | undefined {
  const store = storage.getStore();
  return store ? store.lookup(interceptKey(task)) : undefined;
}
