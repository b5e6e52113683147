/** Assertions shared by the type engine's tests. */
import assert from "node:assert/strict";
import { FlyteTypeError } from "flytekit-ts";

/** Runs `fn`, expects a `FlyteTypeError` whose message contains every pattern, and returns it. */
export function throwsType(fn: () => unknown, ...patterns: string[]): FlyteTypeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof FlyteTypeError, `expected a FlyteTypeError, got ${String(caught)}`);
  for (const p of patterns) assert.ok(caught.message.includes(p), `${JSON.stringify(caught.message)} lacks ${p}`);
  return caught;
}
