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

interface ColdStart {
  py: number;
  ts: number;
  js: number;
  node: number;
  python: number;
}

/**
 * Entrypoint cold start, process start to `outputs.pb` written, p50 of `runs` each, the sides alternating within each
 * round: `pyflyte-execute` on test/bench/py/trivial.py, `tsflyte-execute` on the same task as a `.ts` module (loaded
 * through tsx) and as a `.js` module, and the bare interpreters.
 */
function coldStart(runs: number): ColdStart {
  log(`entrypoint cold start, ${runs} rounds`);
  const project = userProject("bench-cold-");
  const body = `import { t, task } from "flytekit-ts";\n\nexport const echo = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);\n`;
  writeFileSync(join(project, "trivial_ts.ts"), body);
  writeFileSync(join(project, "trivial_js.js"), body);
  const inputs = join(project, "inputs.pb");
  writeFileSync(inputs, toBinary(LiteralMapSchema, literalMap({ a: t.int.toLiteral(1, NO_DATA) })));
  const samples: Record<keyof ColdStart, number[]> = { py: [], ts: [], js: [], node: [], python: [] };
  const io = (side: string, i: number) => {
    const out = join(project, "out", `${side}-${i}`);
    return ["--inputs", inputs, "--output-prefix", out, "--raw-output-data-prefix", join(project, "raw")];
  };
  const check = (side: string, i: number) => {
    if (!existsSync(join(project, "out", `${side}-${i}`, "outputs.pb"))) {
      throw new Error(`${side} wrote no outputs.pb in round ${i}`);
    }
  };
  const tsflyte = (module: string, side: string, i: number) =>
    timed(
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
      { cwd: project, env: { FLYTE_PROJECT_ROOT: project } },
    );
  try {
    for (let i = 0; i < runs; i++) {
      samples.py.push(
        timed(
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
      samples.ts.push(tsflyte("trivial_ts", "ts", i));
      samples.js.push(tsflyte("trivial_js", "js", i));
      samples.node.push(timed(process.execPath, ["-e", "0"]));
      samples.python.push(timed(python, ["-c", "0"]));
      for (const side of ["py", "ts", "js"]) check(side, i);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  return {
    py: median(samples.py),
    ts: median(samples.ts),
    js: median(samples.js),
    node: median(samples.node),
    python: median(samples.python),
  };
}

/** Whether this checkout has `tsflyte package`. */
function tsflytePackageAvailable(): boolean {
  const r = spawnSync(process.execPath, [join(repo, "bin", "tsflyte.js"), "package", "--help"], { encoding: "utf8" });
  return r.status === 0;
}

function countEntities(archive: string): number {
  return readTarGz(archive).filter((e) => e.name.endsWith(".pb")).length;
}

/** Packaging `n` tasks with `pyflyte package` and with `tsflyte package` (undefined when it does not exist). */
function packaging(n: number): { py: number; ts: number | undefined } {
  log(`packaging ${n} tasks`);
  const pyDir = mkdtempSync(join(tmpdir(), "bench-pkg-py-"));
  const tsDir = userProject("bench-pkg-ts-");
  try {
    mkdirSync(join(pyDir, "gen"));
    writeFileSync(join(pyDir, "gen", "__init__.py"), "");
    const pyTasks = Array.from({ length: n }, (_, i) => `@task\ndef t${i}(x: int) -> int:\n    return x + ${i}\n`);
    writeFileSync(join(pyDir, "gen", "tasks.py"), `from flytekit import task\n\n\n${pyTasks.join("\n\n")}`);
    const pyOut = join(pyDir, "out.tgz");
    const py = timed(
      join(dirname(python), "pyflyte"),
      ["--pkgs", "gen", "package", "--image", "img:1", "-o", pyOut, "--force"],
      { cwd: pyDir },
    );
    if (countEntities(pyOut) !== n) throw new Error(`pyflyte package wrote ${countEntities(pyOut)} entities`);
    if (!tsflytePackageAvailable()) return { py, ts: undefined };
    mkdirSync(join(tsDir, "gen"));
    const tsTasks = Array.from(
      { length: n },
      (_, i) => `export const t${i} = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + ${i});`,
    );
    writeFileSync(join(tsDir, "gen", "tasks.ts"), `import { t, task } from "flytekit-ts";\n\n${tsTasks.join("\n")}\n`);
    const tsOut = join(tsDir, "out.tgz");
    const ts = timed(
      process.execPath,
      [join(repo, "bin", "tsflyte.js"), "package", "--image", "img:1", "-o", tsOut, "gen"],
      { cwd: tsDir },
    );
    if (countEntities(tsOut) !== n) throw new Error(`tsflyte package wrote ${countEntities(tsOut)} entities`);
    return { py, ts };
  } finally {
    rmSync(pyDir, { recursive: true, force: true });
    rmSync(tsDir, { recursive: true, force: true });
  }
}

/** Runs every comparison; `ours` holds the in-process figures run.ts measured in the same run. */
export function compareWithFlytekit(ours: OurFigures, opts: { coldRuns?: number; inProcessRuns?: number } = {}) {
  if (!existsSync(python)) throw new Error(`${python} does not exist: run scripts/setup-oracles.sh first`);
  if (!existsSync(join(repo, "dist", "entrypoint", "execute.js"))) throw new Error("run `npm run build` first");
  const coldRuns = opts.coldRuns ?? 10;
  const fk = flytekitInProcess(opts.inProcessRuns ?? 3);
  const cold = coldStart(coldRuns);
  const pkg = packaging(1000);
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
    },
    {
      name: "10^6-int list from literal (flytekit-ts: from serialized bytes)",
      unit: "ms",
      flytekit: num("list_from_ms"),
      ours: ours.listFromMs,
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
    },
    {
      name: `entrypoint cold start, trivial task, .ts module (p50 of ${coldRuns})`,
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
      name: "bare interpreter start (`python -c 0` / `node -e 0`)",
      unit: "ms",
      flytekit: cold.python,
      ours: cold.node,
    },
    pkg.ts === undefined
      ? {
          name: "packaging 1,000 tasks",
          unit: "ms",
          flytekit: pkg.py,
          ours: undefined,
          note: "n/a (tsflyte package not available)",
        }
      : { name: "packaging 1,000 tasks", unit: "ms", flytekit: pkg.py, ours: pkg.ts },
  ];
  return { rows, flytekit: String(fk.flytekit), python: String(fk.python) };
}
