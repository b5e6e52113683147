/**
 * The Connect interceptor that puts the bearer token on admin calls and re-authenticates once on UNAUTHENTICATED.
 *
 * @module
 */

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { FlyteAuthenticationError } from "../errors.js";
import type { Authenticator } from "./authenticator.js";

/**
 * Adds `Bearer <token>` under the authorization metadata key to every call. When a unary call fails with
 * UNAUTHENTICATED, gets a new token (refresh, else the configured flow) and retries the call exactly once; a
 * second rejection becomes a `FlyteAuthenticationError`.
 *
 * @example
 * createGrpcTransport({ baseUrl, interceptors: [authInterceptor(authenticator)] });
 */
export function authInterceptor(auth: Authenticator, endpoint: string): Interceptor {
  return (next) => async (req) => {
    const first = await auth.authorization();
    if (first) req.header.set(first.key, first.value);
    try {
      return await next(req);
    } catch (err) {
      if (req.stream || !(err instanceof ConnectError) || err.code !== Code.Unauthenticated) throw err;
      if (first) req.header.delete(first.key);
      const fresh = await auth.reauthenticate(first?.accessToken);
      req.header.set(await auth.headerKey(), `Bearer ${fresh.accessToken}`);
      try {
        return await next(req);
      } catch (again) {
        if (again instanceof ConnectError && again.code === Code.Unauthenticated) {
          throw new FlyteAuthenticationError(
            endpoint,
            `the admin rejected a freshly obtained token (${again.rawMessage}); check the client's scopes and audience`,
            { cause: again },
          );
        }
        throw again;
      }
    }
  };
}
