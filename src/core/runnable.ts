/**
 * What the graph model, the local graph runner, node overrides and controllers need of a task, workflow or launch
 * plan. `Entity`
 * implements it; compiled nodes and the execution context see entities only through it, so they sit below
 * `entity.ts`, which builds nodes and reads the context.
 */
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";

/** Kinds of entities. */
export type EntityKind = "task" | "workflow" | "launch-plan";

/** A task, workflow or launch plan, as a node or a controller runs it. */
export interface Runnable {
  /** What it is. */
  readonly kind: EntityKind;
  /** The Flyte name. */
  readonly name: string;
  /** Runs on a literal map of inputs and resolves with the literal map of outputs. */
  executeLiterals(inputs: LiteralMap): Promise<LiteralMap>;
  /** Runs in-process with native inputs and resolves with native outputs. */
  localCall(inputs: Record<string, unknown>): Promise<unknown>;
}
