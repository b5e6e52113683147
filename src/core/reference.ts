/**
 * Reference entities (flytekit's `reference_task`, `reference_workflow`, `reference_launch_plan`): a task, workflow
 * or launch plan that is already registered on a Flyte cluster, by its full id and its typed interface. Workflows
 * call them like any entity; serialization turns the call into a node that refers to the registered id, and nothing
 * of theirs is registered again. Locally they cannot run (their code is elsewhere, maybe not even TypeScript) unless
 * mocked.
 */
import { describeValue, FlyteUserError, FlyteValidationError } from "../errors.js";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { type Callable, Entity, type EntityKind, makeCallable, type ValueInputs } from "./entity.js";
import { type InputSpec, Interface, type NativeOutputs, type OutputSpec } from "./interface.js";
import { localData } from "./local-data.js";
import { newIdentity } from "./naming.js";

/** The full id of a registered entity. */
export interface ReferenceId {
  /** The project it is registered in. */
  readonly project: string;
  /** The domain it is registered in. */
  readonly domain: string;
  /** Its registered name, e.g. `my_pkg.tasks.add` for a Python task. */
  readonly name: string;
  /** The registered version. */
  readonly version: string;
}

/** What declares a reference: the registered id and the interface it was registered with. */
export interface ReferenceOptions<I extends InputSpec, O extends OutputSpec> extends ReferenceId {
  /** The inputs as registered (names and types must match the registered interface). */
  readonly inputs?: I;
  /** The outputs as registered: one type (`o0`), a tuple (`o0`, `o1`…) or named outputs. */
  readonly outputs?: O;
}

/** A local stand-in for a reference entity: receives the native inputs, returns the native outputs. */
export type ReferenceMock<I extends InputSpec, O extends OutputSpec> = (
  inputs: ValueInputs<I>,
) => NativeOutputs<O> | Promise<NativeOutputs<O>>;

const ID_FIELDS = ["project", "domain", "name", "version"] as const;
const KIND_LABELS: Record<EntityKind, string> = { task: "task", workflow: "workflow", "launch-plan": "launch plan" };

/** The base of reference tasks, workflows and launch plans. */
export abstract class ReferenceEntity<
  I extends InputSpec = InputSpec,
  O extends OutputSpec = OutputSpec,
> extends Entity<I, O> {
  /** The registered id the reference points to. */
  readonly reference: ReferenceId;
  private mocked: ((inputs: Record<string, unknown>) => unknown) | undefined;

  constructor(kind: EntityKind, options: ReferenceOptions<I, O>) {
    const given = (options ?? {}) as unknown as Record<string, unknown>;
    const label = `reference ${KIND_LABELS[kind]}${typeof given.name === "string" && given.name ? ` ${given.name}` : ""}`;
    for (const f of ID_FIELDS) {
      const v = given[f];
      if (typeof v !== "string" || v === "") {
        throw new FlyteValidationError(`${label}: ${f} must be a non-empty string, got ${describeValue(v)}`);
      }
    }
    super(new Interface(options.inputs ?? {}, options.outputs, options.name), newIdentity(options.name));
    this.reference = {
      project: options.project,
      domain: options.domain,
      name: options.name,
      version: options.version,
    };
  }

  /** `project/domain/name@version`, as messages show the reference. */
  get referenceString(): string {
    const r = this.reference;
    return `${r.project}/${r.domain}/${r.name}@${r.version}`;
  }

  /**
   * Runs `fn` instead of the registered entity in local runs (flytekit's `patch` of a reference entity), until the
   * returned function is called.
   *
   * @example
   * const restore = remoteAdd.mock(({ a, b }) => a + b);
   * await wf({ x: 1 }); // runs locally, remoteAdd replaced by the mock
   * restore();
   */
  mock(fn: ReferenceMock<I, O>): () => void {
    if (typeof fn !== "function")
      throw new FlyteValidationError(`${this.name}: mock() takes a function, got ${typeof fn}`);
    const mine = fn as unknown as (inputs: Record<string, unknown>) => unknown;
    this.mocked = mine;
    return () => {
      if (this.mocked === mine) this.mocked = undefined;
    };
  }

  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    if (!this.mocked) {
      throw new FlyteUserError(
        `${this.name} is a reference to the ${KIND_LABELS[this.kind]} ${this.referenceString} registered on a Flyte cluster and cannot run locally; call .mock(fn) on it for local runs, or run the workflow on the cluster (tsflyte run --remote)`,
      );
    }
    const data = localData();
    const native = this.interface.literalsToInputs(inputs, data, this.name);
    const out = await this.mocked(native);
    return this.interface.outputsToLiterals(out, data, this.name);
  }
}

