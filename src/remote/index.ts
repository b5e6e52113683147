/**
 * flytekit-ts/remote: talk to a Flyte cluster. Clients of FlyteAdmin's gRPC services, platform configuration as
 * flytectl and pyflyte read it, and authentication as flytekit does it.
 *
 * @example
 * import { createAdminClients, loadPlatformConfig } from "flytekit-ts/remote";
 * const clients = createAdminClients(loadPlatformConfig());
 * console.log((await clients.admin.getVersion({})).controlPlaneVersion?.Version);
 *
 * @module
 */
export {
  createAdminClients,
  type AdminClients,
  type AdminClientConfig,
  type AdminClientOptions,
} from "./clients.js";
export {
  DEFAULT_ENDPOINT,
  findConfigFile,
  loadPlatformConfig,
  PLATFORM_DEFAULTS,
  storageS3Options,
  type AdminConnectionConfig,
  type AuthType,
  type LoadPlatformConfigOptions,
  type PlatformConfig,
  type PlatformConfigOverrides,
  type StorageConfig,
} from "./config.js";
export { resolveEndpoint, type AdminEndpoint } from "./endpoint.js";
export {
  FlyteAdminConnectionError,
  FlyteAdminUnavailableError,
  FlyteAuthenticationError,
  FlyteConfigError,
} from "./errors.js";
export {
  DEFAULT_ADMIN_RETRY_POLICY,
  unavailableRetryInterceptor,
  type AdminRetryEvent,
  type AdminRetryPolicy,
} from "./retry.js";
export {
  FlyteRemote,
  interfaceFromIdl,
  launchPlanInterface,
  type ExecuteOptions,
  type FetchOptions,
  type FetchedLaunchPlan,
  type FetchedTask,
  type FetchedWorkflow,
  type FlyteRemoteOptions,
  type ListExecutionsOptions,
  type RegisterOptions,
  type RegisteredEntity,
  type Registration,
  type Scope,
} from "./remote.js";
export {
  FlyteExecution,
  FlyteExecutionFailedError,
  type ExecutionProgress,
  type NodeProgress,
  type WaitOptions,
} from "./execution.js";
export {
  EagerLocalRunError,
  eagerTaskOf,
  runEagerLocally,
  type EagerLocalOptions,
  type EagerLocalResult,
} from "./eager-local.js";
export { executionFilters, type ExecutionFilters, type ExecutionPhaseName } from "./filters.js";
export { FlyteAdminError } from "./errors-admin.js";
export { typeFromLiteralType } from "../types/guess.js";
export {
  Authenticator,
  DEFAULT_REDIRECT_URI,
  type AuthOptions,
  type AuthSettings,
} from "./auth/authenticator.js";
export {
  defaultTokenCacheDir,
  FileTokenCache,
  MemoryTokenCache,
  type Credentials,
  type TokenCache,
} from "./auth/credentials.js";
export { discoverAuthServer, type AuthServerInfo } from "./auth/discovery.js";
export { authInterceptor } from "./auth/interceptor.js";
export { openInBrowser } from "./auth/pkce.js";
export { OAuthGrantError, type DeviceCodeInfo } from "./auth/token-endpoint.js";
export { connectRemote, type ConnectRemoteOptions } from "./connect.js";
