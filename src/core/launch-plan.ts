/**
 * Launch plans: a workflow with default inputs (overridable) and fixed inputs (not), under a name of its own.
 */
import { FlyteValidationError } from "../errors.js";
import type { Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import type { AnyType, HasDefault } from "../types/type.js";
import { type Callable, Entity, makeCallable } from "./entity.js";
import { withFailurePolicy } from "./executor.js";
import { type InputSpec, Interface, type OutputSpec, type ValueInputsOf } from "./interface.js";
import { localData } from "./local-data.js";
import { newIdentity } from "./naming.js";
import type { SecretRequest } from "./context.js";
import {
  checkNotifications,
  type Notification,
  type ResolvedSchedule,
  resolveSchedule,
  type Schedule,
} from "./schedule.js";
import { t } from "../types/index.js";
import type { Workflow } from "./workflow.js";

/** Who executions of a launch plan run as. */
export interface RunAs {
  /** An IAM role (AWS). */
  iamRole?: string;
  /** A Kubernetes service account. */
  k8sServiceAccount?: string;
  /** An execution identity, where the platform has them. */
  executionIdentity?: string;
}

/** The security context of a launch plan's executions. */
export interface LaunchPlanSecurityContext {
  runAs?: RunAs;
  /** Secrets every execution may read. */
  secrets?: readonly SecretRequest[];
}

/** What launch plans carry besides their inputs (flytekit's `LaunchPlan.get_or_create` arguments). */
export interface LaunchPlanSettings {
  /** Run on a schedule: `{ cron: "0 3 * * *" }` or `{ fixedRate: "2h" }`, with an optional kickoff-time input. */
  schedule?: Schedule;
  /** Emails, Slack or PagerDuty messages when executions reach terminal phases. */
  notifications?: readonly Notification[];
  /** Kubernetes labels of the executions. */
  labels?: Record<string, string>;
  /** Kubernetes annotations of the executions. */
  annotations?: Record<string, string>;
  /** Where executions write raw data (e.g. `s3://bucket/raw`). */
  rawOutputDataPrefix?: string;
  /** How many nodes of an execution may run at once (0: the platform's default). */
  maxParallelism?: number;
  /** Who executions run as, and the secrets they may read. */
  securityContext?: LaunchPlanSecurityContext;
  /** The older form of `securityContext.runAs` (flytekit's `AuthRole`); not combinable with `securityContext`. */
  authRole?: { iamRole?: string; k8sServiceAccount?: string };
  /** Run every task again instead of reading cached outputs. */
  overwriteCache?: boolean;
  /** At most `max` executions at once; further launches are skipped. */
  concurrency?: { max: number; behavior?: "SKIP" };
}

/** Options of a launch plan. */
export interface LaunchPlanOptions<I extends InputSpec> extends LaunchPlanSettings {
  /** The launch plan's name; the workflow's default launch plan shares the workflow's name. */
  name?: string;
  /** Defaults callers may override. */
  defaultInputs?: Partial<ValueInputsOf<I>>;
  /** Inputs fixed at these values; callers cannot pass them. */
  fixedInputs?: Partial<ValueInputsOf<I>>;
}

const SETTING_NAMES: readonly (keyof LaunchPlanSettings)[] = [
  "schedule",
  "notifications",
  "labels",
  "annotations",
  "rawOutputDataPrefix",
  "maxParallelism",
  "securityContext",
  "authRole",
  "overwriteCache",
  "concurrency",
];

/** Checked launch plan settings. */
export interface ResolvedLaunchPlanSettings {
  /** The settings that were given. */
  readonly given: readonly (keyof LaunchPlanSettings)[];
  readonly schedule: ResolvedSchedule | undefined;
  readonly notifications: readonly Notification[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly rawOutputDataPrefix: string;
  readonly maxParallelism: number;
  readonly securityContext: LaunchPlanSecurityContext | undefined;
  readonly overwriteCache: boolean;
  readonly concurrency: { readonly max: number; readonly behavior: "SKIP" } | undefined;
}

function stringMap(owner: string, what: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (v === null || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string"))
    throw new FlyteValidationError(`${owner}: ${what} must map names to strings, got ${JSON.stringify(v)}`);
  return { ...(v as Record<string, string>) };
}

function checkRunAs(owner: string, what: string, v: unknown): RunAs {
  const keys = ["iamRole", "k8sServiceAccount", "executionIdentity"];
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new FlyteValidationError(`${owner}: ${what} must be an object, got ${JSON.stringify(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (!keys.includes(k) || (x !== undefined && typeof x !== "string"))
      throw new FlyteValidationError(
        `${owner}: ${what}.${k} = ${JSON.stringify(x)} is not valid; ${what} takes strings ${keys.join(", ")}`,
      );
  }
  return v as RunAs;
}

/**
 * Checks launch plan settings with flytekit's rules, against the workflow's interface: a schedule's kickoff input
 * must be a `t.datetime` input, and every other input must have a value when the schedule fires.
 */
function resolveSettings(
  owner: string,
  o: LaunchPlanSettings,
  wf: Workflow<any, any>,
  launchInputs: Interface,
): ResolvedLaunchPlanSettings {
  const schedule = o.schedule === undefined ? undefined : resolveSchedule(owner, o.schedule);
  if (schedule?.kickoffTimeInput) {
    const k = schedule.kickoffTimeInput;
    const type = wf.interface.inputTypes[k];
    if (!type || !launchInputs.inputTypes[k])
      throw new FlyteValidationError(
        `${owner}: schedule.kickoffTimeInput names ${JSON.stringify(k)}, which is not an input of ${wf.name} that a launch can set`,
      );
    if (type.literalType.type.case !== "simple" || type.literalType.type.value !== t.datetime.literalType.type.value)
      throw new FlyteValidationError(
        `${owner}: schedule.kickoffTimeInput ${JSON.stringify(k)} is a ${type.name}; the kickoff time is a t.datetime`,
      );
  }
  if (schedule) {
    for (const [k, type] of launchInputs.inputs) {
      if (k === schedule.kickoffTimeInput || type.hasDefault || type.acceptsNone) continue;
      throw new FlyteValidationError(
        `${owner}: a scheduled launch plan needs a value for every input, and ${k} has no default; give it one in defaultInputs or fixedInputs`,
      );
    }
  }
  const maxParallelism = o.maxParallelism ?? 0;
  if (!Number.isInteger(maxParallelism) || maxParallelism < 0)
    throw new FlyteValidationError(`${owner}: maxParallelism = ${maxParallelism} is not a non-negative integer`);
  if (o.overwriteCache !== undefined && typeof o.overwriteCache !== "boolean")
    throw new FlyteValidationError(`${owner}: overwriteCache = ${JSON.stringify(o.overwriteCache)} is not a boolean`);
  const raw = o.rawOutputDataPrefix ?? "";
  if (typeof raw !== "string")
    throw new FlyteValidationError(`${owner}: rawOutputDataPrefix = ${JSON.stringify(raw)} is not a string`);
  let securityContext: LaunchPlanSecurityContext | undefined;
  if (o.authRole !== undefined) {
    if (o.securityContext !== undefined)
      throw new FlyteValidationError(
        `${owner}: authRole is the older form of securityContext.runAs; give one of them, not both`,
      );
    securityContext = { runAs: checkRunAs(owner, "authRole", o.authRole) };
  } else if (o.securityContext !== undefined) {
    const sc = o.securityContext as unknown;
    if (sc === null || typeof sc !== "object" || Array.isArray(sc))
      throw new FlyteValidationError(
        `${owner}: securityContext must be { runAs?, secrets? }, got ${JSON.stringify(sc)}`,
      );
    const extra = Object.keys(sc).filter((k) => k !== "runAs" && k !== "secrets");
    if (extra.length)
      throw new FlyteValidationError(`${owner}: securityContext has unknown field(s) ${extra.join(", ")}`);
    if (o.securityContext.runAs !== undefined) checkRunAs(owner, "securityContext.runAs", o.securityContext.runAs);
    for (const s of o.securityContext.secrets ?? []) {
      if (!s || typeof s !== "object" || typeof s.group !== "string" || !s.group)
        throw new FlyteValidationError(
          `${owner}: each secret of securityContext.secrets must be an object with a group, got ${JSON.stringify(s)}`,
        );
    }
    securityContext = o.securityContext;
  }
  let concurrency: ResolvedLaunchPlanSettings["concurrency"];
  if (o.concurrency !== undefined) {
    const c = o.concurrency as { max?: unknown; behavior?: unknown };
    if (!Number.isInteger(c.max) || (c.max as number) < 1 || (c.behavior !== undefined && c.behavior !== "SKIP"))
      throw new FlyteValidationError(
        `${owner}: concurrency must be { max, behavior?: "SKIP" } with max a positive integer, got ${JSON.stringify(c)}`,
      );
    concurrency = { max: c.max as number, behavior: "SKIP" };
  }
  return {
    given: SETTING_NAMES.filter((k) => o[k] !== undefined),
    schedule,
    notifications: o.notifications === undefined ? [] : checkNotifications(owner, o.notifications),
    labels: stringMap(owner, "labels", o.labels),
    annotations: stringMap(owner, "annotations", o.annotations),
    rawOutputDataPrefix: raw,
    maxParallelism,
    securityContext,
    overwriteCache: o.overwriteCache ?? false,
    concurrency,
  };
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
  /** Schedule, notifications, labels and the other settings of its executions. */
  readonly settings: ResolvedLaunchPlanSettings;

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
    const unknown = Object.keys(options).filter(
      (k) => !["name", "defaultInputs", "fixedInputs", ...SETTING_NAMES].includes(k),
    );
    if (unknown.length)
      throw new FlyteValidationError(
        `${owner}: unrecognized option(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; known options: name, defaultInputs, fixedInputs, ${SETTING_NAMES.join(", ")}`,
      );
    const given = SETTING_NAMES.filter((k) => options[k] !== undefined);
    if (!options.name && given.length)
      throw new FlyteValidationError(
        `${owner}: ${given.join(", ")} need a launch plan with a name of its own: the workflow's default launch plan has no other settings`,
      );
    this.settings = resolveSettings(owner, options, wf, this.interface);
  }

  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    for (const k of Object.keys(inputs.literals)) {
      if (Object.hasOwn(this.fixedInputs, k))
        throw new FlyteValidationError(`${this.name}: input ${k} is fixed and cannot be given`);
    }
    // A launch plan starts an execution of its own: its workflow's failure policy holds there, not the caller's.
    return withFailurePolicy(this.workflow.options.failurePolicy ?? "immediate", () =>
      this.workflow.executeLiterals(literalMap({ ...this.defaultInputs, ...inputs.literals, ...this.fixedInputs })),
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
 * export const hourly = launchPlan(report, {
 *   name: "hourly", schedule: { cron: "0 * * * *", kickoffTimeInput: "at" },
 *   notifications: [{ type: "slack", phases: ["FAILED"], recipients: ["oncall@acme.org"] }],
 * });
 */
export function launchPlan<
  I extends InputSpec,
  O extends OutputSpec,
  const F extends Partial<ValueInputsOf<I>> = {},
  const D extends Partial<ValueInputsOf<I>> = {},
>(
  wf: Workflow<I, O>,
  options: { name?: string; fixedInputs?: F; defaultInputs?: D } & LaunchPlanSettings = {},
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
