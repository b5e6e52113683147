/**
 * How a failure in the container becomes a Flyte `ContainerError`: its code, kind (recoverable or not), origin
 * (user or system) and message. The rules are flytekit's (`_dispatch_execute`), row by row:
 *
 * | failure | code | kind | origin |
 * |---|---|---|---|
 * | the task body threw `IgnoreOutputs` | (nothing is written) | | |
 * | the task body threw, and the cause chain holds a `FlyteRecoverableError` | the error's code | RECOVERABLE | USER |
 * | the task body threw anything else | the error's code, else `USER:<ErrorName>` | NON_RECOVERABLE | USER |
 * | the task could not be loaded (missing module or export, import failure) | `USER:TaskLoadError` | NON_RECOVERABLE | USER |
 * | an output is too large (over the limit, or over the offloading maximum) | `USER:OutputTooLargeError` | NON_RECOVERABLE | USER |
 * | input or output conversion failed (`FlyteTypeError` outside the task body): a wrong type, malformed msgpack, a missing blob, a map element that does not decode; the message names the task, the input and the file | `SYSTEM` | NON_RECOVERABLE (RECOVERABLE when a transient storage failure caused it) | SYSTEM |
 * | storage failed (`StorageError`); throttling and transient failures are recoverable | `SYSTEM` | by the error | SYSTEM |
 * | the task returned something that is neither a literal map nor a dynamic job | `UNKNOWN_OUTPUT` | RECOVERABLE | SYSTEM |
 * | anything else (a malformed `inputs.pb`, a bug) | `SYSTEM` | RECOVERABLE | SYSTEM |
 *
 * Two refinements over flytekit, both for failures a retry can fix: a recoverable `StorageError` (throttling) inside
 * the task body is still a SYSTEM error (flytekit#2287), and any failure after the pod was asked to stop (SIGTERM:
 * abort, preemption) is SYSTEM RECOVERABLE, so a preempted attempt is retried. The oversize rows are USER
 * NON_RECOVERABLE where flytekit raises a plain `ValueError` (SYSTEM RECOVERABLE, retried pointlessly: flyte#5725).
 */
import { mask } from "../deck/deck.js";
import { FlyteUserError } from "../errors.js";
import { isIgnoreOutputs } from "../core/ignore-outputs.js";

/** The task could not be loaded: its module or export is missing, or importing it failed. */
export class TaskLoadError extends FlyteUserError {}

/** An output literal is larger than what may be written (the outputs limit, or the offloading maximum). */
export class OutputTooLargeError extends FlyteUserError {}

/** A classified failure, ready to become an `ErrorDocument`. */
export interface ErrorReport {
  /** e.g. `USER:TypeError`, `SYSTEM`, `UNKNOWN_OUTPUT`. */
  readonly code: string;
  /** Whether Flyte may retry (`ContainerError.Kind.RECOVERABLE`). */
  readonly recoverable: boolean;
  /** Who is at fault. */
  readonly origin: "USER" | "SYSTEM";
  /** `Trace:` and `Message:` sections, secrets masked. */
  readonly message: string;
  /** When the failure happened (the error's own `timestamp` when it carries one). */
  readonly timestamp: Date;
}

/** The longest message written; the rest is cut (propeller keeps only the first 1024 characters anyway). */
const MAX_MESSAGE_CHARS = 64 * 1024;
const MAX_CHAIN = 16;

/** `e`, its `cause`, the cause's cause... (bounded, cycles cut). */
function* causeChain(e: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur !== undefined && cur !== null && !seen.has(cur) && seen.size < MAX_CHAIN) {
    seen.add(cur);
    yield cur;
    cur = (cur as { cause?: unknown }).cause;
  }
}

function field(e: unknown, name: string): unknown {
  return (typeof e === "object" && e !== null) || typeof e === "function"
    ? (e as Record<string, unknown>)[name]
    : undefined;
}

function nameOf(e: unknown): string {
  return e instanceof Error ? e.name : "RuntimeError";
}

/** The error (or a cause) the SDK raised because the task body threw: `TaskExecutionError`, from any SDK copy. */
function isTaskExecutionError(e: unknown): e is Error {
  return e instanceof Error && e.name === "TaskExecutionError";
}

/** A type-conversion failure (`FlyteTypeError`, from any SDK copy). */
function isTypeError(e: unknown): boolean {
  return e instanceof Error && e.name === "FlyteTypeError";
}

function isStorageError(e: unknown): boolean {
  return e instanceof Error && e.name === "StorageError" && typeof field(e, "recoverable") === "boolean";
}

/** `FlyteRecoverableError` or any error of the SDK's taxonomy marked as a recoverable user error. */
function isUserRecoverable(e: unknown): boolean {
  return field(e, "origin") === "USER" && field(e, "recoverable") === true;
}

/**
 * The code of a user error, like flytekit's `error_code`: an `errorCode` on the error or its class (string or
 * integer), else the code of an SDK error (`USER:Recoverable`...), else `USER:<ErrorName>` (`USER:RuntimeError` for
 * a thrown non-Error).
 */
