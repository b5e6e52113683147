/**
 * Launch plans: a workflow with default inputs (overridable) and fixed inputs (not), under a name of its own.
 */
import { FlyteValidationError } from "../errors.js";
import type { Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import type { AnyType, HasDefault } from "../types/type.js";
import { type Callable, Entity, makeCallable } from "./entity.js";
import { type InputSpec, Interface, type OutputSpec, type ValueInputsOf } from "./interface.js";
import { localData } from "./local-data.js";
import { newIdentity } from "./naming.js";
import type { Workflow } from "./workflow.js";

/** Options of a launch plan. */
export interface LaunchPlanOptions<I extends InputSpec> {
  /** The launch plan's name; the workflow's default launch plan shares the workflow's name. */
  name?: string;
  /** Defaults callers may override. */
  defaultInputs?: Partial<ValueInputsOf<I>>;
  /** Inputs fixed at these values; callers cannot pass them. */
  fixedInputs?: Partial<ValueInputsOf<I>>;
}

/** A launch plan. */
export class LaunchPlan<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Entity<I, O> {
  readonly kind = "launch-plan" as const;
  /** The workflow it launches. */
  readonly workflow: Workflow<I, O>;
  /** Default inputs, as literals. */
  readonly defaultInputs: Readonly<Record<string, Literal>>;
  /** Fixed inputs, as literals. */
  readonly fixedInputs: Readonly<Record<string, Literal>>;

  constructor(wf: Workflow<I, O>, options: LaunchPlanOptions<I> = {}) {
    const owner = options.name ?? `launch plan of ${wf.name}`;
    const fixedNames = Object.keys(options.fixedInputs ?? {});
    const inputs: Record<string, AnyType> = {};
    for (const [k, type] of wf.interface.inputs) {
      if (fixedNames.includes(k)) continue;
      const d = (options.defaultInputs as Record<string, unknown> | undefined)?.[k];
      inputs[k] = d !== undefined ? type.default(d) : type;
    }
    const outputs =
      wf.interface.shape === "none"
        ? undefined
        : wf.interface.shape === "single"
          ? wf.interface.outputs[0]![1]
          : Object.fromEntries(wf.interface.outputs);
    super(new Interface(inputs, outputs as OutputSpec, owner), newIdentity(options.name));
    if (!options.name) this.identity = wf.identity;
    this.workflow = wf;
    const data = localData();
    const toLits = (vals: Record<string, unknown> | undefined, what: string) => {
      const out: Record<string, Literal> = {};
      for (const [k, v] of Object.entries(vals ?? {})) {
        const type = wf.interface.inputTypes[k];
        if (!type)
          throw new FlyteValidationError(
            `${owner}: ${what} names ${JSON.stringify(k)}, which is not an input of ${wf.name}`,
          );
        out[k] = type.toLiteral(v, data, [k]);
      }
      return out;
    };
    this.defaultInputs = toLits(options.defaultInputs as Record<string, unknown>, "defaultInputs");
    this.fixedInputs = toLits(options.fixedInputs as Record<string, unknown>, "fixedInputs");
  }

  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    for (const k of Object.keys(inputs.literals)) {
      if (Object.hasOwn(this.fixedInputs, k))
        throw new FlyteValidationError(`${this.name}: input ${k} is fixed and cannot be given`);
    }
    return this.workflow.executeLiterals(
      literalMap({ ...this.defaultInputs, ...inputs.literals, ...this.fixedInputs }),
    );
  }
}

/** A launch plan as users hold it: callable, with the launch plan's properties. */
export type LaunchPlanHandle<I extends InputSpec, O extends OutputSpec> = LaunchPlan<I, O> & Callable<I, O>;

/**
 * Declares a launch plan for a workflow.
 *
 * @example
 * export const nightly = launchPlan(wf, { name: "nightly", fixedInputs: { region: "eu" } });
 */
export function launchPlan<
  I extends InputSpec,
  O extends OutputSpec,
  const F extends Partial<ValueInputsOf<I>> = {},
  const D extends Partial<ValueInputsOf<I>> = {},
>(
  wf: Workflow<I, O>,
  options: { name?: string; fixedInputs?: F; defaultInputs?: D } = {},
): LaunchPlanHandle<LaunchPlanInputs<I, keyof F, keyof D>, O> {
  const lp = new LaunchPlan(wf, options as LaunchPlanOptions<I>);
  return makeCallable<LaunchPlan<I, O>, Callable<LaunchPlanInputs<I, keyof F, keyof D>, O>>(
    lp,
  ) as unknown as LaunchPlanHandle<LaunchPlanInputs<I, keyof F, keyof D>, O>;
}

/** The inputs of a launch plan: fixed inputs removed, defaulted ones optional. */
export type LaunchPlanInputs<I extends InputSpec, F, D> = {
  [K in Exclude<keyof I, F>]: K extends D ? I[K] & HasDefault : I[K];
};