/** A registered task, called by id. */
export class ReferenceTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends ReferenceEntity<
  I,
  O
> {
  readonly kind = "task" as const;
  constructor(options: ReferenceOptions<I, O>) {
    super("task", options);
  }
}

/** A registered workflow, called by id (a subworkflow node). */
export class ReferenceWorkflow<
  I extends InputSpec = InputSpec,
  O extends OutputSpec = OutputSpec,
> extends ReferenceEntity<I, O> {
  readonly kind = "workflow" as const;
  constructor(options: ReferenceOptions<I, O>) {
    super("workflow", options);
  }
}

/** A registered launch plan, called by id (a launch plan node). */
export class ReferenceLaunchPlan<
  I extends InputSpec = InputSpec,
  O extends OutputSpec = OutputSpec,
> extends ReferenceEntity<I, O> {
  readonly kind = "launch-plan" as const;
  constructor(options: ReferenceOptions<I, O>) {
    super("launch-plan", options);
  }
}

/** A reference as users hold it: callable in workflow bodies, with the reference's properties. */
export type ReferenceHandle<E extends ReferenceEntity<any, any>, I extends InputSpec, O extends OutputSpec> = E &
  Callable<I, O>;

/**
 * Declares a task registered on a Flyte cluster (in any language) so that workflows can call it by id.
 *
 * @example
 * export const pyAdd = referenceTask({ project: "flytesnacks", domain: "development", name: "tasks.add",
 *   version: "v1", inputs: { a: t.int, b: t.int }, outputs: t.int });
 */
export function referenceTask<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: ReferenceOptions<I, O>,
): ReferenceHandle<ReferenceTask<I, O>, I, O> {
  return makeCallable<ReferenceTask<I, O>, Callable<I, O>>(new ReferenceTask(options));
}

/**
 * Declares a workflow registered on a Flyte cluster so that workflows can call it as a subworkflow by id.
 *
 * @example
 * export const etl = referenceWorkflow({ project: "p", domain: "development", name: "etl.wf", version: "v3",
 *   inputs: { day: t.datetime }, outputs: t.int });
 */
export function referenceWorkflow<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: ReferenceOptions<I, O>,
): ReferenceHandle<ReferenceWorkflow<I, O>, I, O> {
  return makeCallable<ReferenceWorkflow<I, O>, Callable<I, O>>(new ReferenceWorkflow(options));
}

/**
 * Declares a launch plan registered on a Flyte cluster so that workflows can launch it by id.
 *
 * @example
 * export const nightly = referenceLaunchPlan({ project: "p", domain: "production", name: "etl.nightly",
 *   version: "v3", inputs: { day: t.datetime }, outputs: t.int });
 */
export function referenceLaunchPlan<I extends InputSpec = {}, O extends OutputSpec = undefined>(
  options: ReferenceOptions<I, O>,
): ReferenceHandle<ReferenceLaunchPlan<I, O>, I, O> {
  return makeCallable<ReferenceLaunchPlan<I, O>, Callable<I, O>>(new ReferenceLaunchPlan(options));
}

/**
 * Whether a value is a reference entity (from any copy of the SDK: recognised by shape).
 *
 * @example
 * isReference(pyAdd); // true
 */
export function isReference(value: unknown): value is ReferenceEntity {
  if ((typeof value !== "function" && typeof value !== "object") || value === null) return false;
  const r = (value as { reference?: unknown }).reference;
  return (
    typeof r === "object" &&
    r !== null &&
    ID_FIELDS.every((f) => typeof (r as Record<string, unknown>)[f] === "string") &&
    typeof (value as { mock?: unknown }).mock === "function"
  );
}
