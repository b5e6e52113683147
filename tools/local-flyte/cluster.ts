/**
 * The local Flyte: Flyte's own single binary (FlyteAdmin, FlytePropeller, DataCatalog) against a real Kubernetes API
 * server and etcd, Postgres and an S3 server, with the kubelet stand-in running pods as local processes. Every part
 * listens on 127.0.0.1 on ports chosen at start-up; an instance lives in its own state directory, so several can run
 * at once. `up` starts the processes detached (each in its own process group) and records them in the state
 * directory; `down` ends them from any process.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** The checkout this file belongs to. */
export const repoRoot = resolve(import.meta.dirname, "..", "..");

/** Where the build script puts the binaries. */
export const toolsBin = join(repoRoot, ".tools", "bin");

/** The S3 bucket of an instance; the metadata and raw data of executions live under it. */
export const BUCKET = "flyte";
/** s3rver's built-in account. */
export const S3_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
/** The seeded project. */
export const PROJECT = "flytesnacks";

/** Options of {@link startCluster}. */
export interface StartOptions {
  /** State directory of the instance (default `.flyte-local/<instance>` in the checkout). */
  readonly stateDir: string;
  /** Run DataCatalog and use it as propeller's catalog (task caching). Default: the noop catalog. */
  readonly datacatalog?: boolean;
  /** Extra image-to-runtime rules for the kubelet stand-in: a JSON file of `{"<image or glob>": "node" | "python"}`. */
  readonly imageMap?: string;
  /**
   * Regular expression of images that run with the Python venv (default `(^|/)(flytekit|python):`, which flytekit's and
   * Python's images match and flytekit-ts's do not).
   */
  readonly pythonImages?: string;
  /**
   * How many pods the kubelet stand-in runs at once (default 0: no limit). The others stay Pending, their containers
   * waiting with a message saying so, until a running pod ends, as on a node that is full. A value near the core count
   * keeps a thousand short pods from starving each other and the control plane of CPU; an eager parent holds a slot
   * while its children run, so a limit below the depth of nested eager calls plus one never finishes.
   */
  readonly maxRunningPods?: number;
  /**
   * Auth mode: FlyteAdmin requires a token on every call and issues them itself (its OAuth2 authorization server),
   * with a confidential client for the client-credentials grant whose secret is generated per instance; propeller
   * and pods use that client, and a local OpenID provider serves the admin's user login.
   */
  readonly auth?: boolean;
  /** Progress messages. */
  readonly log?: (msg: string) => void;
}

/** The OAuth2 side of an instance started in auth mode. */
export interface AuthEndpoints {
  /** The confidential client of FlyteAdmin's authorization server (client-credentials grant). */
  readonly clientId: string;
  /** File holding that client's secret (mode 0600). */
  readonly clientSecretPath: string;
  /** FlyteAdmin's token endpoint. */
  readonly tokenEndpoint: string;
  /** The OpenID provider FlyteAdmin's user login signs in against. */
  readonly idpIssuer: string;
}

/** What an instance offers, as written to `endpoints.json`. */
export interface Endpoints {
  readonly instance: string;
  readonly stateDir: string;
  /** FlyteAdmin gRPC, `host:port`, plaintext HTTP/2. */
  readonly adminEndpoint: string;
  /** FlyteAdmin HTTP (grpc-gateway, `/healthcheck`). */
  readonly adminHttp: string;
  /** S3 endpoint URL; bucket {@link BUCKET}, keys {@link S3_KEYS}. */
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  /** The Kubernetes API server URL and a kubeconfig for it. */
  readonly kubeApiServer: string;
  readonly kubeconfig: string;
  /** DataCatalog gRPC, when enabled. */
  readonly datacatalogEndpoint?: string;
  readonly postgresPort: number;
  /** A flytectl/pyflyte config file pointing at this admin. */
  readonly configPath: string;
  /** The environment every pod gets (S3 endpoint and keys, the admin endpoint). */
  readonly podEnv: Readonly<Record<string, string>>;
  readonly ports: Readonly<Record<string, number>>;
  /** Present when the instance runs in auth mode. */
  readonly auth?: AuthEndpoints;
  /** Pods the kubelet stand-in runs at once (0: no limit). */
  readonly maxRunningPods: number;
  /** The kubelet stand-in's record of every container that ran: one JSON object a line (see {@link ContainerRecord}). */
  readonly containerRecords: string;
  readonly startedAt: string;
}

/**
 * One container that ran on the kubelet stand-in, as it appends to `kubelet/containers.jsonl`: how long the pod waited
 * for a slot, how long its process ran, and the CPU the process and its children used.
 */
