/**
 * `npm run bench -- --compare flytekit`: the same workloads in Python flytekit (the project venv) and flytekit-ts, run
 * side by side on this machine, printed with their ratio.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";

const repo = join(import.meta.dirname, "..", "..");
const python = join(repo, ".venv", "bin", "python");

/** One compared figure. */
export interface Comparison {
  name: string;
  unit: string;
  flytekit: number | undefined;
  ours: number | undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? repo, encoding: "utf8", env: { ...process.env, ...opts.env } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return ms;
}

/** Runs the flytekit side of the in-process workloads and returns its figures. */
function flytekitInProcess(): Record<string, number> {
  const r = spawnSync(python, [join(repo, "test", "bench", "py", "flytekit_bench.py")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`flytekit_bench.py failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

/** Entrypoint cold start, process start to outputs.pb, alternating the two sides; p50 of `runs` each. */
function coldStart(runs: number): { py: number; ts: number; node: number } {
  const dir = mkdtempSync(join(tmpdir(), "bench-cold-"));
  const inputs = join(dir, "inputs.pb");
  writeFileSync(inputs, toBinary(LiteralMapSchema, literalMap({ a: t.int.toLiteral(1, NO_DATA) })));
  const py: number[] = [];
  const ts: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const common = (side: string) => [
      "--inputs",
      inputs,
      "--output-prefix",
      join(dir, `${side}-${i}`),
      "--raw-output-data-prefix",
      join(dir, "raw"),
    ];
    py.push(
      run(
        join(dirname(python), "pyflyte-execute"),
        [
          ...common("py"),
          "--resolver",
          "flytekit.core.python_auto_container.default_task_resolver",
          "--",
          "task-module",
          "trivial",
          "task-name",
          "echo",
        ],
        {
          cwd: join(repo, "test", "bench", "py"),
          env: { PYTHONPATH: join(repo, "test", "bench", "py") },
        },
      ),
    );
    ts.push(
      run(
        process.execPath,
        [
          join(repo, "bin", "tsflyte-execute.js"),
          ...common("ts"),
          "--resolver",
          "flytekit_ts.default_task_resolver",
          "--",
          "task-module",
          "test.bench.fixtures.trivial",
          "task-name",
          "echo",
        ],
        {
          env: { FLYTE_PROJECT_ROOT: repo },
        },
      ),
    );
    bare.push(run(process.execPath, ["-e", "0"]));
  }
  rmSync(dir, { recursive: true, force: true });
  return { py: median(py), ts: median(ts), node: median(bare) };
}

/** Packaging 1,000 tasks with `pyflyte package` and `tsflyte package`. */
function packaging(n: number): { py: number; ts: number } {
  const pyDir = mkdtempSync(join(tmpdir(), "bench-pkg-py-"));
  mkdirSync(join(pyDir, "gen"));
  writeFileSync(join(pyDir, "gen", "__init__.py"), "");
  const pyTasks = Array.from({ length: n }, (_, i) => `@task\ndef t${i}(x: int) -> int:\n    return x + ${i}\n`).join(
    "\n",
  );
  writeFileSync(join(pyDir, "gen", "tasks.py"), `from flytekit import task\n\n${pyTasks}`);
  const py = run(
    join(dirname(python), "pyflyte"),
    ["--pkgs", "gen", "package", "--image", "img:1", "-o", join(pyDir, "out.tgz"), "--force"],
    { cwd: pyDir },
  );
  const tsDir = join(repo, "test", "bench", ".generated");
  mkdirSync(tsDir, { recursive: true });
  const tsTasks = Array.from(
    { length: n },
    (_, i) => `export const t${i} = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + ${i});`,
  ).join("\n");
  writeFileSync(join(tsDir, "tasks.ts"), `import { t, task } from "flytekit-ts";\n\n${tsTasks}\n`);
  const ts = run(process.execPath, [
    join(repo, "bin", "tsflyte.js"),
    "package",
    "--image",
    "img:1",
    "-o",
    join(tsDir, "out.tgz"),
    tsDir,
  ]);
  rmSync(pyDir, { recursive: true, force: true });
  rmSync(tsDir, { recursive: true, force: true });
  return { py, ts };
}

/** Runs every comparison; `ours` holds the in-process figures run.ts measured. */
export function compareWithFlytekit(ours: {
  perTaskUs: number;
  listToMs: number;
  listFromMs: number;
  structsMs: number;
}): Comparison[] {
  const fk = flytekitInProcess();
  const cold = coldStart(7);
  const pkg = packaging(1000);
  return [
    {
      name: "per-task overhead, 1,000 sequential tasks",
      unit: "µs/task",
      flytekit: fk.per_task_us,
      ours: ours.perTaskUs,
    },
    { name: "10^6-int list to literal", unit: "ms", flytekit: fk.list_to_ms, ours: ours.listToMs },
    { name: "10^6-int list from literal", unit: "ms", flytekit: fk.list_from_ms, ours: ours.listFromMs },
    {
      name: "10^4 ten-field dataclasses/structs to literals",
      unit: "ms",
      flytekit: fk.structs_ms,
      ours: ours.structsMs,
    },
    { name: "entrypoint cold start, trivial task (p50 of 7)", unit: "ms", flytekit: cold.py, ours: cold.ts },
    { name: "bare `node -e 0` (reference for the cold start)", unit: "ms", flytekit: undefined, ours: cold.node },
    { name: "packaging 1,000 tasks", unit: "ms", flytekit: pkg.py, ours: pkg.ts },
  ];
}
