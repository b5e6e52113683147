/**
 * `npm run bench -- --cluster`: eager on a real Flyte (the local Flyte of tools/local-flyte). One eager task launches
 * N children of a trivial task (test/bench/cluster/fanout.ts), and the same workload written with flytekit's `@eager`
 * (test/bench/py/eager_fanout.py, registered with pyflyte from the project's .venv) runs on the same Flyte in the same
 * run. Every figure is read from admin or from the kubelet stand-in's record of the processes it ran
 * (`kubelet/containers.jsonl`), not from either SDK's bookkeeping. Before the fan-outs, the run measures what bounds
 * them:
 *
 * - one pod's start cost alone: a trivial task of each SDK run by itself, its process's CPU (user + system) and wall
 *   time from start to exit as the stand-in recorded them; N children cost at least N times that CPU over the
 *   machine's cores, whatever launches them;
 * - launches alone: creates of the trivial task sent from this process through the same client call the eager
 *   controller makes, one at a time and with several windows of requests in flight, with the CPU every part of the
 *   local Flyte used per launch (FLYTEKIT_TS_BENCH_EAGER_LAUNCHES of them, default 200). The stand-in runs a few pods at once (its `maxRunningPods`), so the launches are
 *   measured with the pods held back; the executions are terminated afterwards.
 *
 * FLYTEKIT_TS_BENCH_EAGER_N sets N (default 1,000); FLYTEKIT_TS_BENCH_EAGER_PY_N sets flytekit's (default N; flytekit
 * launches at most 60 children a minute, so 1,000 take at least 16 minutes there). FLYTE_LOCAL_STATE names a running
 * instance to use (start it with `npm run flyte:up -- --max-pods K`); without it a private one is started with the
 * kubelet stand-in running FLYTEKIT_TS_BENCH_EAGER_PODS pods at once (default the core count plus one: the parent and
 * a child per core) and stopped at the end.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { enumName } from "../../src/idl/types.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { type FlyteExecution, isTerminal } from "../../src/remote/execution.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import { type ContainerRecord, readContainerRecords, status } from "../../tools/local-flyte/cluster.js";
import { labelledChildren } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");
const pyDir = join(import.meta.dirname, "py");
const clusterDir = join(import.meta.dirname, "cluster");

/** What one side's fan-out measured. */
export interface EagerClusterFigures {
  readonly sdk: string;
  readonly n: number;
  /** Children launched per second, from the first child's creation to the last's. */
  readonly launchesPerSecond: number;
  /** From the first child's creation to the end of the last child (s). */
  readonly allDoneSeconds: number;
  /** The parent execution from creation to its end (s), its pod's start included; NaN when it hung. */
  readonly parentSeconds: number;
  /** The parent kept running after its children had all ended, and was terminated. */
  readonly parentHung: boolean;
  /** The median duration of one child execution as admin records it (s): waiting for a pod slot and process start. */
  readonly childP50Seconds: number;
  /** The children's pod processes: CPU (user + system) summed, and the median of one (s). */
  readonly childCpuSumSeconds: number;
  readonly childCpuP50Seconds: number;
  /** The children's outputs summed, as the parent returned it (NaN when it hung). */
  readonly output: number;
}

/** One trivial task run alone: its pod's process as the kubelet stand-in recorded it (median of a few runs). */
export interface PodCost {
  readonly sdk: string;
  readonly runs: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** The execution's duration as admin records it (s). */
  readonly executionSeconds: number;
}

/** Launches of the trivial task from this process with `window` requests in flight. */
export interface LaunchFigures {
  readonly window: number;
  readonly count: number;
  readonly perSecond: number;
  /** One launch (create, then read back, as the eager controller does), median and 95th percentile (ms). */
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** CPU the local Flyte's parts used per launch (ms), by part (flyte is admin and propeller in one process). */
  readonly cpuMsPerLaunch: Readonly<Record<string, number>>;
}

/** Everything `npm run bench -- --cluster` measures. */
export interface EagerClusterResult {
  readonly cores: number;
  readonly maxRunningPods: number;
  readonly pods: readonly PodCost[];
  readonly launches: readonly LaunchFigures[];
  readonly ours: EagerClusterFigures;
  readonly flytekit?: EagerClusterFigures;
  readonly note?: string;
}

const ms = (t: { seconds: bigint; nanos: number } | undefined): number =>
  t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : Number.NaN;

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? Number.NaN;
}
const median = (xs: readonly number[]) => quantile(xs, 0.5);

