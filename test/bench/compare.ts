/**
 * `npm run bench -- --compare flytekit`: the same workloads in Python flytekit (the project venv, see
 * scripts/setup-oracles.sh) and flytekit-ts, run side by side on this machine, printed with their ratio.
 *
 * - in-process figures (per-task overhead, literal conversion): test/bench/py/flytekit_bench.py prints flytekit's as
 *   JSON; ours are the ones run.ts measured in the same run;
 * - entrypoint cold start: `pyflyte-execute` and `tsflyte-execute` as subprocesses on a trivial task, alternating, p50;
 * - packaging: `pyflyte package` and `tsflyte package` on a generated module of 1,000 tasks.
 *
 * The TypeScript task modules live in a throwaway project (package.json with `"type": "module"`, `flytekit-ts`
 * linked into node_modules), as a user's would.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";
import { readTarGz } from "../conformance/oracles.js";

const repo = join(import.meta.dirname, "..", "..");
const python = join(repo, ".venv", "bin", "python");
const pyBenchDir = join(repo, "test", "bench", "py");

/** One compared figure; `undefined` with a `note` when a side cannot be measured. */
export interface Comparison {
  name: string;
  unit: string;
  flytekit: number | undefined;
  ours: number | undefined;
  note?: string;
  /** The target, as the table prints it, and whether the figures meet it. */
  target?: string;
  targetMet?: (c: { flytekit?: number; ours?: number }) => boolean;
}

/** A target of at least `x` times faster than flytekit. */
function fasterBy(x: number): Pick<Comparison, "target" | "targetMet"> {
  return { target: `>= ${x}x`, targetMet: (c) => c.flytekit! / c.ours! >= x };
}

/** A target of at most `ms` for flytekit-ts. */
function under(ms: number): Pick<Comparison, "target" | "targetMet"> {
  return { target: `flytekit-ts < ${ms} ms`, targetMet: (c) => c.ours! < ms };
}

/** What run.ts measured in-process, in the same run. */
export interface OurFigures {
  perTaskUs: number;
  listToMs: number;
  listFromMs: number;
  structsToMs: number;
  structsFromMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function log(msg: string): void {
  process.stderr.write(`compare: ${msg}\n`);
}

/** Runs a process to completion and returns its wall time in ms; throws on a non-zero exit. */
function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? repo,
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return ms;
}

/** A throwaway TypeScript project that imports flytekit-ts like a user's project does. */
function userProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "bench-project", type: "module" })}\n`);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
  return dir;
}

/** flytekit's in-process figures (flytekit_bench.py). */
function flytekitInProcess(runs: number): Record<string, number | string> {
  log("flytekit in-process workloads (about 40 s: flytekit converts a 10^6-int list in tens of seconds)");
  const r = spawnSync(python, [join(pyBenchDir, "flytekit_bench.py"), String(runs)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) throw new Error(`flytekit_bench.py failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, number | string>;
}

interface ColdStartSides {
  py: number;
  /** The .ts module as its source, through tsx (a container running a project that was not packaged). */
  tsSource: number;
  /** The .ts module from a fast-registration bundle: compiled to JavaScript by `tsflyte package --fast`. */
  ts: number;
  js: number;
  node: number;
  python: number;
}

/** Wall time, and CPU time (user + system of the process): on a loaded machine the CPU time is the steadier one. */
type ColdStart = ColdStartSides & { cpu: ColdStartSides };

/**
 * Runs one command through test/bench/py/rusage.py: its wall time, spawn to reap, and its CPU time from the kernel's
 * accounting of the reaped process (Node cannot read a child's resource usage).
 */
function measured(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(python, [join(pyBenchDir, "rusage.py"), cmd, ...args], {
    cwd: opts.cwd ?? repo,
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
  });
  if (r.status !== 0) throw new Error(`rusage.py ${cmd} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout) as { wall_ms: number; cpu_ms: number; status: number; stderr: string };
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${out.status}):\n${out.stderr}`);
  return { ms: out.wall_ms, cpu: out.cpu_ms };
}

