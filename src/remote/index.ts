/**
 * flytekit-ts/remote: talk to a Flyte cluster. Clients of FlyteAdmin's gRPC services, platform configuration as
 * flytectl and pyflyte read it, and authentication as flytekit does it.
 *
 * @example
 * import { createAdminClients } from "flytekit-ts/remote";
 * const clients = createAdminClients({ endpoint: "dns:///localhost:30080", insecure: true });
 * console.log((await clients.admin.getVersion({})).controlPlaneVersion?.Version);
 *
 * @module
 */
export {
  createAdminClients,
  type AdminClients,
  type AdminClientOptions,
  type AdminConnectionConfig,
} from "./clients.js";
export { resolveEndpoint, type AdminEndpoint } from "./endpoint.js";
export { FlyteAdminUnavailableError, FlyteAuthenticationError, FlyteConfigError } from "./errors.js";
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
export { executionFilters, type ExecutionFilters, type ExecutionPhaseName } from "./filters.js";
export { FlyteAdminError } from "./errors-admin.js";
export { typeFromLiteralType } from "../types/guess.js";