const cpuOf = (r: ContainerRecord) => r.userSeconds + r.sysSeconds;

/** The stand-in's records of the pods of execution `name` (Flyte labels a pod with its execution's name). */
function podsOf(records: readonly ContainerRecord[], name: string): ContainerRecord[] {
  return records.filter((r) => r.labels?.["execution-id"] === name && !r.init);
}

/** CPU seconds used so far by every process in each of the instance's process groups (read from /proc). */
function partsCpu(stateDir: string): Record<string, number> {
  const groups = new Map(status(stateDir).map((p) => [p.pid, p.name]));
  const tick = 100; // USER_HZ: Linux reports times in hundredths of a second to user space
  const out: Record<string, number> = {};
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue; // the process ended meanwhile
    }
    // After the command (in parentheses, which may hold spaces): state, ppid, pgrp, ..., utime is the 12th field.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const part = groups.get(Number(f[2]));
    if (part === undefined) continue;
    out[part] = (out[part] ?? 0) + (Number(f[11]) + Number(f[12])) / tick;
  }
  return out;
}

/** Waits for an execution to end (at most an hour) and returns it as admin has it. */
async function ended(remote: FlyteRemote, parent: Execution, sdk: string): Promise<Execution> {
  const id = parent.id!;
  let ex = parent;
  const deadline = Date.now() + 60 * 60_000;
  while (!isTerminal(ex.closure?.phase ?? 0)) {
    if (Date.now() > deadline) throw new Error(`${sdk}: ${id.name} did not finish within an hour`);
    await sleep(2000);
    ex = await remote.clients.admin.getExecution({ id });
  }
  return ex;
}

/** Runs `task` alone `runs` times and reads its pod's process from the stand-in's record. */
async function podCost(
  flyte: LocalFlyte,
  remote: FlyteRemote,
  sdk: string,
  task: Entity,
  version: string | undefined,
  runs: number,
): Promise<PodCost> {
  const cpu: number[] = [];
  const wall: number[] = [];
  const exec: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ex = await remote.execute(task, { x: i } as never, version ? { version } : {});
    const done = await ended(remote, ex.execution, sdk);
    if (done.closure?.phase !== WorkflowExecution_Phase.SUCCEEDED)
      throw new Error(`${sdk}: ${ex.name} ended ${enumName(WorkflowExecution_Phase, done.closure?.phase ?? 0)}`);
    let pods: ContainerRecord[] = [];
    for (let t = 0; t < 50 && pods.length === 0; t++) {
      pods = podsOf(readContainerRecords(flyte.stateDir), ex.id.name);
      if (pods.length === 0) await sleep(100);
    }
    if (pods.length !== 1) throw new Error(`${sdk}: ${ex.id.name} ran ${pods.length} pods, expected 1`);
    cpu.push(cpuOf(pods[0]!));
    wall.push(pods[0]!.wallSeconds);
    exec.push(ms(done.closure?.duration) / 1000);
  }
  return { sdk, runs, cpuSeconds: median(cpu), wallSeconds: median(wall), executionSeconds: median(exec) };
}

/** Launches `count` executions of `task` with `window` in flight, then terminates them and waits until they end. */
async function launches(
  flyte: LocalFlyte,
  remote: FlyteRemote,
  task: Entity,
  version: string,
  count: number,
  window: number,
  offset: number,
): Promise<LaunchFigures> {
  const took: number[] = [];
  const made: FlyteExecution[] = [];
  let next = 0;
  const cpu0 = partsCpu(flyte.stateDir);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        made.push(await remote.execute(task, { x: offset + i } as never, { version }));
        took.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = partsCpu(flyte.stateDir);
  const cpuMsPerLaunch: Record<string, number> = {};
  for (const [part, s] of Object.entries(cpu1)) cpuMsPerLaunch[part] = ((s - (cpu0[part] ?? 0)) * 1000) / count;
  // Terminated (the finished ones refuse, which is fine), then waited for: the next measurement starts quiet.
  await Promise.all(made.map((e) => e.terminate("benchmark: launches measured").catch(() => {})));
  await Promise.all(made.map((e) => ended(remote, e.execution, "launch")));
  return {
    window,
    count,
    perSecond: count / seconds,
    p50Ms: median(took),
    p95Ms: quantile(took, 0.95),
    cpuMsPerLaunch,
  };
}