/**
 * Entrypoint cold start, process start to `outputs.pb` written, p50 of `runs` each, the sides alternating within each
 * round: `pyflyte-execute` on test/bench/py/trivial.py; `tsflyte-execute` on the same task as a `.ts` module packaged
 * for fast registration (`tsflyte package --fast`, the bundle unpacked as `tsflyte-fast-execute` unpacks it: the
 * container loads its compiled JavaScript), as the `.ts` source itself (through tsx) and as a `.js` module; and the
 * bare interpreters.
 */
function coldStart(runs: number): ColdStart {
  log(`entrypoint cold start, ${runs} rounds`);
  const project = userProject("bench-cold-");
  const body = `import { t, task } from "flytekit-ts";\n\nexport const echo = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);\n`;
  writeFileSync(join(project, "trivial_ts.ts"), body);
  writeFileSync(join(project, "trivial_js.js"), body);
  const inputs = join(project, "inputs.pb");
  writeFileSync(inputs, toBinary(LiteralMapSchema, literalMap({ a: t.int.toLiteral(1, NO_DATA) })));
  // The packaged project: `tsflyte package --fast`, its code bundle unpacked where the image's flytekit-ts is installed.
  const pkg = join(project, "pkg.tgz");
  timed(process.execPath, [join(repo, "bin", "tsflyte.js"), "package", "--fast", "-o", pkg, "trivial_ts.ts"], {
    cwd: project,
  });
  const bundle = readTarGz(pkg).find((e) => /^fast[0-9a-f]+\.tar\.gz$/.test(e.name));
  if (!bundle) throw new Error("tsflyte package --fast wrote no code bundle");
  const pod = join(project, "pod");
  mkdirSync(join(pod, "node_modules"), { recursive: true });
  symlinkSync(repo, join(pod, "node_modules", "flytekit-ts"), "dir");
  const bundleFile = join(project, bundle.name);
  writeFileSync(bundleFile, bundle.data);
  for (const e of readTarGz(bundleFile)) {
    mkdirSync(dirname(join(pod, e.name)), { recursive: true });
    writeFileSync(join(pod, e.name), e.data);
  }
  if (!existsSync(join(pod, "trivial_ts.js"))) throw new Error("the code bundle holds no compiled trivial_ts.js");
  const sides = ["py", "tsSource", "ts", "js", "node", "python"] as const;
  const samples = Object.fromEntries(sides.map((k) => [k, [] as number[]])) as Record<keyof ColdStartSides, number[]>;
  const cpuSamples = Object.fromEntries(sides.map((k) => [k, [] as number[]])) as Record<
    keyof ColdStartSides,
    number[]
  >;
  const record = (side: keyof ColdStartSides, m: { ms: number; cpu: number }) => {
    samples[side].push(m.ms);
    cpuSamples[side].push(m.cpu);
  };
  const io = (side: string, i: number) => {
    const out = join(project, "out", `${side}-${i}`);
    return ["--inputs", inputs, "--output-prefix", out, "--raw-output-data-prefix", join(project, "raw")];
  };
  const check = (side: string, i: number) => {
    if (!existsSync(join(project, "out", `${side}-${i}`, "outputs.pb"))) {
      throw new Error(`${side} wrote no outputs.pb in round ${i}`);
    }
  };
  const tsflyte = (module: string, side: string, i: number, root = project) =>
    measured(
      process.execPath,
      [
        join(repo, "bin", "tsflyte-execute.js"),
        ...io(side, i),
        "--resolver",
        "flytekit_ts.default_task_resolver",
        "--",
        "task-module",
        module,
        "task-name",
        "echo",
      ],
      { cwd: root, env: { FLYTE_PROJECT_ROOT: root } },
    );
  try {
    for (let i = 0; i < runs; i++) {
      record(
        "py",
        measured(
          join(dirname(python), "pyflyte-execute"),
          [
            ...io("py", i),
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
            "--",
            "task-module",
            "trivial",
            "task-name",
            "echo",
          ],
          { cwd: pyBenchDir, env: { PYTHONPATH: pyBenchDir } },
        ),
      );
      record("ts", tsflyte("trivial_ts", "ts", i, pod));
      record("tsSource", tsflyte("trivial_ts", "tsSource", i));
      record("js", tsflyte("trivial_js", "js", i));
      record("node", measured(process.execPath, ["-e", "0"]));
      record("python", measured(python, ["-c", "0"]));
      for (const side of ["py", "ts", "tsSource", "js"]) check(side, i);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  const medians = (from: Record<keyof ColdStartSides, number[]>) =>
    Object.fromEntries(sides.map((k) => [k, median(from[k])])) as unknown as ColdStartSides;
  return { ...medians(samples), cpu: medians(cpuSamples) };
}

function countEntities(archive: string): number {
  return readTarGz(archive).filter((e) => e.name.endsWith(".pb")).length;
}

/** The packaging workload: `tasks` int -> int tasks, workflows chaining `tasks / workflows` of them, a launch plan each. */
export interface PackagingWorkload {
  tasks: number;
  workflows: number;
}

/** The same module in Python (flytekit) and TypeScript (flytekit-ts). */
function packagingSources({ tasks, workflows }: PackagingWorkload): { py: string; ts: string } {
  const per = Math.floor(tasks / workflows);
  const py = ["from flytekit import LaunchPlan, task, workflow", ""];
  const ts = ['import { launchPlan, t, task, workflow } from "flytekit-ts";', ""];
  for (let i = 0; i < tasks; i++) {
    py.push("@task", `def t${i}(x: int) -> int:`, `    return x + ${i}`, "");
    ts.push(`export const t${i} = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + ${i});`);
  }
  for (let w = 0; w < workflows; w++) {
    const chain = Array.from({ length: per }, (_, k) => w * per + k);
    py.push("@workflow", `def w${w}(x: int) -> int:`, "    a = x");
    for (const k of chain) py.push(`    a = t${k}(x=a)`);
    py.push("    return a", "");
    py.push(`lp${w} = LaunchPlan.get_or_create(w${w}, name="gen.tasks.lp${w}", default_inputs={"x": ${w}})`, "");
    ts.push(
      `export const w${w} = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {`,
      "  let a = x;",
      ...chain.map((k) => `  a = t${k}({ x: a });`),
      "  return a;",
      "});",
      `export const lp${w} = launchPlan(w${w}, { name: "gen.tasks.lp${w}", defaultInputs: { x: ${w} } });`,
    );
  }
  return { py: `${py.join("\n")}\n`, ts: `${ts.join("\n")}\n` };
}

/**
 * Packaging the workload with `pyflyte package` and with `tsflyte package`, p50 of `runs` each, alternating; both
 * archives must hold the same number of entities (tasks, workflows, launch plans).
 */
function packaging(workload: PackagingWorkload, runs: number): { py: number; ts: number; entities: number } {
  log(`packaging ${workload.tasks} tasks, ${workload.workflows} workflows and launch plans, ${runs} rounds`);
  const pyDir = mkdtempSync(join(tmpdir(), "bench-pkg-py-"));
  const tsDir = userProject("bench-pkg-ts-");
  try {
    const src = packagingSources(workload);
    mkdirSync(join(pyDir, "gen"));
    writeFileSync(join(pyDir, "gen", "__init__.py"), "");
    writeFileSync(join(pyDir, "gen", "tasks.py"), src.py);
    mkdirSync(join(tsDir, "gen"));
    writeFileSync(join(tsDir, "gen", "tasks.ts"), src.ts);
    const pyOut = join(pyDir, "out.tgz");
    const tsOut = join(tsDir, "out.tgz");
    const py: number[] = [];
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) {
      py.push(
        timed(
          join(dirname(python), "pyflyte"),
          ["--pkgs", "gen", "package", "--image", "img:1", "-o", pyOut, "--force"],
          {
            cwd: pyDir,
          },
        ),
      );
      ts.push(
        timed(process.execPath, [join(repo, "bin", "tsflyte.js"), "package", "--image", "img:1", "-o", tsOut, "gen"], {
          cwd: tsDir,
        }),
      );
    }
    const entities = countEntities(tsOut);
    if (countEntities(pyOut) !== entities) {
      throw new Error(`pyflyte package wrote ${countEntities(pyOut)} entities, tsflyte package ${entities}`);
    }
    return { py: median(py), ts: median(ts), entities };
  } finally {
    rmSync(pyDir, { recursive: true, force: true });
    rmSync(tsDir, { recursive: true, force: true });
  }
}

/** Runs every comparison; `ours` holds the in-process figures run.ts measured in the same run. */
export function compareWithFlytekit(
  ours: OurFigures,
  opts: { coldRuns?: number; inProcessRuns?: number; packagingRuns?: number } = {},
) {
  if (!existsSync(python)) throw new Error(`${python} does not exist: run scripts/setup-oracles.sh first`);
  if (!existsSync(join(repo, "dist", "entrypoint", "execute.js"))) throw new Error("run `npm run build` first");
  const coldRuns = opts.coldRuns ?? 10;
  const fk = flytekitInProcess(opts.inProcessRuns ?? 3);
  const cold = coldStart(coldRuns);
  const pkg = packaging({ tasks: 1000, workflows: 100 }, opts.packagingRuns ?? 3);
  const num = (k: string) => fk[k] as number;
  const rows: Comparison[] = [
    {
      name: "per-task overhead, 1,000 sequential int -> int tasks",
      unit: "µs/task",
      flytekit: num("per_task_us"),
      ours: ours.perTaskUs,
    },
    // flytekit's figures stop at the Literal object; ours go on to the serialized bytes (and start from them).
    {
      name: "10^6-int list to literal (flytekit-ts: to serialized bytes)",
      unit: "ms",
      flytekit: num("list_to_ms"),
      ours: ours.listToMs,
      ...under(150),
    },
    {
      name: "10^6-int list from literal (flytekit-ts: from serialized bytes)",
      unit: "ms",
      flytekit: num("list_from_ms"),
      ours: ours.listFromMs,
      ...under(60),
    },
    {
      name: "10^4 ten-field dataclasses / structs to literals",
      unit: "ms",
      flytekit: num("structs_to_ms"),
      ours: ours.structsToMs,
    },
    {
      name: "10^4 ten-field dataclasses / structs from literals (flytekit-ts: from serialized bytes)",
      unit: "ms",
      flytekit: num("structs_from_ms"),
      ours: ours.structsFromMs,
      ...fasterBy(10),
    },
    {
      name: `entrypoint cold start, trivial task, .ts module packaged (compiled) (p50 of ${coldRuns})`,
      unit: "ms",
      flytekit: cold.py,
      ours: cold.ts,
    },
    {
      name: `entrypoint cold start, trivial task, .js module (p50 of ${coldRuns})`,
      unit: "ms",
      flytekit: cold.py,
      ours: cold.js,
    },
    {
      name: `entrypoint cold start, trivial task, .ts source through tsx, unpackaged (p50 of ${coldRuns})`,
      unit: "ms",
      flytekit: cold.py,
      ours: cold.tsSource,
    },
    {
      name: "bare interpreter start (`python -c 0` / `node -e 0`)",
      unit: "ms",
      flytekit: cold.python,
      ours: cold.node,
    },
    {
      name: `packaging 1,000 tasks, 100 workflows, 100 launch plans (${pkg.entities} entities)`,
      unit: "ms",
      flytekit: pkg.py,
      ours: pkg.ts,
    },
  ];
  // Cold start against the floor, node -e 0 measured in the same rounds (target: within 2x).
  const floor = (
    [
      [".ts module packaged (compiled)", "ts"],
      [".js module", "js"],
      [".ts source through tsx, unpackaged", "tsSource"],
    ] as const
  ).map(([name, k]) => ({
    name,
    ms: cold[k],
    ratio: cold[k] / cold.node,
    cpuMs: cold.cpu[k],
    cpuRatio: cold.cpu[k] / cold.cpu.node,
    pyCpuRatio: cold.cpu.py / cold.cpu[k],
  }));
  return {
    rows,
    floor,
    nodeMs: cold.node,
    nodeCpuMs: cold.cpu.node,
    pyCpuMs: cold.cpu.py,
    flytekit: String(fk.flytekit),
    python: String(fk.python),
  };
}
