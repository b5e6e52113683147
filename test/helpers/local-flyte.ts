/**
 * The local Flyte for tests (tools/local-flyte). The `cluster` suite of scripts/test.sh starts one instance and sets
 * FLYTE_LOCAL_STATE to its state directory; a test file run by hand brings up a private instance instead (building
 * what is missing) and stops it in `stop()`.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  type Endpoints,
  readEndpoints,
  repoRoot,
  startCluster,
  status,
  stopCluster,
} from "../../tools/local-flyte/cluster.js";

/** A running local Flyte. */
export interface LocalFlyte {
  /** FlyteAdmin gRPC `host:port` (plaintext). */
  readonly adminEndpoint: string;
  /** S3 endpoint URL; bucket `flyte`. */
  readonly s3Endpoint: string;
  /** flytectl/pyflyte config file of the instance. */
  readonly configPath: string;
  /** What every pod gets in its environment (S3 endpoint and keys, the admin endpoint). */
  readonly podEnv: Readonly<Record<string, string>>;
  /** Environment for a client process (pyflyte, the CLI): the config file, the admin endpoint, the S3 keys. */
  readonly clientEnv: Readonly<Record<string, string>>;
  /** Everything the instance wrote to endpoints.json. */
  readonly endpoints: Endpoints;
  /** The instance's state directory (logs, the kubelet's pods with their process ids). */
  readonly stateDir: string;
  /** Stops the instance if this process started it; a no-op for the suite's shared instance. */
  stop(): Promise<void>;
}

function wrap(endpoints: Endpoints, stateDir: string, stop: () => Promise<void>): LocalFlyte {
  return {
    stateDir,
    adminEndpoint: endpoints.adminEndpoint,
    s3Endpoint: endpoints.s3Endpoint,
    configPath: endpoints.configPath,
    podEnv: endpoints.podEnv,
    clientEnv: {
      ...endpoints.podEnv,
      FLYTECTL_CONFIG: endpoints.configPath,
    },
    endpoints,
    stop,
  };
}

/**
 * The suite's instance (FLYTE_LOCAL_STATE) when there is one, else a private instance started now (with DataCatalog
 * on when asked, and the kubelet stand-in's pod limit `maxRunningPods`) and stopped by `stop()`. With `auth`, always a private instance in auth mode (the suite's runs
 * without auth). Fails with the reason when the instance cannot be reached or started.
 */
export async function ensureLocalFlyte(
  opts: { datacatalog?: boolean; auth?: boolean; maxRunningPods?: number } = {},
): Promise<LocalFlyte> {
  const shared = opts.auth ? undefined : process.env.FLYTE_LOCAL_STATE;
  if (shared) {
    const ep = readEndpoints(shared);
    const down = status(shared).filter((p) => !p.alive);
    if (!ep || down.length > 0) {
      throw new Error(
        `FLYTE_LOCAL_STATE=${shared} names no running local Flyte` +
          (down.length > 0 ? ` (${down.map((p) => p.name).join(", ")} not running)` : "") +
          ": start it with npm run flyte:up -- --state-dir <dir>, or unset FLYTE_LOCAL_STATE",
      );
    }
    if (opts.datacatalog && !ep.datacatalogEndpoint) {
      throw new Error(`the local Flyte in ${shared} runs without DataCatalog: start it with --datacatalog`);
    }
    return wrap(ep, shared, async () => {});
  }
  const build = spawnSync("bash", [join(repoRoot, "scripts", "build-local-flyte.sh")], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("scripts/build-local-flyte.sh failed: the local Flyte cannot be built");
  const stateDir = join(repoRoot, ".flyte-local", `test-${process.pid}`);
  const ep = await startCluster({
    stateDir,
    datacatalog: opts.datacatalog === true,
    auth: opts.auth === true,
    ...(opts.maxRunningPods === undefined ? {} : { maxRunningPods: opts.maxRunningPods }),
    log: (m) => process.stderr.write(`[local-flyte] ${m}\n`),
  });
  return wrap(ep, stateDir, async () => {
    await stopCluster(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });
}
