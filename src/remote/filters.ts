/**
 * FlyteAdmin list filters: `eq(phase,SUCCEEDED)+gte(execution_created_at,2024-01-01T00:00:00Z)`, built from a typed
 * object, with the values quoted the way admin's filter parser reads them.
 */
import { FlyteValidationError } from "../errors.js";
import { WorkflowExecution_Phase } from "../idl/gen/flyteidl/core/execution_pb.js";

/** An execution phase by name, as admin filters and the CLI spell it. */
export type ExecutionPhaseName = Exclude<keyof typeof WorkflowExecution_Phase, number>;

/** What {@link executionFilters} understands. Every field narrows the list; all are optional. */
export interface ExecutionFilters {
  /** Only executions in one of these phases. */
  readonly phase?: ExecutionPhaseName | readonly ExecutionPhaseName[];
  /** Only executions of this launch plan (or workflow: its default launch plan) name. */
  readonly launchPlan?: string;
  /** Only executions of this workflow name. */
  readonly workflow?: string;
  /** Only executions of this task name (single-task executions). */
  readonly task?: string;
  /** Only executions created at or after this time. */
  readonly createdAfter?: Date;
  /** Only executions created before this time. */
  readonly createdBefore?: Date;
  /** Admin filter expressions added as they are, e.g. `eq(execution_mode,0)`. */
  readonly raw?: readonly string[];
}

const NAME = /^[A-Za-z0-9_.-]+$/;

function phaseName(p: string): string {
  if (
    !Object.hasOwn(WorkflowExecution_Phase, p) ||
    typeof WorkflowExecution_Phase[p as ExecutionPhaseName] !== "number"
  )
    throw new FlyteValidationError(
      `unknown execution phase ${JSON.stringify(p)}; the phases are ${Object.keys(WorkflowExecution_Phase)
        .filter((k) => Number.isNaN(Number(k)))
        .join(", ")}`,
    );
  return p;
}

function entityName(field: string, v: string): string {
  if (!NAME.test(v))
    throw new FlyteValidationError(
      `${field} filter: ${JSON.stringify(v)} is not an entity name (letters, digits, _.-)`,
    );
  return v;
}

function time(field: string, d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw new FlyteValidationError(`${field} filter: expected a valid Date, got ${String(d)}`);
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The admin filter string of some execution filters (`+`-joined), empty when there are none.
 *
 * @example
 * executionFilters({ phase: ["FAILED", "ABORTED"], launchPlan: "app.wf" });
 * // "value_in(phase,FAILED;ABORTED)+eq(launch_plan.name,app.wf)"
 */
export function executionFilters(f: ExecutionFilters = {}): string {
  const out: string[] = [];
  if (f.phase !== undefined) {
    const phases = (typeof f.phase === "string" ? [f.phase] : [...f.phase]).map(phaseName);
    if (phases.length === 1) out.push(`eq(phase,${phases[0]})`);
    else if (phases.length > 1) out.push(`value_in(phase,${phases.join(";")})`);
  }
  if (f.launchPlan !== undefined) out.push(`eq(launch_plan.name,${entityName("launchPlan", f.launchPlan)})`);
  if (f.workflow !== undefined) out.push(`eq(workflow.name,${entityName("workflow", f.workflow)})`);
  if (f.task !== undefined) out.push(`eq(task.name,${entityName("task", f.task)})`);
  if (f.createdAfter !== undefined) out.push(`gte(execution_created_at,${time("createdAfter", f.createdAfter)})`);
  if (f.createdBefore !== undefined) out.push(`lt(execution_created_at,${time("createdBefore", f.createdBefore)})`);
  for (const r of f.raw ?? []) {
    if (!/^[a-z_]+\([^()]*\)$/.test(r))
      throw new FlyteValidationError(`raw filter ${JSON.stringify(r)}: expected an admin filter like eq(field,value)`);
    out.push(r);
  }
  return out.join("+");
}
