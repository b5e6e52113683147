/**
 * The failure handler of an eager task's registered workflow (node `efn`): on a cluster it terminates the child
 * executions an eager execution left running. That behaviour needs the admin API and belongs to the remote client;
 * locally the handler does nothing.
 */
import type { LiteralMap } from "../../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../idl/literals.js";
import type { DataContext } from "../../types/type.js";
import { currentState } from "../context.js";
import type { InputSpec } from "../interface.js";
import type { Identity } from "../naming.js";
import { Task } from "../task.js";
import { eagerBackendFor } from "./controller.js";

/** The task type flytekit gives eager failure handlers. */
export const EAGER_FAILURE_HANDLER_TASK_TYPE = "eager_failure_handler_task";

/** The location serialization writes after `--resolver` for eager failure handlers. */
export const EAGER_FAILURE_RESOLVER_LOCATION = "flytekit_ts.eager_failure_task_resolver";

/** The task that cleans up after a failed eager execution. Its inputs are the eager task's; it has no outputs. */
export class EagerFailureHandlerTask extends Task {
  /** How a container finds this task again: {@link eagerFailureTaskResolver}. */
  readonly resolver: EagerFailureTaskResolver;
  private readonly eagerTask: Task | undefined;
  private readonly fixedName: string | undefined;

  /**
   * @param opts.eagerTask the eager task it cleans up after; the name is then `<eager name>-cleanup`, following the
   *   eager task's name as it settles.
   * @param opts.name a fixed name instead (what the resolver loads in a container).
   * @param opts.inputs the inputs, by default the eager task's.
   * @param opts.containerImage the image, by default the eager task's.
   */
  constructor(opts: { eagerTask?: Task; name?: string; inputs?: InputSpec; containerImage?: string }) {
    const eager = opts.eagerTask;
    const identity: Identity = eager
      ? { module: eager.identity.module, file: eager.identity.file, ordinal: -1 }
      : { explicitName: opts.name ?? "no_input_default_cleanup_task", ordinal: -1 };
    const containerImage = opts.containerImage ?? eager?.options.containerImage;
    super(
      {
        name: opts.name,
        inputs: opts.inputs ?? (eager?.options.inputs as InputSpec | undefined) ?? {},
        taskType: EAGER_FAILURE_HANDLER_TASK_TYPE,
        ...(containerImage === undefined ? {} : { containerImage }),
      },
      identity,
    );
    this.eagerTask = eager;
    this.fixedName = opts.name;
    this.resolver = eagerFailureTaskResolver;
  }

  override get name(): string {
    return this.fixedName ?? `${this.eagerTask?.name ?? "eager"}-cleanup`;
  }

  override resolveName(): void {
    this.eagerTask?.resolveName();
  }

  /**
   * Runs the cleanup whatever inputs it is given: on a cluster the failure node passes the eager task's inputs,
   * while the handler loaded by the resolver declares none (as flytekit's, which ignores them too). No outputs.
   */
  override async dispatchExecute(_inputs: LiteralMap, _data: DataContext): Promise<LiteralMap> {
    await this.execute();
    return literalMap({});
  }

  /**
   * In a container, asks the cluster eager backend to terminate the children of the failed eager execution (those
   * tagged with this execution's name). Locally there are no child executions to terminate.
   */
  async execute(): Promise<undefined> {
    const state = currentState();
    if (state.mode !== "task") return undefined;
    const backend = eagerBackendFor(state.mode, this.name);
    await backend.cleanup?.({ taskName: this.name, params: state.params, signal: state.params.signal });
    return undefined;
  }
}

/** Finds eager failure handlers in a container: the loader args are always `eager failure handler`. */
export class EagerFailureTaskResolver {
  readonly location: string = EAGER_FAILURE_RESOLVER_LOCATION;

  /** flytekit's loader args for the handler, whatever the task. */
  loaderArgs(_task: Task): string[] {
    return ["eager", "failure", "handler"];
  }

  /** A handler with no inputs: in a container it only needs the execution it runs in to find the children. */
  async loadTask(_args: readonly string[]): Promise<Task> {
    return new EagerFailureHandlerTask({ name: "no_input_default_cleanup_task", inputs: {} });
  }
}

/** The resolver of every eager failure handler. */
export const eagerFailureTaskResolver: EagerFailureTaskResolver = new EagerFailureTaskResolver();