export interface ContainerRecord {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The pod's labels: Flyte's name the execution (`execution-id`), node and task. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly image: string;
  /** `node` or `python`: what the image ran as. */
  readonly runtime: string;
  readonly init: boolean;
  readonly exitCode: number;
  /** When the pod reached the node, when its process started and ended (RFC 3339). */
  readonly createdAt: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly waitSeconds: number;
  readonly wallSeconds: number;
  readonly userSeconds: number;
  readonly sysSeconds: number;
}

/** The containers an instance's kubelet stand-in has run so far. */
export function readContainerRecords(stateDir: string): ContainerRecord[] {
  const f = join(stateDir, "kubelet", "containers.jsonl");
  if (!existsSync(f)) return [];
  const out: ContainerRecord[] = [];
  for (const line of readFileSync(f, "utf8").split("\n")) {
    // The last line may be half-written while the kubelet appends to it.
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as ContainerRecord);
    } catch {
      // Skipped: a partial last line.
    }
  }
  return out;
}

interface ProcRecord {
  name: string;
  pid: number;
}

const PG_CONF = ["fsync=off", "full_page_writes=off", "synchronous_commit=off", "max_connections=200"];

/** Default state directory of an instance. */
export function defaultStateDir(instance = "default"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(instance)) {
    throw new Error(`instance name ${JSON.stringify(instance)}: expected letters, digits, '.', '_' or '-'`);
  }
  return join(repoRoot, ".flyte-local", instance);
}

/** Reads an instance's endpoints, or undefined when it has none. */
export function readEndpoints(stateDir: string): Endpoints | undefined {
  const f = join(stateDir, "endpoints.json");
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, "utf8")) as Endpoints;
}

function readProcs(stateDir: string): ProcRecord[] {
  const f = join(stateDir, "procs.json");
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as ProcRecord[]) : [];
}

function writeProcs(stateDir: string, procs: ProcRecord[]): void {
  writeFileSync(join(stateDir, "procs.json"), JSON.stringify(procs, null, 2));
}

/** Whether a process group (or process) still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The parts of an instance and whether each process group is alive. */
export function status(stateDir: string): { name: string; pid: number; alive: boolean }[] {
  return readProcs(stateDir).map((p) => ({ ...p, alive: alive(-p.pid) || alive(p.pid) }));
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET a URL on loopback; resolves with the status code, or 0 when nothing answers. */
function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((res) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      { method: "GET", headers, rejectUnauthorized: false, timeout: 2000 },
      (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => res(0));
    req.end();
  });
}

