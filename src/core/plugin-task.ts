/**
 * Plugin tasks: tasks a Flyte backend plugin or agent runs from their configuration alone (sensors, query engines,
 * flytekit's `PythonTask` subclasses without a container and `AsyncAgentExecutorMixin` tasks). Their TaskTemplate
 * has the plugin's task type and `custom` (the task config) and no container.
 */
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { type Callable, makeCallable } from "./entity.js";
import type { TaskFunction } from "./function-task.js";
import type { InputSpec, NativeInputs, OutputSpec } from "./interface.js";
import { newIdentity } from "./naming.js";
import { Task, type TaskOptions } from "./task.js";

/** A JSON value, as a task's `custom` Struct holds it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** The options of a plugin task: what the platform needs to run it, and no container settings. */
export type PluginTaskOptions<I extends InputSpec, O extends OutputSpec> = Pick<
  TaskOptions<I, O>,
  "inputs" | "outputs" | "cache" | "retries" | "timeout" | "interruptible" | "deprecated" | "docs" | "secrets"
> & {
  /** The task's name (required: a plugin task has no module export to be loaded from). */
  name: string;
  /** The plugin's task type, e.g. `"sensor"`. */
  taskType: string;
  /** The plugin's configuration, written as the TaskTemplate's `custom`: a JSON object. */
  taskConfig: { [k: string]: JsonValue };
  /** The task type version the plugin expects (default 0). */
  taskTypeVersion?: number;
};

const PLUGIN_OPTION_NAMES = [
  "name",
  "inputs",
  "outputs",
  "cache",
  "retries",
  "timeout",
  "interruptible",
  "deprecated",
  "docs",
  "secrets",
  "taskType",
  "taskConfig",
  "taskTypeVersion",
];

/** Checks that `v` is JSON (what a protobuf Struct can hold), naming the first path that is not. */
function checkJson(owner: string, v: unknown, path: string): void {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (Number.isFinite(v)) return;
  } else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) checkJson(owner, x, `${path}[${i}]`);
    return;
  } else if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkJson(owner, x, `${path}.${k}`);
    return;
  }
  throw new FlyteValidationError(
    `${owner}: ${path} = ${typeof v === "bigint" ? `${v}n` : typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v))} is not JSON (null, a boolean, a finite number, a string, a list or a plain object)`,
  );
}

/**
 * A task the platform runs from its task type and configuration, without a container. Locally it runs the function
 * given to {@link pluginTask} (what an agent would do), or fails naming the task.
 */
export class PluginTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Task<I, O> {
  override readonly taskTypeVersion: number;
  /** How the task runs locally, if it can. */
  readonly localFn: TaskFunction<I, O> | undefined;

  constructor(options: PluginTaskOptions<I, O>, localFn?: TaskFunction<I, O>) {
    const owner = typeof options?.name === "string" && options.name ? options.name : "plugin task";
    if (!options || typeof options.name !== "string" || options.name === "")
      throw new FlyteValidationError(`${owner}: a plugin task needs an explicit name`);
    if (typeof options.taskType !== "string" || options.taskType === "" || options.taskType === "python-task")
      throw new FlyteValidationError(
        `${owner}: taskType = ${JSON.stringify(options.taskType)} must name the plugin that runs the task (e.g. "sensor"); python-task tasks run in a container`,
      );
    const cfg = options.taskConfig as unknown;
    if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg))
      throw new FlyteValidationError(`${owner}: taskConfig must be a JSON object, got ${JSON.stringify(cfg)}`);
    checkJson(owner, cfg, "taskConfig");
    const version = options.taskTypeVersion ?? 0;
    if (!Number.isInteger(version) || version < 0)
      throw new FlyteValidationError(`${owner}: taskTypeVersion = ${version} is not a non-negative integer`);
    if (localFn !== undefined && typeof localFn !== "function")
      throw new FlyteValidationError(`${owner}: the local execution of a plugin task must be a function`);
    super(options as TaskOptions<I, O>, newIdentity(options.name), PLUGIN_OPTION_NAMES);
    this.taskTypeVersion = version;
    this.localFn = localFn;
  }

  /** The TaskTemplate's `custom`: the task config (a node's `withOverrides({ taskConfig })` replaces it). */
  getCustom(): { [k: string]: JsonValue } {
    const cfg = this.options.taskConfig as { [k: string]: JsonValue };
    checkJson(this.name, cfg, "taskConfig");
    return cfg;
  }

  execute(inputs: Record<string, unknown>): unknown {
    if (!this.localFn) {
      throw new FlyteUserError(
        `${this.name} is run by the Flyte plugin for task type ${JSON.stringify(this.taskType)} and has no local execution; give pluginTask a function to run it locally`,
      );
    }
    return this.localFn(inputs as NativeInputs<I>);
  }
}

/** A plugin task as users hold it: callable, with the task's properties. */
export type PluginTaskHandle<I extends InputSpec, O extends OutputSpec> = PluginTask<I, O> & Callable<I, O>;

/**
 * Declares a task that a Flyte backend plugin or agent runs from its task type and configuration (no container).
 * The optional function is its local execution.
 *
 * @example
 * export const waitForFile = pluginTask({
 *   name: "wait_for_file", taskType: "sensor", inputs: { path: t.str },
 *   taskConfig: { sensor_module: "flytekit.sensor.file_sensor", sensor_name: "FileSensor", sensor_config: null, inputs: null },
 * });
 */
export function pluginTask<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: PluginTaskOptions<I, O>,
  localFn?: TaskFunction<I, O>,
): PluginTaskHandle<I, O> {
  return makeCallable<PluginTask<I, O>, Callable<I, O>>(new PluginTask(options, localFn));
}