function userErrorCode(e: unknown): string {
  const own = field(e, "errorCode") ?? field(field(e, "constructor"), "errorCode");
  if (typeof own === "string" || (typeof own === "number" && Number.isInteger(own))) return String(own);
  const code = field(e, "code");
  if (typeof code === "string" && typeof field(e, "origin") === "string") return code;
  return `USER:${nameOf(e)}`;
}

function summary(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (typeof e === "string") return `RuntimeError: ${e}`;
  try {
    return `RuntimeError: ${JSON.stringify(e) ?? String(e)}`;
  } catch {
    return `RuntimeError: ${String(e)}`;
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? l : `    ${l}`))
    .join("\n");
}

/**
 * flytekit's error text: `Trace:` (the stack of `e` and of each of its causes) and `Message:` (`<Name>: <message>` of
 * `e`, then of its causes), each indented by four spaces.
 */
function formatErrorMessage(e: unknown): string {
  const traces: string[] = [];
  const messages: string[] = [];
  for (const c of causeChain(e)) {
    const prefix = traces.length === 0 ? "" : "Caused by: ";
    traces.push(prefix + (c instanceof Error && typeof c.stack === "string" ? c.stack : summary(c)));
    messages.push(prefix + summary(c));
  }
  return `Trace:\n\n${indent(traces.join("\n"))}\n\nMessage:\n\n${indent(messages.join("\n"))}`;
}

function timestampOf(e: unknown): Date {
  const t = field(e, "timestamp");
  if (t instanceof Date && !Number.isNaN(t.getTime())) return t;
  if (typeof t === "number" && Number.isFinite(t)) return new Date(t * 1000);
  return new Date();
}

function report(
  code: string,
  recoverable: boolean,
  origin: "USER" | "SYSTEM",
  text: string,
  redact: ReadonlySet<string>,
  timestamp: Date,
): ErrorReport {
  let message = mask(text, redact);
  if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS)}\n... (truncated)`;
  return { code, recoverable, origin, message, timestamp };
}

/** Options of {@link classifyError}. */
export interface ClassifyOptions {
  /** Secret values to mask in the message. */
  readonly redact: ReadonlySet<string>;
  /** Whether the pod was asked to stop (SIGTERM) before the failure. */
  readonly terminated?: boolean;
}

/**
 * Classifies a failure (see the table at the top of this file). Returns `"ignore"` for `IgnoreOutputs` thrown by the
 * task body: then nothing at all must be written.
 *
 * @example
 * const r = classifyError(e, { redact: params.secrets.readValues });
 * if (r !== "ignore") console.error(r.code, r.recoverable);
 */
export function classifyError(e: unknown, opts: ClassifyOptions): ErrorReport | "ignore" {
  const { redact } = opts;
  if (isTaskExecutionError(e)) {
    const value = e.cause ?? e;
    if (isIgnoreOutputs(value)) return "ignore";
    const chain = [...causeChain(value)];
    const at = timestampOf(value);
    if (opts.terminated) {
      return report("SYSTEM", true, "SYSTEM", terminatedText(formatErrorMessage(value)), redact, at);
    }
    if (chain.some((c) => isStorageError(c) && field(c, "recoverable") === true)) {
      return report("SYSTEM", true, "SYSTEM", formatErrorMessage(value), redact, at);
    }
    const recoverable = chain.some(isUserRecoverable);
    return report(userErrorCode(value), recoverable, "USER", formatErrorMessage(value), redact, at);
  }
  const at = timestampOf(e);
  const text = formatErrorMessage(e);
  if (opts.terminated) return report("SYSTEM", true, "SYSTEM", terminatedText(text), redact, at);
  if (e instanceof TaskLoadError || e instanceof OutputTooLargeError) {
    return report(e.code, false, "USER", text, redact, at);
  }
  if (isTypeError(e)) {
    // Data that cannot be converted fails every retry; only a transient storage failure on the way is worth one.
    const transient = [...causeChain(e)].some((c) => isStorageError(c) && field(c, "recoverable") === true);
    return report("SYSTEM", transient, "SYSTEM", text, redact, at);
  }
  if (isStorageError(e)) return report("SYSTEM", field(e, "recoverable") === true, "SYSTEM", text, redact, at);
  return report("SYSTEM", true, "SYSTEM", text, redact, at);
}

function terminatedText(text: string): string {
  return `The task was asked to stop (SIGTERM) before it failed; reported as recoverable so that it is retried.\n\n${text}`;
}

/** The report for a task result that is neither a literal map nor a dynamic job spec. */
export function unknownOutputReport(result: unknown): ErrorReport {
  const what = field(result, "$typeName") ?? (result === null ? "null" : typeof result);
  return {
    code: "UNKNOWN_OUTPUT",
    recoverable: true,
    origin: "SYSTEM",
    message: `Type of output received not handled: ${String(what)}`,
    timestamp: new Date(),
  };
}
