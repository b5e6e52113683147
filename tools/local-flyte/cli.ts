/**
 * `npm run flyte:up|flyte:down|flyte:status|flyte:logs -- [options]`: the local Flyte from the command line.
 *
 *   up      [--instance NAME | --state-dir DIR] [--datacatalog] [--auth] [--image-map FILE] [--python-images RE]
 *           [--max-pods N] [--no-build]   builds what is missing or stale (scripts/build-local-flyte.sh), then starts
 *           an instance; --max-pods: the kubelet stand-in runs at most N pods at once, the rest stay Pending (default
 *           0, no limit; `cores` for the machine's core count);
 *           with --auth FlyteAdmin requires OAuth2 tokens, issued by its own authorization server to the client in
 *           <state>/auth (client id flytepropeller, secret in <state>/auth/client_secret; <state>/config.yaml uses it)
 *   down    stops every process of the instance
 *   status  the parts, their process ids and endpoints
 *   logs    [PART ...] [-n LINES] [-f]   the parts' logs (flyte, kube-apiserver, etcd, kubelet, postgres, s3) and
 *           with `pods`, the pods' logs
 *
 * The instance defaults to $FLYTE_LOCAL_STATE when set, else `.flyte-local/default` in the checkout.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultStateDir, readEndpoints, repoRoot, startCluster, status, stopCluster } from "./cluster.js";

const usage = `usage: flyte-local up|down|status|logs [--instance NAME | --state-dir DIR] [options]
  up      --datacatalog  --auth  --image-map FILE  --python-images REGEX  --max-pods N|cores  --no-build
  logs    [PART ...] [-n LINES] [-f]   parts: flyte kube-apiserver etcd kubelet postgres s3 pods`;

function fail(msg: string): never {
  console.error(`flyte-local: ${msg}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      instance: { type: "string" },
      "state-dir": { type: "string" },
      datacatalog: { type: "boolean", default: false },
      auth: { type: "boolean", default: false },
      "image-map": { type: "string" },
      "python-images": { type: "string" },
      "max-pods": { type: "string" },
      "no-build": { type: "boolean", default: false },
      lines: { type: "string", short: "n", default: "40" },
      follow: { type: "boolean", short: "f", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(usage);
    return;
  }
  if (values.instance && values["state-dir"]) fail("--instance and --state-dir name the same thing: give one");
  const stateDir = values["state-dir"]
    ? resolve(values["state-dir"])
    : values.instance
      ? defaultStateDir(values.instance)
      : process.env.FLYTE_LOCAL_STATE
        ? resolve(process.env.FLYTE_LOCAL_STATE)
        : defaultStateDir();
  const log = (m: string) => console.error(`[flyte-local] ${m}`);

  switch (cmd) {
    case "up": {
      const maxPods = values["max-pods"];
      let maxRunningPods = 0;
      if (maxPods === "cores") maxRunningPods = availableParallelism();
      else if (maxPods !== undefined) {
        if (!/^\d+$/.test(maxPods)) fail(`--max-pods ${JSON.stringify(maxPods)}: expected a whole number or "cores"`);
        maxRunningPods = Number(maxPods);
      }
      if (!values["no-build"]) {
        const r = spawnSync("bash", [join(repoRoot, "scripts", "build-local-flyte.sh")], { stdio: "inherit" });
        if (r.status !== 0) fail("building the local Flyte failed (see above)");
      }
      const ep = await startCluster({
        stateDir,
        datacatalog: values.datacatalog,
        auth: values.auth,
        ...(values["image-map"] ? { imageMap: values["image-map"] } : {}),
        ...(values["python-images"] ? { pythonImages: values["python-images"] } : {}),
        maxRunningPods,
        log,
      });
      console.log(`Flyte is up (instance ${ep.instance}):
  admin gRPC      ${ep.adminEndpoint} (insecure${ep.auth ? ", OAuth2 required" : ""})
${
  ep.auth
    ? `  auth            client ${ep.auth.clientId}, secret in ${ep.auth.clientSecretPath}, token endpoint ${ep.auth.tokenEndpoint}
  user login      ${ep.auth.idpIssuer} (any user name)
`
    : ""
}  admin HTTP      ${ep.adminHttp}
  S3              ${ep.s3Endpoint} (bucket ${ep.bucket}, keys ${ep.s3AccessKeyId}/${ep.s3SecretAccessKey})
  kube-apiserver  ${ep.kubeApiServer} (kubeconfig ${ep.kubeconfig})
  pods at once    ${ep.maxRunningPods === 0 ? "no limit" : ep.maxRunningPods}
  config          ${ep.configPath}   (FLYTECTL_CONFIG=${ep.configPath})
  state           ${ep.stateDir} (logs in logs/, endpoints.json)
Stop it with: npm run flyte:down${stateDir === defaultStateDir() ? "" : ` -- --state-dir ${stateDir}`}`);
      return;
    }
    case "down":
      await stopCluster(stateDir, { log });
      log(`down (${stateDir}); nothing left running`);
      return;
    case "status": {
      const parts = status(stateDir);
      if (parts.length === 0) {
        console.log(`no instance in ${stateDir}`);
        process.exitCode = 3;
        return;
      }
      for (const p of parts)
        console.log(`${p.name.padEnd(15)} pid ${String(p.pid).padEnd(8)} ${p.alive ? "running" : "NOT RUNNING"}`);
      const ep = readEndpoints(stateDir);
      if (ep) console.log(JSON.stringify(ep, null, 2));
      if (parts.some((p) => !p.alive) || !ep) process.exitCode = 1;
      return;
    }
    case "logs": {
      const logDir = join(stateDir, "logs");
      if (!existsSync(logDir)) fail(`no logs in ${logDir}`);
      const files: string[] = [];
      const names = rest.length > 0 ? rest : readdirSync(logDir).map((f) => f.replace(/\.log$/, ""));
      for (const n of names) {
        if (n === "pods") {
          const podLogs = join(stateDir, "kubelet", "logs");
          if (existsSync(podLogs)) for (const f of readdirSync(podLogs).sort()) files.push(join(podLogs, f));
          continue;
        }
        const f = join(logDir, `${n}.log`);
        if (!existsSync(f)) fail(`no log for ${JSON.stringify(n)} in ${logDir}`);
        files.push(f);
      }
      if (!/^[0-9]+$/.test(values.lines)) fail(`-n expects a number of lines, got ${JSON.stringify(values.lines)}`);
      if (files.length === 0) return;
      const child = spawn("tail", ["-n", values.lines, ...(values.follow ? ["-F"] : []), "--", ...files], {
        stdio: "inherit",
      });
      await new Promise((r) => child.on("exit", r));
      return;
    }
    default:
      fail(`unknown command ${JSON.stringify(cmd)}\n${usage}`);
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
