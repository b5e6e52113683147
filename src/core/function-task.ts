/**
 * Function tasks: a TypeScript function (sync or async) with a declared interface becomes a Flyte task.
 */
import { FlyteValidationError } from "../errors.js";
import type { Callable } from "./entity.js";
import { makeCallable } from "./entity.js";
import type { InputSpec, NativeInputs, OutputSpec, ReturnedOutputs, ReturnedTuple } from "./interface.js";
import { newIdentity } from "./naming.js";
import { declarationSource } from "./task-decks.js";
import { type ExecutionMode, Task, type TaskOptions } from "./task.js";

/** The function behind a task: receives its inputs, returns (or resolves to) its outputs. */
export type TaskFunction<I extends InputSpec, O extends OutputSpec> = (
  inputs: NativeInputs<I>,
) => ReturnedOutputs<O> | ReturnedTuple<O> | Promise<ReturnedOutputs<O> | ReturnedTuple<O>>;

/** A task whose `execute` calls a user function. */
export class FunctionTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Task<I, O> {
  /** The user function. */
  readonly fn: TaskFunction<I, O>;
  /** The execution mode: default, dynamic or eager. */
  readonly executionMode: ExecutionMode;

  constructor(
    options: TaskOptions<I, O>,
    fn: TaskFunction<I, O>,
    mode: ExecutionMode = "default",
    allowed?: readonly string[],
  ) {
    super(options, newIdentity(options.name), allowed);
    if (typeof fn !== "function") {
      throw new FlyteValidationError(`${this.name}: a task needs a function, got ${typeof fn}`);
    }
    this.fn = fn;
    this.executionMode = mode;
  }

  /** Whether the function is `async`. */
  get isAsync(): boolean {
    return this.fn.constructor?.name === "AsyncFunction";
  }

  execute(inputs: Record<string, unknown>): unknown {
    return this.fn(inputs as NativeInputs<I>);
  }

  protected override sourceCode(): { code: string; language: string } {
    const code = declarationSource(this.identity.file, this.identity.exportName) ?? this.fn.toString();
    return { code, language: "typescript" };
  }
}

/** A function task as users hold it: callable, with the task's properties. */
export type TaskHandle<I extends InputSpec, O extends OutputSpec> = FunctionTask<I, O> & Callable<I, O>;

/**
 * Declares a task. Its function's parameter and return types come from `inputs` and `outputs`.
 *
 * @example
 * export const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
 * await add({ a: 1, b: 2 }); // 3
 */
export function task<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: TaskOptions<I, O>,
  fn: TaskFunction<I, O>,
): TaskHandle<I, O> {
  return makeCallable<FunctionTask<I, O>, Callable<I, O>>(new FunctionTask(options, fn));
}
