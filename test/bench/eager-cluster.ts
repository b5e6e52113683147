/**
 * `npm run bench -- --cluster`: eager on a real Flyte (the local Flyte of tools/local-flyte). One eager task launches
 * N children of a trivial task (test/bench/cluster/fanout.ts), and the same workload written with flytekit's `@eager`
 * (test/bench/py/eager_fanout.py, registered with pyflyte from the project's .venv) runs on the same Flyte in the same
 * run. Every figure is read from admin, not from either SDK's bookkeeping: the children's creation times (launch
 * rate), the time their last one ended, and each child's own duration (the floor set by a pod's process start on the
 * kubelet stand-in).
 *
 * FLYTEKIT_TS_BENCH_EAGER_N sets N (default 1,000); FLYTEKIT_TS_BENCH_EAGER_PY_N sets flytekit's (default N; flytekit
 * launches at most 60 children a minute, so 1,000 take at least 16 minutes there). FLYTE_LOCAL_STATE names a running
 * instance to use; without it a private one is started and stopped.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { enumName } from "../../src/idl/types.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";
import { isTerminal } from "../../src/remote/execution.js";
import { executionFilters } from "../../src/remote/filters.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import { ensureLocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");
const pyDir = join(import.meta.dirname, "py");

/** What one side measured. */
export interface EagerClusterFigures {
  readonly sdk: string;
  readonly n: number;
  /** Children launched per second, from the first child's creation to the last's. */
  readonly launchesPerSecond: number;
  /** From the first child's creation to the end of the last child (s). */
  readonly allDoneSeconds: number;
  /** The parent execution from creation to its end (s), its pod's start included. */
  readonly parentSeconds: number;
  /** The median duration of one child execution as admin records it (s): pod scheduling and process start. */
  readonly childP50Seconds: number;
  /** The children's outputs summed (checks the run). */
  readonly output: number;
}

const ms = (t: { seconds: bigint; nanos: number } | undefined): number =>
  t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : Number.NaN;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Every execution of `task` in flytesnacks/development tagged as a child of `parent`, paging through admin. */
async function childrenOf(remote: FlyteRemote, task: string, parent: string): Promise<Execution[]> {
  const out: Execution[] = [];
  let token = "";
  do {
    const res = await remote.clients.admin.listExecutions({
      id: { project: remote.project, domain: remote.domain },
      limit: 500,
      token,
      filters: executionFilters({ task }),
    });
    for (const e of res.executions) if (e.spec?.labels?.values[EAGER_EXEC_LABEL] === parent) out.push(e);
    token = res.token;
  } while (token);
  return out;
}

/** Waits for the parent, then reads its children's times from admin. */
async function measure(
  remote: FlyteRemote,
  sdk: string,
  n: number,
  parent: Execution,
  childTask: string,
): Promise<EagerClusterFigures> {
  const id = parent.id!;
  let ex = parent;
  const deadline = Date.now() + 60 * 60_000;
  while (!isTerminal(ex.closure?.phase ?? 0)) {
    if (Date.now() > deadline) throw new Error(`${sdk}: ${id.name} did not finish within an hour`);
    await new Promise((r) => setTimeout(r, 2000));
    ex = await remote.clients.admin.getExecution({ id });
  }
  const phase = enumName(WorkflowExecution_Phase, ex.closure!.phase);
  if (ex.closure!.phase !== WorkflowExecution_Phase.SUCCEEDED) {
    const r = ex.closure!.outputResult;
    throw new Error(`${sdk}: ${id.name} ended ${phase}${r.case === "error" ? `: ${r.value.message}` : ""}`);
  }
  const fetched = await remote.fetchExecution(id.name);
  const output = Number(await fetched.outputs());
  const kids = await childrenOf(remote, childTask, id.name);
  if (kids.length !== n) throw new Error(`${sdk}: ${id.name} has ${kids.length} children in admin, expected ${n}`);
  const created = kids.map((k) => ms(k.closure?.createdAt)).sort((a, b) => a - b);
  const ended = kids.map((k) => ms(k.closure?.updatedAt));
  const first = created[0]!;
  const last = created.at(-1)!;
  return {
    sdk,
    n,
    launchesPerSecond: n / Math.max((last - first) / 1000, 1e-3),
    allDoneSeconds: (Math.max(...ended) - first) / 1000,
    parentSeconds: (ms(ex.closure?.updatedAt) - ms(ex.closure?.createdAt)) / 1000,
    childP50Seconds: median(kids.map((k) => ms(k.closure?.duration) / 1000)),
    output,
  };
}

/** Runs the TypeScript and the flytekit workloads on the local Flyte, one after the other. */
export async function eagerClusterBench(): Promise<{
  ours: EagerClusterFigures;
  flytekit?: EagerClusterFigures;
  note?: string;
}> {
  const n = Number(process.env.FLYTEKIT_TS_BENCH_EAGER_N ?? 1000);
  const pyN = Number(process.env.FLYTEKIT_TS_BENCH_EAGER_PY_N ?? n);
  for (const [k, v] of [
    ["FLYTEKIT_TS_BENCH_EAGER_N", n],
    ["FLYTEKIT_TS_BENCH_EAGER_PY_N", pyN],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
  if (!existsSync(join(repo, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const flyte = await ensureLocalFlyte();
  const remote = new FlyteRemote({
    clients: createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true }),
    project: "flytesnacks",
    domain: "development",
  });
  try {
    const { entities } = await loadEntities(join(repo, "test", "bench", "cluster", "fanout.ts"), repo);
    const fanout = entities.get("fanout") as Entity;
    const trivial = entities.get("trivial") as Entity;
    const reg = await remote.register([fanout, trivial], { root: repo });
    process.stderr.write(`[bench] registered ${fanout.name} version ${reg.version}; launching ${n} children\n`);
    const ex = await remote.execute(fanout, { n } as never, { version: reg.version });
    const ours = await measure(remote, "flytekit-ts", n, ex.execution, trivial.name);
    if (ours.output !== (n * (n + 1)) / 2) throw new Error(`flytekit-ts: the sum is ${ours.output}`);

    const pyflyte = join(repo, ".venv", "bin", "pyflyte");
    if (!existsSync(pyflyte)) return { ours, note: "no .venv/bin/pyflyte: flytekit's side was not run" };
    const version = `bench-${Date.now().toString(36)}`;
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
        version,
        "--image",
        "cr.flyte.org/flyteorg/flytekit:py3.11-latest",
        "eager_fanout.py",
      ],
      { cwd: pyDir, env: { ...process.env, ...flyte.clientEnv }, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`pyflyte register failed (${r.status}): ${r.stderr}\n${r.stdout}`);
    process.stderr.write(`[bench] registered eager_fanout.fanout version ${version}; launching ${pyN} children\n`);
    const pyTask = await remote.fetchTask("eager_fanout.fanout", { version });
    const pyEx = await remote.execute(pyTask, { n: pyN } as never);
    const flytekit = await measure(remote, "flytekit", pyN, pyEx.execution, "eager_fanout.trivial");
    if (flytekit.output !== (pyN * (pyN + 1)) / 2) throw new Error(`flytekit: the sum is ${flytekit.output}`);
    return { ours, flytekit };
  } finally {
    remote.clients.close();
    await flyte.stop();
  }
}
