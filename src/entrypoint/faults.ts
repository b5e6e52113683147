/**
 * Fault injection for crash tests: with `FLYTEKIT_TS_FAULT_AT=<step>`, the entrypoint kills itself with SIGKILL when it
 * reaches that step, as an OOM kill or a node loss would. Tests use it to prove that no crash point leaves a partially
 * readable `outputs.pb` behind.
 */

/** The steps at which a fault can be injected, in the order the entrypoint reaches them. */
export const FAULT_STEPS = [
  "after-load",
  "after-inputs",
  "after-execute",
  "after-raw-upload",
  "after-offload",
  "before-outputs",
] as const;

/** One of {@link FAULT_STEPS}. */
export type FaultStep = (typeof FAULT_STEPS)[number];

/** Kills the process when `FLYTEKIT_TS_FAULT_AT` names `step`. */
export function faultPoint(step: FaultStep): void {
  if (process.env.FLYTEKIT_TS_FAULT_AT === step) process.kill(process.pid, "SIGKILL");
}