function requireBinary(file: string, hint: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${hint}`);
  return file;
}

/** The directory of Postgres's server binaries (initdb, postgres, pg_isready). */
export function postgresBinDir(): string {
  const fromEnv = process.env.LOCAL_FLYTE_PG_BIN;
  if (fromEnv)
    return requireBinary(join(fromEnv, "initdb"), "LOCAL_FLYTE_PG_BIN must name a directory with initdb") && fromEnv;
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(base, versions[0], "bin");
  }
  const r = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (r.status === 0 && existsSync(join(r.stdout.trim(), "initdb"))) return r.stdout.trim();
  throw new Error(
    "Postgres server binaries not found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir): " +
      "install them (Debian: apt-get install postgresql) or set LOCAL_FLYTE_PG_BIN",
  );
}

/** Runs as the postgres user when we are root (initdb and postgres refuse to run as root). */
function pgUser(): { uid: number; gid: number; wrap: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) {
    throw new Error(
      "running as root, Postgres needs an unprivileged user: create the 'postgres' user (Debian: apt-get install postgresql)",
    );
  }
  const uid = Number(r.stdout.trim());
  const gid = Number(g.stdout.trim());
  return { uid, gid, wrap: ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"] };
}

class Launcher {
  readonly procs: ProcRecord[];
  readonly exited = new Map<string, number | string>();
  readonly children = new Map<string, ChildProcess>();

  readonly stateDir: string;
  readonly log: (msg: string) => void;

  constructor(stateDir: string, log: (msg: string) => void) {
    this.stateDir = stateDir;
    this.log = log;
    this.procs = readProcs(stateDir);
  }

  /** Starts a detached process group with its output in logs/<name>.log. */
  start(name: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    const logFile = join(this.stateDir, "logs", `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? this.stateDir,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    this.exited.delete(name);
    child.on("exit", (code, signal) => this.exited.set(name, signal ?? code ?? "?"));
    child.on("error", (e) => this.exited.set(name, e.message));
    child.unref();
    this.children.set(name, child);
    const i = this.procs.findIndex((p) => p.name === name);
    if (i >= 0) this.procs.splice(i, 1);
    this.procs.push({ name, pid: child.pid });
    writeProcs(this.stateDir, this.procs);
    return child;
  }

  /** Polls `ready` until it holds; fails early when the process exited, naming its log. */
  async waitFor(name: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (await ready()) {
        this.log(`${name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        return;
      }
      const gone = this.exited.get(name);
      if (gone !== undefined) {
        throw new Error(`${name} exited (${gone}) before it was ready; see ${this.logTail(name)}`);
      }
      await sleep(200);
    }
    throw new Error(`${name} was not ready after ${timeoutMs / 1000}s; see ${this.logTail(name)}`);
  }

  logTail(name: string): string {
    const f = join(this.stateDir, "logs", `${name}.log`);
    const lines = existsSync(f) ? readFileSync(f, "utf8").trimEnd().split("\n").slice(-15) : [];
    return `${f}\n${lines.join("\n")}`;
  }
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Starts an instance in `opts.stateDir` and returns its endpoints once every part is ready. Fails (after stopping
 * what it started) when a part does not come up; an instance already running there is an error.
 */
export async function startCluster(opts: StartOptions): Promise<Endpoints> {
  const log = opts.log ?? (() => {});
  const stateDir = resolve(opts.stateDir);
  if (status(stateDir).some((p) => p.alive)) {
    throw new Error(`an instance is already running in ${stateDir}: stop it first (npm run flyte:down)`);
  }
  const maxRunningPods = opts.maxRunningPods ?? 0;
  if (!Number.isInteger(maxRunningPods) || maxRunningPods < 0) {
    throw new Error(`maxRunningPods must be a whole number, 0 for no limit, got ${maxRunningPods}`);
  }
  const bins = {
    flyte: requireBinary(join(toolsBin, "flyte"), "run scripts/build-local-flyte.sh"),
    apiserver: requireBinary(join(toolsBin, "kube-apiserver"), "run scripts/build-local-flyte.sh"),
    etcd: requireBinary(join(toolsBin, "etcd"), "run scripts/build-local-flyte.sh"),
    kubelet: requireBinary(join(toolsBin, "flyte-kubelet"), "run scripts/build-local-flyte.sh"),
  };
  const pgBin = postgresBinDir();
  if (!existsSync(join(repoRoot, "dist", "entrypoint", "execute.js"))) {
    throw new Error(`${join(repoRoot, "dist")} is not built: pods run bin/, which runs dist/ (npm run build)`);
  }

  rmSync(stateDir, { recursive: true, force: true });
  for (const d of ["logs", "etcd", "kube", "s3", "kubelet", "flyte"]) mkdirSync(join(stateDir, d), { recursive: true });
  const instance = stateDir.split("/").pop() ?? "default";
  const L = new Launcher(stateDir, log);
  const t0 = Date.now();

  try {
    const portNames = [
      "etcd",
      "etcdPeer",
      "apiserver",
      "postgres",
      "s3",
      "adminHttp",
      "adminGrpc",
      "catalogGrpc",
      "catalogHttp",
      "propellerProf",
      ...(opts.auth ? ["idp"] : []),
    ];
    const ports: Record<string, number> = {};
    for (const n of portNames) ports[n] = await freePort();
    const lo = "127.0.0.1";

    // Postgres: a private cluster. As root it runs as the postgres user, with its data outside the state
    // directory when that is not reachable for it (e.g. under /root).
    const pgu = pgUser();
    let pgData = join(stateDir, "postgres");
    if (pgu) {
      pgData = join(mkdtempSync(join(tmpdir(), `local-flyte-pg-${instance}-`)), "data");
      mkdirSync(pgData);
      chownSync(dirname(pgData), pgu.uid, pgu.gid);
      chownSync(pgData, pgu.uid, pgu.gid);
      writeFileSync(join(stateDir, "postgres-data"), dirname(pgData));
    }
    const pgCmd = (exe: string, args: string[]): [string, string[]] =>
      pgu ? [pgu.wrap[0], [...pgu.wrap.slice(1), join(pgBin, exe), ...args]] : [join(pgBin, exe), args];
    {
      const [c, a] = pgCmd("initdb", [
        "-D",
        pgData,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
        "--no-instructions",
      ]);
      const r = spawnSync(c, a, { encoding: "utf8", cwd: "/" });
      if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.stdout || r.error?.message}`);
    }
    {
      const args = [
        "-D",
        pgData,
        "-p",
        String(ports.postgres),
        "-c",
        `listen_addresses=${lo}`,
        "-c",
        "unix_socket_directories=",
      ];
      for (const c of PG_CONF) args.push("-c", c);
      const [c, a] = pgCmd("postgres", args);
      L.start("postgres", c, a, { cwd: "/" });
    }

    // etcd
    L.start("etcd", bins.etcd, [
      "--name=local",
      `--data-dir=${join(stateDir, "etcd")}`,
      `--listen-client-urls=http://${lo}:${ports.etcd}`,
      `--advertise-client-urls=http://${lo}:${ports.etcd}`,
      `--listen-peer-urls=http://${lo}:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://${lo}:${ports.etcdPeer}`,
      `--initial-cluster=local=http://${lo}:${ports.etcdPeer}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);

    // S3
    L.start("s3", process.execPath, ["--import", "tsx", join(import.meta.dirname, "s3-server.ts")], {
      env: {
        ...process.env,
        LOCAL_FLYTE_S3_PORT: String(ports.s3),
        LOCAL_FLYTE_S3_DIR: join(stateDir, "s3"),
        LOCAL_FLYTE_S3_BUCKET: BUCKET,
      },
      cwd: repoRoot,
    });

    const pgReady = () => {
      const r = spawnSync(join(pgBin, "pg_isready"), ["-h", lo, "-p", String(ports.postgres), "-U", "postgres", "-q"]);
      return Promise.resolve(r.status === 0);
    };
    await Promise.all([
      L.waitFor("postgres", pgReady, 60_000),
      L.waitFor("etcd", async () => (await httpStatus(`http://${lo}:${ports.etcd}/health`)) === 200, 60_000),
      L.waitFor("s3", async () => (await httpStatus(`http://${lo}:${ports.s3}/${BUCKET}`)) !== 0, 60_000),
    ]);

    // kube-apiserver
    const kubeDir = join(stateDir, "kube");
    const token = randomBytes(24).toString("hex");
    writeFileSync(join(kubeDir, "tokens.csv"), `${token},local-admin,local-admin,"system:masters"\n`, { mode: 0o600 });
    const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(kubeDir, "sa.key"), sa.privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    writeFileSync(join(kubeDir, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));
    const apiserver = `https://${lo}:${ports.apiserver}`;
    L.start("kube-apiserver", bins.apiserver, [
      `--etcd-servers=http://${lo}:${ports.etcd}`,
      `--bind-address=${lo}`,
      `--advertise-address=${lo}`,
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(kubeDir, "certs")}`,
      `--token-auth-file=${join(kubeDir, "tokens.csv")}`,
      "--authorization-mode=AlwaysAllow",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${join(kubeDir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(kubeDir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/24",
      "--disable-admission-plugins=ServiceAccount",
      "--enable-admission-plugins=NamespaceAutoProvision",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      "--v=0",
    ]);
    const kubeconfig = join(kubeDir, "kubeconfig.yaml");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: local",
        "  cluster:",
        `    server: ${apiserver}`,
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: local-admin",
        "  user:",
        `    token: ${token}`,
        "contexts:",
        "- name: local",
        "  context: {cluster: local, user: local-admin, namespace: default}",
        "current-context: local",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const auth = { Authorization: `Bearer ${token}` };
    await L.waitFor("kube-apiserver", async () => (await httpStatus(`${apiserver}/readyz`, auth)) === 200, 120_000);

    // The kubelet stand-in
    const venv = join(repoRoot, ".venv");
    const kubeletArgs = [
      `--kubeconfig=${kubeconfig}`,
      "--node-name=local-flyte",
      `--work-dir=${join(stateDir, "kubelet")}`,
      `--repo-root=${repoRoot}`,
      `--node=${process.execPath}`,
      `--venv=${existsSync(join(venv, "bin", "python")) ? venv : ""}`,
      `--python-images=${opts.pythonImages ?? "(^|/)(flytekit|python):"}`,
      `--max-running-pods=${maxRunningPods}`,
    ];
    if (opts.imageMap) kubeletArgs.push(`--image-map=${resolve(opts.imageMap)}`);
    L.start("kubelet", bins.kubelet, kubeletArgs);

    // The environment of every pod: storage and the admin endpoint (eager tasks talk to admin).
    const s3Endpoint = `http://${lo}:${ports.s3}`;
    const adminEndpoint = `${lo}:${ports.adminGrpc}`;
    const podEnv: Record<string, string> = {
      FLYTE_AWS_ENDPOINT: s3Endpoint,
      FLYTE_AWS_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
      FLYTE_AWS_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
      AWS_REGION: "us-east-1",
      FLYTE_PLATFORM_URL: adminEndpoint,
      FLYTE_PLATFORM_INSECURE: "true",
    };
    const oauth = opts.auth ? await authSetup(L, stateDir, lo, ports) : undefined;
    if (oauth) {
      podEnv.FLYTE_CREDENTIALS_AUTH_MODE = "client_credentials";
      podEnv.FLYTE_CREDENTIALS_CLIENT_ID = oauth.clientId;
      podEnv.FLYTE_CREDENTIALS_CLIENT_SECRET = oauth.clientSecret;
    }

    const flyteConfig = join(stateDir, "flyte", "config.yaml");
    writeFileSync(
      flyteConfig,
      flyteYaml({
        lo,
        ports,
        kubeconfig,
        s3Endpoint,
        podEnv,
        datacatalog: opts.datacatalog === true,
        ...(oauth ? { auth: oauth } : {}),
      }),
    );
    const flyteArgs = ["start", "--config", flyteConfig];
    const startFlyte = () => L.start("flyte", bins.flyte, flyteArgs, { cwd: join(stateDir, "flyte") });
    startFlyte();

    await L.waitFor("kubelet", async () => existsSync(join(stateDir, "kubelet", "ready")), 60_000);

    // Admin answers on its HTTP port once migrated and seeded; propeller creates the FlyteWorkflow CRD and serves
    // its health check. One start in a few panics in propeller's start-up on an unchanged config: retry once.
    const flyteReady = async () =>
      (await httpStatus(`http://${lo}:${ports.adminHttp}/healthcheck`)) === 200 &&
      (await httpStatus(`http://${lo}:${ports.propellerProf}/healthcheck`)) === 200 &&
      (await httpStatus(`${apiserver}/apis/flyte.lyft.com/v1alpha1`, auth)) === 200;
    try {
      await L.waitFor("flyte", flyteReady, 180_000);
    } catch (e) {
      log(`flyte: first start failed (${(e as Error).message.split("\n")[0]}); retrying once`);
      await stopProcess(L.procs.find((p) => p.name === "flyte")!, 3000);
      startFlyte();
      await L.waitFor("flyte", flyteReady, 180_000);
    }

    const configPath = join(stateDir, "config.yaml");
    writeFileSync(
      configPath,
      clientYaml({
        adminEndpoint,
        adminHttp: `http://${lo}:${ports.adminHttp}`,
        s3Endpoint,
        ...(oauth ? { auth: { clientId: oauth.clientId, clientSecretPath: oauth.clientSecretPath } } : {}),
      }),
    );

    const endpoints: Endpoints = {
      instance,
      stateDir,
      adminEndpoint,
      adminHttp: `http://${lo}:${ports.adminHttp}`,
      s3Endpoint,
      bucket: BUCKET,
      s3AccessKeyId: S3_KEYS.accessKeyId,
      s3SecretAccessKey: S3_KEYS.secretAccessKey,
      kubeApiServer: apiserver,
      kubeconfig,
      ...(opts.datacatalog ? { datacatalogEndpoint: `${lo}:${ports.catalogGrpc}` } : {}),
      postgresPort: ports.postgres,
      configPath,
      podEnv,
      ports,
      ...(oauth
        ? {
            auth: {
              clientId: oauth.clientId,
              clientSecretPath: oauth.clientSecretPath,
              tokenEndpoint: `http://${lo}:${ports.adminHttp}/oauth2/token`,
              idpIssuer: oauth.idpIssuer,
            },
          }
        : {}),
      maxRunningPods,
      containerRecords: join(stateDir, "kubelet", "containers.jsonl"),
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(stateDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
    log(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return endpoints;
  } catch (e) {
    await stopCluster(stateDir, { log });
    throw e;
  }
}

/** Ends one recorded process group: TERM, then KILL after `graceMs`. */
async function stopProcess(p: ProcRecord, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    for (const target of [-p.pid, p.pid]) {
      try {
        process.kill(target, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!alive(-p.pid) && !alive(p.pid)) return;
  signal("SIGTERM");
  const t0 = Date.now();
  while ((alive(-p.pid) || alive(p.pid)) && Date.now() - t0 < graceMs) await sleep(50);
  signal("SIGKILL");
  const t1 = Date.now();
  while ((alive(-p.pid) || alive(p.pid)) && Date.now() - t1 < 5000) await sleep(50);
}

/** Pods' process groups the kubelet recorded and may not have ended (if it was killed). */
function podGroups(stateDir: string): ProcRecord[] {
  const dir = join(stateDir, "kubelet", "pods");
  if (!existsSync(dir)) return [];
  const out: ProcRecord[] = [];
  for (const pod of readdirSync(dir)) {
    const podDir = join(dir, pod);
    if (!statSync(podDir).isDirectory()) continue;
    for (const f of readdirSync(podDir)) {
      const m = /^(.+)\.pid$/.exec(f);
      if (m) out.push({ name: `pod ${pod} ${m[1]}`, pid: Number(readFileSync(join(podDir, f), "utf8").trim()) });
    }
  }
  return out;
}

/**
 * Stops every process an instance started (the kubelet first, so it ends its pods; Flyte, which ignores TERM, is
 * killed after a grace period) and checks none is left. Removes Postgres's data directory when it lives outside the
 * state directory. Keeps the logs.
 */
export async function stopCluster(stateDir: string, opts: { log?: (msg: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  stateDir = resolve(stateDir);
  const procs = readProcs(stateDir);
  const kubelet = procs.filter((p) => p.name === "kubelet");
  for (const p of kubelet) await stopProcess(p, 8000);
  await Promise.all(podGroups(stateDir).map((g) => stopProcess(g, 2000)));
  // Flyte first (it ignores TERM alone), then the servers it used, together.
  for (const p of procs.filter((p) => p.name === "flyte")) await stopProcess(p, 2000);
  await Promise.all(procs.filter((p) => p.name !== "kubelet" && p.name !== "flyte").map((p) => stopProcess(p, 8000)));
  const left = [...procs, ...podGroups(stateDir)].filter((p) => alive(-p.pid) || alive(p.pid));
  if (left.length > 0) {
    throw new Error(`still running after stop: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
  }
  const pgOutside = join(stateDir, "postgres-data");
  if (existsSync(pgOutside)) {
    const dir = readFileSync(pgOutside, "utf8").trim();
    if (dir.startsWith(join(tmpdir(), "local-flyte-pg-"))) rmSync(dir, { recursive: true, force: true });
    rmSync(pgOutside);
  }
  rmSync(join(stateDir, "procs.json"), { force: true });
  rmSync(join(stateDir, "endpoints.json"), { force: true });
  if (procs.length > 0) log(`stopped ${procs.map((p) => p.name).join(", ")}`);
}

export interface FlyteYamlInput {
  lo: string;
  ports: Record<string, number>;
  kubeconfig: string;
  s3Endpoint: string;
  podEnv: Record<string, string>;
  datacatalog: boolean;
  auth?: AuthSetup;
}

/** What auth mode generated for an instance. */
interface AuthSetup {
  /** Directory of FlyteAdmin's secrets (the `secrets.secrets-prefix`). */
  secretsDir: string;
  clientId: string;
  clientSecret: string;
  clientSecretPath: string;
  /** bcrypt hash of the client secret, as the authorization server's static client holds it. */
  clientSecretHash: string;
  idpIssuer: string;
  /** FlyteAdmin's client at the OpenID provider. */
  idpClientId: string;
  adminHttp: string;
}

/** The confidential client of FlyteAdmin's authorization server in auth mode (the name propeller uses upstream). */
export const AUTH_CLIENT_ID = "flytepropeller";

/**
 * Generates auth mode's secrets in `<stateDir>/auth` (FlyteAdmin's cookie and claim keys, its token signing key, its
 * secret at the OpenID provider; the confidential client's secret) and starts the OpenID provider.
 */
async function authSetup(L: Launcher, stateDir: string, lo: string, ports: Record<string, number>): Promise<AuthSetup> {
  const dir = join(stateDir, "auth");
  const secretsDir = join(dir, "secrets");
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const put = (file: string, data: string) => writeFileSync(file, data, { mode: 0o600 });
  // The sizes and encodings FlyteAdmin's own `secret init` writes: raw (unpadded) base64 of random bytes.
  const b64 = (n: number) => randomBytes(n).toString("base64").replace(/=+$/, "");
  put(join(secretsDir, "claim_symmetric_key"), b64(32));
  put(join(secretsDir, "cookie_hash_key"), b64(64));
  put(join(secretsDir, "cookie_block_key"), b64(32));
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  put(join(secretsDir, "token_rsa_key.pem"), rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string);
  put(join(secretsDir, "oidc_client_secret"), randomBytes(24).toString("base64url"));
  const clientSecret = randomBytes(24).toString("base64url");
  const clientSecretPath = join(dir, "client_secret");
  put(clientSecretPath, clientSecret);
  // Loaded here so that an instance without auth needs no bcrypt.
  const { default: bcrypt } = await import("bcryptjs");
  const clientSecretHash = await bcrypt.hash(clientSecret, 10);

  const adminHttp = `http://${lo}:${ports.adminHttp}`;
  const idpIssuer = `http://${lo}:${ports.idp}`;
  const idpClientId = "flyteadmin";
  L.start("idp", process.execPath, ["--import", "tsx", join(import.meta.dirname, "idp-server.ts")], {
    env: {
      ...process.env,
      LOCAL_FLYTE_IDP_PORT: String(ports.idp),
      LOCAL_FLYTE_IDP_CLIENT_ID: idpClientId,
      LOCAL_FLYTE_IDP_CLIENT_SECRET_FILE: join(secretsDir, "oidc_client_secret"),
      LOCAL_FLYTE_IDP_REDIRECT_URI: `${adminHttp}/callback`,
    },
    cwd: repoRoot,
  });
  await L.waitFor(
    "idp",
    async () => (await httpStatus(`${idpIssuer}/.well-known/openid-configuration`)) === 200,
    60_000,
  );
  return {
    secretsDir,
    clientId: AUTH_CLIENT_ID,
    clientSecret,
    clientSecretPath,
    clientSecretHash,
    idpIssuer,
    idpClientId,
    adminHttp,
  };
}

/** The `auth` and `secrets` sections of the single binary in auth mode, and its admin client's credentials. */
function authYaml(a: AuthSetup): { server: string[]; admin: string[] } {
  const y = yamlString;
  return {
    admin: [
      "  authType: ClientSecret",
      `  clientId: ${y(a.clientId)}`,
      `  clientSecretLocation: ${y(a.clientSecretPath)}`,
      "  scopes: [all]",
    ],
    server: [
      "auth:",
      "  grpcAuthorizationHeader: flyte-authorization",
      "  httpAuthorizationHeader: flyte-authorization",
      // One public address: the issuer of the tokens and the audience every call is checked against.
      `  authorizedUris: [${y(a.adminHttp)}]`,
      "  userAuth:",
      `    redirectUrl: ${y(`${a.adminHttp}/console`)}`,
      "    openId:",
      `      baseUrl: ${y(a.idpIssuer)}`,
      `      clientId: ${y(a.idpClientId)}`,
      "      scopes: [openid, profile]",
      "  appAuth:",
      "    authServerType: Self",
      "    selfAuthServer:",
      `      issuer: ${y(a.adminHttp)}`,
      "      staticClients:",
      `        ${a.clientId}:`,
      `          id: ${y(a.clientId)}`,
      // fosite's client holds the secret's bcrypt hash as bytes: JSON (hence YAML) spells bytes in base64.
      `          client_secret: ${y(Buffer.from(a.clientSecretHash).toString("base64"))}`,
      "          redirect_uris: []",
      "          response_types: [token]",
      "          grant_types: [client_credentials, refresh_token]",
      "          scopes: [all, offline, access_token]",
      "        flytectl:",
      "          id: flytectl",
      "          redirect_uris: [http://localhost:53593/callback, http://localhost:12345/callback]",
      "          response_types: [code, token]",
      "          grant_types: [refresh_token, authorization_code]",
      "          scopes: [all, offline, access_token]",
      "          public: true",
      "secrets:",
      `  secrets-prefix: ${y(a.secretsDir)}`,
      "  env-prefix: LOCAL_FLYTE_ADMIN_SECRET_",
    ],
  };
}

/** The single binary's configuration. */
export function flyteYaml(i: FlyteYamlInput): string {
  const { lo, ports } = i;
  const y = yamlString;
  const auth = i.auth ? authYaml(i.auth) : undefined;
  return `${[
    "flyte:",
    "  admin:",
    "    disableClusterResourceManager: true",
    "    disableScheduler: true",
    `    seedProjects: [${PROJECT}]`,
    "  propeller:",
    "    disableWebhook: true",
    "  dataCatalog:",
    `    disabled: ${!i.datacatalog}`,
    "admin:",
    `  endpoint: dns:///${lo}:${ports.adminGrpc}`,
    "  insecure: true",
    ...(auth ? auth.admin : []),
    ...(auth ? auth.server : []),
    "server:",
    `  httpPort: ${ports.adminHttp}`,
    "  grpc:",
    `    port: ${ports.adminGrpc}`,
    "    serverReflection: true",
    `  kube-config: ${y(i.kubeconfig)}`,
    "  security:",
    "    secure: false",
    `    useAuth: ${auth !== undefined}`,
    "    allowCors: true",
    "    allowedOrigins: ['*']",
    "    allowedHeaders: [Content-Type, flyte-authorization]",
    "  dataProxy:",
    "    upload:",
    "      maxSize: 100Mi",
    "      maxExpiresIn: 1h",
    "      storagePrefix: uploads",
    "    download:",
    "      maxExpiresIn: 1h",
    "application:",
    `  grpcPort: ${ports.catalogGrpc}`,
    `  httpPort: ${ports.catalogHttp}`,
    "  grpcServerReflection: true",
    "catalog-cache:",
    ...(i.datacatalog
      ? ["  type: datacatalog", `  endpoint: ${lo}:${ports.catalogGrpc}`, "  insecure: true", "  use-admin-auth: false"]
      : ["  type: noop"]),
    "database:",
    "  postgres:",
    `    host: ${lo}`,
    `    port: ${ports.postgres}`,
    "    username: postgres",
    "    password: postgres",
    "    dbname: flyte",
    "    options: sslmode=disable",
    ...stowStorage(i.s3Endpoint, { v2Signing: false }),
    "remoteData:",
    "  region: us-east-1",
    "  scheme: local",
    "  signedUrls:",
    "    durationMinutes: 3",
    "propeller:",
    "  create-flyteworkflow-crd: true",
    `  kube-config: ${y(i.kubeconfig)}`,
    `  rawoutput-prefix: s3://${BUCKET}/data`,
    "  metadata-prefix: metadata/propeller",
    "  workers: 4",
    "  workflow-reeval-duration: 10s",
    "  downstream-eval-duration: 5s",
    "  limit-namespace: all",
    "  prof-port: " + ports.propellerProf,
    "  leader-election:",
    "    enabled: false",
    "  literal-offloading-config:",
    "    enabled: true",
    "tasks:",
    "  task-plugins:",
    "    enabled-plugins: [container, sidecar, k8s-array, echo]",
    "    default-for-task-types:",
    "      container: container",
    "      python-task: container",
    "      container_array: k8s-array",
    "plugins:",
    "  logs:",
    "    kubernetes-enabled: false",
    "    cloudwatch-enabled: false",
    "    stackdriver-enabled: false",
    "  k8s:",
    "    inject-finalizer: true",
    "    delete-resource-on-finalize: true",
    // A list of one-key maps, as upstream writes it: the config loader lowercases the keys of a plain map.
    "    default-env-vars:",
    ...Object.entries(i.podEnv).map(([k, v]) => `      - ${k}: ${y(v)}`),
    "  k8s-array:",
    "    logs:",
    "      config:",
    "        kubernetes-enabled: false",
    "task_resources:",
    "  defaults:",
    "    cpu: 100m",
    "    memory: 128Mi",
    "  limits:",
    "    cpu: 8",
    "    memory: 16Gi",
    "cluster_resources:",
    "  standaloneDeployment: false",
    "logger:",
    "  level: 3",
    "  show-source: false",
  ].join("\n")}\n`;
}

/**
 * The `storage:` section over the instance's S3 server, as the Flyte binary and the flytectl/pyflyte configuration
 * both write it; the server also pins `v2_signing` off.
 */
function stowStorage(s3Endpoint: string, opts: { v2Signing?: false } = {}): string[] {
  return [
    "storage:",
    "  type: stow",
    "  stow:",
    "    kind: s3",
    "    config:",
    "      region: us-east-1",
    "      disable_ssl: true",
    ...(opts.v2Signing === false ? ["      v2_signing: false"] : []),
    `      endpoint: ${s3Endpoint}`,
    "      auth_type: accesskey",
    `      access_key_id: ${S3_KEYS.accessKeyId}`,
    `      secret_key: ${S3_KEYS.secretAccessKey}`,
    `  container: ${BUCKET}`,
  ];
}

/** The flytectl/pyflyte configuration of an instance. */
function clientYaml(i: {
  adminEndpoint: string;
  adminHttp: string;
  s3Endpoint: string;
  auth?: { clientId: string; clientSecretPath: string };
}): string {
  const lines = ["admin:", `  endpoint: dns:///${i.adminEndpoint}`, "  insecure: true"];
  if (i.auth) {
    lines.push(
      "  authType: ClientSecret",
      `  clientId: ${yamlString(i.auth.clientId)}`,
      `  clientSecretLocation: ${yamlString(i.auth.clientSecretPath)}`,
      "  scopes: [all]",
    );
  }
  lines.push(
    "console:",
    `  endpoint: ${i.adminHttp}`,
    ...stowStorage(i.s3Endpoint),
    "  connection:",
    `    endpoint: ${i.s3Endpoint}`,
    `    access-key: ${S3_KEYS.accessKeyId}`,
    `    secret-key: ${S3_KEYS.secretAccessKey}`,
    "    disable-ssl: true",
    "    region: us-east-1",
    "logger:",
    "  level: 0",
  );
  return `${lines.join("\n")}\n`;
}
