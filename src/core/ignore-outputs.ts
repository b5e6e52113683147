/**
 * `IgnoreOutputs`: thrown by a task body to say that this attempt's outputs do not matter (the twin of flytekit's
 * `IgnoreOutputs`, used by distributed jobs where only one worker reports results).
 */

/**
 * Throw from a task body to make the container entrypoint write nothing at all: no `outputs.pb`, no `error.pb`, no
 * raw data. Only honoured when thrown by the task body itself (not from `postExecute`).
 *
 * @example
 * if (rank !== 0) throw new IgnoreOutputs("only rank 0 reports outputs");
 */
export class IgnoreOutputs extends Error {
  constructor(message = "the task asked for its outputs to be ignored") {
    super(message);
    this.name = "IgnoreOutputs";
  }
}

/**
 * Whether `e` is an {@link IgnoreOutputs}, from this or another copy of the SDK (recognised by name, since user code
 * may import a different copy than the entrypoint's).
 */
export function isIgnoreOutputs(e: unknown): boolean {
  return e instanceof IgnoreOutputs || (e instanceof Error && e.name === "IgnoreOutputs");
}
