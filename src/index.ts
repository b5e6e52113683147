/**
 * flytekit-ts: typed Flyte tasks and workflows in TypeScript.
 *
 * @example
 * import { task, workflow, t } from "flytekit-ts";
 * export const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
 */
export {
  describeValue,
  FlyteError,
  FlyteNonRecoverableError,
  FlyteRecoverableError,
  FlyteTypeError,
  FlyteUserError,
  FlyteValidationError,
} from "./errors.js";
export { t } from "./types/index.js";
export type { AnyType, Infer, InferIn, DataContext, Path } from "./types/type.js";
export { FlyteType } from "./types/type.js";
export { FlyteBlob } from "./types/blob.js";
export {
  DataFrameType,
  StructuredDataset,
  type BatchOptions,
  type ColumnTypes,
  type DataFrameInput,
  type DatasetChunk,
  type ReadOptions,
  type RowOf,
} from "./types/index.js";
export type { StandardJSONSchemaV1, StandardSchemaV1 } from "./types/standard-schema.js";
export { parseDuration, formatDuration, type DurationInput, type DurationString } from "./types/duration.js";
export { task, FunctionTask, type TaskFunction, type TaskHandle } from "./core/function-task.js";
export {
  Task,
  TaskExecutionError,
  type TaskOptions,
  type TaskMetadata,
  type CacheSpec,
  type ExecutionMode,
  type PodTemplate,
  type Accelerator,
} from "./core/task.js";
export { InstanceTask } from "./core/instance-task.js";
export {
  pluginTask,
  PluginTask,
  type PluginTaskOptions,
  type PluginTaskHandle,
  type JsonValue,
} from "./core/plugin-task.js";
export type { Docs } from "./core/docs.js";
export { shellTask, ShellTask, type ShellTaskOptions, type ShellTaskHandle } from "./core/shell-task.js";
export {
  bindQuery,
  sqliteTask,
  SqliteTask,
  sqlTask,
  SqlTask,
  type SqliteTaskOptions,
  type SqlTaskOptions,
} from "./core/sql-task.js";
export {
  containerTask,
  ContainerTask,
  type ContainerTaskOptions,
  type ContainerTaskHandle,
  type MetadataFormat,
} from "./core/container-task.js";
export { workflow, Workflow, type WorkflowOptions, type WorkflowInputs, type WorkflowHandle } from "./core/workflow.js";
export {
  launchPlan,
  LaunchPlan,
  type LaunchPlanOptions,
  type LaunchPlanHandle,
  type LaunchPlanSettings,
  type LaunchPlanSecurityContext,
  type RunAs,
} from "./core/launch-plan.js";
export type {
  CronSchedule,
  FixedRateSchedule,
  Notification,
  NotificationPhase,
  Schedule,
} from "./core/schedule.js";
export {
  referenceTask,
  referenceWorkflow,
  referenceLaunchPlan,
  ReferenceEntity,
  ReferenceTask,
  ReferenceWorkflow,
  ReferenceLaunchPlan,
  type ReferenceId,
  type ReferenceOptions,
  type ReferenceMock,
  type ReferenceHandle,
} from "./core/reference.js";
export { eq, neq, gt, gte, lt, lte, and, or, isTrue, isFalse, isNone, type Condition } from "./core/condition.js";
export { conditional } from "./core/conditional.js";
export { after, isRef, type Ref, type VoidRef } from "./core/promise.js";
export { withOverrides, type NodeOverrides, type Overridable } from "./core/overrides.js";
export { Entity, type Callable, type Bindable } from "./core/entity.js";
export { Interface, type InputSpec, type OutputSpec, type NativeInputs, type NativeOutputs } from "./core/interface.js";
export {
  currentContext,
  SecretsManager,
  type ExecutionParameters,
  type ExecutionId,
  type TaskId,
  type SecretRequest,
  type Checkpoint,
} from "./core/context.js";
export { Deck, Decks, DECK_FIELDS, type DeckField } from "./deck/deck.js";
export { MarkdownRenderer } from "./deck/markdown.js";
export { SourceCodeRenderer } from "./deck/source.js";
export { TableRenderer, type TableOptions, type TableValue } from "./deck/table.js";
export { BoxRenderer, FrameProfilingRenderer } from "./deck/frame.js";
export { TimelineDeck, type TimelineEntry } from "./deck/timeline.js";
export { collectDecks, type WrittenDeck } from "./core/task-decks.js";
export type { Logger } from "./core/logger.js";
export { type CacheEntryInfo, type CacheEntryMeta, cacheKey, LocalCache } from "./core/cache.js";
export { observeRun } from "./core/observer.js";
export type { LogEvent, NodeEvent, NodePhase, RunObserver } from "./core/observer.js";
export type { ResourceSpec, ResourceValues, Quantity } from "./core/resources.js";
export {
  dynamic,
  DynamicTask,
  type DynamicOptions,
  type DynamicFunction,
  type DynamicHandle,
  type DynamicWorkflowSpec,
} from "./core/dynamic.js";
export {
  map,
  MapTask,
  MapTaskError,
  type MapOptions,
  type MapTaskHandle,
  type MapInputSpec,
  type MapOutputSpec,
} from "./core/map-task.js";
export { eager, EagerTask, type EagerFunction, type EagerHandle } from "./core/eager/eager-task.js";
export {
  EagerCallError,
  LocalEagerController,
  setClusterEagerBackend,
  type EagerBackend,
  type EagerCall,
  type EagerCallStatus,
  type EagerController,
  type EagerRun,
} from "./core/eager/controller.js";
export {
  EagerFailureHandlerTask,
  EagerFailureTaskResolver,
  eagerFailureTaskResolver,
} from "./core/eager/failure-handler.js";
export { IgnoreOutputs } from "./core/ignore-outputs.js";
export { defaultTaskResolver, type TaskResolver } from "./core/resolver.js";
export { ImageSpec, type ImageSpecOptions } from "./serialize/image.js";
export {
  fastSettings,
  resolveImage,
  serializationSettings,
  type FastSettings,
  type ImageConfig,
  type SerializationSettings,
} from "./serialize/settings.js";
export {
  collectEntities,
  resetCommandFn,
  serializeLaunchPlan,
  serializeTask,
  serializeWorkflow,
  Serializer,
  setCommandFn,
  taskTemplate,
  type SerializedEntity,
  type TaskSerializationHooks,
} from "./serialize/translate.js";
export { entityFileNames, packageArchive, writePackage } from "./serialize/package.js";
