// Shared helpers of the entrypoint unit tests: temp dirs, inputs.pb, decoding what the entrypoint wrote.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Task } from "../../../src/core/task.js";
import type { ExecuteArgs } from "../../../src/entrypoint/args.js";
import { type RunOptions, type RunResult, runContainerTask } from "../../../src/entrypoint/run.js";
import { type ErrorDocument, ErrorDocumentSchema } from "../../../src/idl/gen/flyteidl/core/errors_pb.js";
import { type Literal, type LiteralMap, LiteralMapSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../../src/idl/literals.js";

/** A fresh temporary directory. */
export function tmp(prefix = "ep-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `inputs.pb` holding `literals` into `dir` and returns its path. */
export function writeInputs(dir: string, literals: Record<string, Literal>): string {
  const path = join(dir, "inputs.pb");
  writeFileSync(path, toBinary(LiteralMapSchema, literalMap(literals)));
  return path;
}

/** Execute args for a run in `dir` (inputs at `dir/inputs.pb`, outputs under `dir/out`, raw data under `dir/raw`). */
export function argsIn(dir: string, overrides: Partial<ExecuteArgs> = {}): ExecuteArgs {
  return {
    inputs: join(dir, "inputs.pb"),
    outputPrefix: join(dir, "out"),
    rawOutputDataPrefix: join(dir, "raw"),
    checkpointPath: undefined,
    prevCheckpoint: undefined,
    dynamicAddlDistro: undefined,
    dynamicDestDir: undefined,
    resolver: "flytekit_ts.default_task_resolver",
    loaderArgs: ["task-module", "test", "task-name", "test"],
    test: false,
    ...overrides,
  };
}

/** Runs `task` in-process as the container would, with `inputs`, in a fresh directory. */
export async function runTask(
  task: Task | (() => Promise<Task>),
  inputs: Record<string, Literal> = {},
  opts: Partial<RunOptions> & { dir?: string } = {},
): Promise<{ dir: string; result: RunResult }> {
  const dir = opts.dir ?? tmp();
  writeInputs(dir, inputs);
  const result = await quiet(() =>
    runContainerTask({
      args: argsIn(dir),
      env: {},
      loadTask: typeof task === "function" && !("kind" in task) ? task : async () => task as Task,
      ...opts,
    }),
  );
  return { dir, result };
}

/** The files under `dir`, recursively, relative to it (sorted); [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath ?? (d as { path?: string }).path ?? "", d.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

/** Decodes an `error.pb`. */
export function readError(path: string): ErrorDocument {
  return fromBinary(ErrorDocumentSchema, readFileSync(path));
}

/** Decodes an `outputs.pb`. */
export function readOutputs(path: string): LiteralMap {
  return fromBinary(LiteralMapSchema, readFileSync(path));
}

/** Runs `fn` with stderr captured; returns its result. The captured text is in `captured.stderr`. */
export const captured = { stderr: "" };
export async function quiet<R>(fn: () => Promise<R>): Promise<R> {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured.stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stderr.write = write;
  }
}