/**
 * Waits for the parent, then reads its children's times from admin and their processes from the stand-in. A parent
 * still running three minutes after its `n` children all ended is terminated and reported as hung (its children's
 * figures stand; they are read from admin): flytekit's eager poller was seen to stop that way on this admin.
 */
async function measure(
  flyte: LocalFlyte,
  remote: FlyteRemote,
  sdk: string,
  n: number,
  parent: Execution,
  childTask: string,
): Promise<EagerClusterFigures> {
  const id = parent.id!;
  const listKids = async () =>
    (await labelledChildren(remote, id.name, { createdAt: parent.closure?.createdAt })).filter(
      (k) => k.spec?.launchPlan?.name === childTask,
    );
  let ex = parent;
  let hung = false;
  let checked = Date.now();
  const deadline = Date.now() + 60 * 60_000;
  while (!isTerminal(ex.closure?.phase ?? 0)) {
    if (Date.now() > deadline) throw new Error(`${sdk}: ${id.name} did not finish within an hour`);
    await sleep(2000);
    ex = await remote.clients.admin.getExecution({ id });
    if (Date.now() - checked < 20_000) continue;
    checked = Date.now();
    const kids = await listKids();
    if (kids.length !== n || !kids.every((k) => isTerminal(k.closure?.phase ?? 0))) continue;
    if (Date.now() - Math.max(...kids.map((k) => ms(k.closure?.updatedAt))) < 180_000) continue;
    hung = true;
    await remote.clients.admin.terminateExecution({ id, cause: "benchmark: its children all ended 3 minutes ago" });
    break;
  }
  let output = Number.NaN;
  if (!hung) {
    const phase = enumName(WorkflowExecution_Phase, ex.closure!.phase);
    if (ex.closure!.phase !== WorkflowExecution_Phase.SUCCEEDED) {
      const r = ex.closure!.outputResult;
      throw new Error(`${sdk}: ${id.name} ended ${phase}${r.case === "error" ? `: ${r.value.message}` : ""}`);
    }
    output = Number(await (await remote.fetchExecution(id.name)).outputs());
    if (output !== (n * (n + 1)) / 2) throw new Error(`${sdk}: the sum is ${output}`);
  }
  const kids = await listKids();
  if (kids.length !== n) throw new Error(`${sdk}: ${id.name} has ${kids.length} children in admin, expected ${n}`);
  const failed = kids.filter((k) => k.closure?.phase !== WorkflowExecution_Phase.SUCCEEDED);
  if (failed.length > 0) throw new Error(`${sdk}: ${failed.length} children of ${id.name} did not succeed`);
  const created = kids.map((k) => ms(k.closure?.createdAt)).sort((a, b) => a - b);
  const endedAt = kids.map((k) => ms(k.closure?.updatedAt));
  const first = created[0]!;
  const last = created.at(-1)!;
  const records = readContainerRecords(flyte.stateDir);
  const cpu = kids.flatMap((k) => podsOf(records, k.id!.name).map(cpuOf));
  return {
    sdk,
    n,
    launchesPerSecond: n / Math.max((last - first) / 1000, 1e-3),
    allDoneSeconds: (Math.max(...endedAt) - first) / 1000,
    parentSeconds: hung ? Number.NaN : (ms(ex.closure?.updatedAt) - ms(ex.closure?.createdAt)) / 1000,
    parentHung: hung,
    childP50Seconds: median(kids.map((k) => ms(k.closure?.duration) / 1000)),
    childCpuSumSeconds: cpu.reduce((s, x) => s + x, 0),
    childCpuP50Seconds: median(cpu),
    output,
  };
}

