/**
 * A `FlyteRemote` from the platform configuration, found and read as pyflyte and flytectl do.
 */
import { resolve } from "node:path";
import { createAdminClients } from "./clients.js";
import { loadPlatformConfig } from "./config.js";
import { FlyteRemote } from "./remote.js";
import type { AdminRetryEvent } from "./retry.js";

/** Options of {@link connectRemote}. */
export interface ConnectRemoteOptions {
  /** A Flyte config file to read instead of the discovered one (`FLYTECTL_CONFIG`, else `~/.flyte/config.yaml`). */
  readonly configFile?: string;
  /** The default project (default `flytesnacks`, as pyflyte's). */
  readonly project?: string;
  /** The default domain (default `development`). */
  readonly domain?: string;
  /** The directory a relative config path is resolved against (default the working directory). */
  readonly cwd?: string;
  /** Told of each retry while the admin is unreachable. */
  readonly onRetry?: (event: AdminRetryEvent & { readonly endpoint: string }) => void;
}

/**
 * Reads the platform configuration (the config file, then `FLYTE_PLATFORM_*` and credential variables), connects to
 * its admin (authenticating as configured) and returns a `FlyteRemote` on it. The console URL is the config's
 * `console.endpoint`, else the admin's address.
 *
 * @example
 * const remote = await connectRemote({ project: "flytesnacks", domain: "development" });
 */
export async function connectRemote(opts: ConnectRemoteOptions = {}): Promise<FlyteRemote> {
  const config = loadPlatformConfig(
    opts.configFile === undefined ? {} : { configFile: resolve(opts.cwd ?? process.cwd(), opts.configFile) },
  );
  const onRetry = opts.onRetry;
  const clients = createAdminClients(config, {
    ...(onRetry ? { onRetry: (e: AdminRetryEvent) => onRetry({ ...e, endpoint: config.endpoint }) } : {}),
  });
  return new FlyteRemote({
    clients,
    project: opts.project ?? "flytesnacks",
    domain: opts.domain ?? "development",
    consoleEndpoint: config.consoleEndpoint ?? clients.endpoint.baseUrl,
  });
}
