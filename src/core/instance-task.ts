/**
 * Instance tasks: tasks whose `execute` the platform supplies (shell scripts, SQL queries, containers), configured
 * by an instance rather than a user function. The twin of flytekit's `PythonInstanceTask`.
 */
import { FlyteValidationError } from "../errors.js";
import type { InputSpec, OutputSpec } from "./interface.js";
import { newIdentity } from "./naming.js";
import { TASK_OPTION_NAMES, Task, type TaskOptions } from "./task.js";

/** The base of instance tasks: subclasses implement `execute`. A name is required. */
export abstract class InstanceTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Task<
  I,
  O
> {
  constructor(options: TaskOptions<I, O> & { name: string }, extraOptions: readonly string[] = []) {
    if (!options.name) throw new FlyteValidationError("an instance task needs an explicit name");
    super(options, newIdentity(options.name), [...TASK_OPTION_NAMES, ...extraOptions]);
  }
}
