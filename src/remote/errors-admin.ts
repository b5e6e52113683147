/**
 * Errors answered by FlyteAdmin, turned into messages that name the entity and say what to do.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { FlyteError, FlyteUserError } from "../errors.js";

/**
 * An admin call failed with an answer from admin (not found, invalid, refused). The message names the operation and
 * the entity, quotes admin, and says what to do.
 *
 * @example
 * try { await remote.fetchTask("app.add", { version: "v9" }); } catch (e) { if (e instanceof FlyteAdminError) e.grpcCode; }
 */
export class FlyteAdminError extends FlyteUserError {
  /** The gRPC code admin answered with, by name (`NOT_FOUND`, `INVALID_ARGUMENT`…). */
  readonly grpcCode: string;

  constructor(message: string, code: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = "FlyteAdminError";
    this.grpcCode = code;
  }
}

/** The gRPC code name of a Connect code (`NOT_FOUND` for `Code.NotFound`). */
export function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

const HINTS: Partial<Record<Code, string>> = {
  [Code.NotFound]: "check the project, domain, name and version, or register it first (tsflyte register)",
  [Code.InvalidArgument]: "fix the request as admin says",
  [Code.PermissionDenied]: "the credentials in use may not do this; check the auth settings of the Flyte config",
  [Code.Unauthenticated]: "log in again or check the client id and secret of the Flyte config",
  [Code.FailedPrecondition]: "the entity is not in a state that allows this",
  [Code.ResourceExhausted]: "admin is overloaded or a quota is reached; retry later",
  [Code.DeadlineExceeded]: "admin did not answer in time; retry, or raise the timeout",
};

/**
 * Runs an admin call, rethrowing a `ConnectError` as a {@link FlyteAdminError} whose message reads
 * `<doing> <entity>: <admin's message> (<CODE>); <what to do>`. SDK errors (an unreachable admin) pass through.
 */
export async function adminCall<T>(doing: string, entity: string, call: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw asAdminError(e, doing, entity, hint);
  }
}

/** The {@link FlyteAdminError} for an error from an admin call (other errors are returned as they are). */
export function asAdminError(e: unknown, doing: string, entity: string, hint?: string): unknown {
  if (e instanceof FlyteError || !(e instanceof ConnectError)) return e;
  const what = hint ?? HINTS[e.code] ?? "see admin's message";
  return new FlyteAdminError(`${doing} ${entity}: ${e.rawMessage} (${codeName(e.code)}); ${what}`, codeName(e.code), {
    cause: e,
  });
}