/**
 * The TypeScript workload as a project of its own, as a user has it: fanout.ts, a package.json, and flytekit-ts in its
 * node_modules (linked to this checkout). Its code bundle, which every pod downloads and unpacks, holds that one module,
 * as flytekit's holds eager_fanout.py; registered from the repository root, it would carry the whole repository.
 */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "eager-bench-"));
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "eager-bench", private: true, type: "module" }, null, 2)}\n`,
  );
  copyFileSync(join(clusterDir, "fanout.ts"), join(dir, "fanout.ts"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
  return dir;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return v;
}

/** Measures the pod and launch floors, then runs the TypeScript and the flytekit fan-outs one after the other. */
export async function eagerClusterBench(): Promise<EagerClusterResult> {
  const env = process.env;
  const n = positiveInt("FLYTEKIT_TS_BENCH_EAGER_N", env.FLYTEKIT_TS_BENCH_EAGER_N, 1000);
  const pyN = positiveInt("FLYTEKIT_TS_BENCH_EAGER_PY_N", env.FLYTEKIT_TS_BENCH_EAGER_PY_N, n);
  const cores = availableParallelism();
  const pods = positiveInt("FLYTEKIT_TS_BENCH_EAGER_PODS", env.FLYTEKIT_TS_BENCH_EAGER_PODS, cores + 1);
  if (!existsSync(join(repo, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const flyte = await ensureLocalFlyte({ maxRunningPods: pods });
  const maxRunningPods = flyte.endpoints.maxRunningPods ?? 0;
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const remote = new FlyteRemote({
    clients: createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true }),
    project: "flytesnacks",
    domain: "development",
  });
  let project: string | undefined;
  try {
    if (maxRunningPods === 0)
      log(`the kubelet stand-in of ${flyte.stateDir} runs every pod at once: its pods compete with admin for CPU`);
    project = userProject();
    const { entities } = await loadEntities(join(project, "fanout.ts"), project);
    const fanout = entities.get("fanout") as Entity;
    const trivial = entities.get("trivial") as Entity;
    const reg = await remote.register([fanout, trivial], { root: project });
    log(`registered ${fanout.name} version ${reg.version}`);

    const pyflyte = join(repo, ".venv", "bin", "pyflyte");
    const pyVersion = `bench-${Date.now().toString(36)}`;
    const havePy = existsSync(pyflyte);
    if (havePy) {
      const r = spawnSync(
        pyflyte,
        [
          "--config",
          flyte.configPath,
          "register",
          "--project",
          "flytesnacks",
          "--domain",
          "development",
          "--version",
          pyVersion,
          "--image",
          "cr.flyte.org/flyteorg/flytekit:py3.11-latest",
          "eager_fanout.py",
        ],
        { cwd: pyDir, env: { ...env, ...flyte.clientEnv }, encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(`pyflyte register failed (${r.status}): ${r.stderr}\n${r.stdout}`);
      log(`registered eager_fanout.fanout version ${pyVersion}`);
    }
    const pyTrivial = havePy ? await remote.fetchTask("eager_fanout.trivial", { version: pyVersion }) : undefined;

    // One pod alone, each SDK in turn: the floor every child pays.
    const podRuns = 3;
    const podCosts: PodCost[] = [];
    podCosts.push(await podCost(flyte, remote, "flytekit-ts", trivial, reg.version, podRuns));
    if (pyTrivial) podCosts.push(await podCost(flyte, remote, "flytekit", pyTrivial as Entity, undefined, podRuns));
    log(`one pod alone: ${podCosts.map((p) => `${p.sdk} ${p.cpuSeconds.toFixed(2)} s CPU`).join(", ")}`);

    // Launches alone, the pods held back by the stand-in's slots.
    const launchFigures: LaunchFigures[] = [];
    let offset = 1_000_000;
    const burst = positiveInt("FLYTEKIT_TS_BENCH_EAGER_LAUNCHES", env.FLYTEKIT_TS_BENCH_EAGER_LAUNCHES, 200);
    for (const [window, count] of [
      [1, Math.min(20, burst)],
      [32, burst],
      [128, burst],
    ] as const) {
      const f = await launches(flyte, remote, trivial, reg.version, count, window, offset);
      offset += count;
      launchFigures.push(f);
      log(`launches, ${window} in flight: ${f.perSecond.toFixed(1)}/s, p50 ${f.p50Ms.toFixed(0)} ms`);
    }

    log(`launching ${n} children from flytekit-ts`);
    const ex = await remote.execute(fanout, { n } as never, { version: reg.version });
    const ours = await measure(flyte, remote, "flytekit-ts", n, ex.execution, trivial.name);
    const base = { cores, maxRunningPods, pods: podCosts, launches: launchFigures, ours };
    if (!havePy) return { ...base, note: "no .venv/bin/pyflyte: flytekit's side was not run" };

    log(`launching ${pyN} children from flytekit`);
    const pyTask = await remote.fetchTask("eager_fanout.fanout", { version: pyVersion });
    const pyEx = await remote.execute(pyTask, { n: pyN } as never);
    const flytekit = await measure(flyte, remote, "flytekit", pyN, pyEx.execution, "eager_fanout.trivial");
    return { ...base, flytekit };
  } finally {
    remote.clients.close();
    if (project) rmSync(project, { recursive: true, force: true });
    await flyte.stop();
  }
}

/** Prints the result as the tables of `npm run bench -- --cluster`. */
export function printEagerCluster(r: EagerClusterResult): void {
  const { ours, flytekit } = r;
  const f = (x: number | undefined, digits = 1) => (x === undefined ? "-" : x.toFixed(digits));
  const pods = r.maxRunningPods === 0 ? "no pod limit" : `${r.maxRunningPods} pods at once`;
  console.log(`\neager on the local Flyte (${r.cores} cores, kubelet stand-in: ${pods})\n`);

  console.log("one trivial task pod alone (median) | CPU user+sys (s) | process start to exit (s) | execution (s)");
  console.log("--- | --- | --- | ---");
  for (const p of r.pods)
    console.log(
      `${p.sdk} (${p.runs} runs) | ${f(p.cpuSeconds, 3)} | ${f(p.wallSeconds, 3)} | ${f(p.executionSeconds, 2)}`,
    );
  const podCpu = (sdk: string) => r.pods.find((p) => p.sdk === sdk)?.cpuSeconds;
  const floor = (sdk: string, n: number) => {
    const c = podCpu(sdk);
    return c === undefined ? undefined : (n * c) / r.cores;
  };

  console.log("\nlaunches alone, pods held back | per second | one launch p50 (ms) | p95 (ms) | CPU per launch (ms)");
  console.log("--- | --- | --- | --- | ---");
  for (const l of r.launches) {
    const cpu = Object.entries(l.cpuMsPerLaunch)
      .filter(([, v]) => v >= 0.5)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ");
    console.log(
      `${l.count} launches, ${l.window} in flight | ${f(l.perSecond)} | ${f(l.p50Ms, 0)} | ${f(l.p95Ms, 0)} | ${cpu}`,
    );
  }

  console.log(`\nfan-out: flytekit-ts ${ours.n} children, flytekit ${flytekit?.n ?? "-"} children\n`);
  console.log("figure | flytekit-ts | target | flytekit | ratio (flytekit-ts / flytekit)");
  console.log("--- | --- | --- | --- | ---");
  const line = (name: string, a: number, target: string, b: number | undefined, digits = 1) =>
    console.log(
      `${name} | ${f(a, digits)} | ${target} | ${f(b, digits)} | ${b === undefined ? "-" : `${(a / b).toFixed(2)}x`}`,
    );
  line(
    "launches per second (first to last child created)",
    ours.launchesPerSecond,
    ">= 100",
    flytekit?.launchesPerSecond,
  );
  line("all children done, from the first launch (s)", ours.allDoneSeconds, "< 30", flytekit?.allDoneSeconds);
  line(
    "  per child (ms)",
    (ours.allDoneSeconds * 1000) / ours.n,
    "-",
    flytekit ? (flytekit.allDoneSeconds * 1000) / flytekit.n : undefined,
    0,
  );
  line("parent execution, created to ended (s)", ours.parentSeconds, "-", flytekit?.parentSeconds);
  line("one child execution, median (s)", ours.childP50Seconds, "-", flytekit?.childP50Seconds, 2);
  line("one child's pod process CPU, median (s)", ours.childCpuP50Seconds, "-", flytekit?.childCpuP50Seconds, 3);
  line(
    "children's pod CPU / cores (s): the floor",
    ours.childCpuSumSeconds / r.cores,
    "-",
    flytekit ? flytekit.childCpuSumSeconds / r.cores : undefined,
  );
  const fo = floor("flytekit-ts", ours.n);
  const fp = flytekit ? floor("flytekit", flytekit.n) : undefined;
  if (fo !== undefined)
    console.log(
      `\nfloor from one pod alone: N x pod CPU / cores = ${ours.n} x ${f(podCpu("flytekit-ts"), 3)} s / ${r.cores} = ${f(fo)} s for flytekit-ts` +
        (fp !== undefined && flytekit
          ? `; ${flytekit.n} x ${f(podCpu("flytekit"), 3)} s / ${r.cores} = ${f(fp)} s for flytekit`
          : ""),
    );
  for (const side of [ours, flytekit])
    if (side?.parentHung)
      console.log(
        `\n${side.sdk}: the parent was still running 3 minutes after its ${side.n} children all succeeded, and was terminated`,
      );
  if (r.note) console.log(`\n${r.note}`);
}
