/**
 * Raw container tasks: any image and command, with inputs and outputs passed through files as Flyte's raw-container
 * data loading describes them (the twin of flytekit's `ContainerTask`). On a cluster, Flyte's copilot writes the
 * inputs into `inputDataDir` and collects the outputs from `outputDataDir`; locally the task runs with docker or
 * podman, with the same directories mounted.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { BlobValueType, FlyteBlob } from "../types/blob.js";
import { BoolType, DatetimeType, DurationType, FloatType, IntType, StrType } from "../types/primitives.js";
import type { AnyType } from "../types/type.js";
import { currentContext } from "./context.js";
import { type Callable, makeCallable } from "./entity.js";
import { InstanceTask } from "./instance-task.js";
import type { InputSpec } from "./interface.js";
import type { TaskOptions } from "./task.js";

/** How the inputs and outputs metadata files are written (Flyte's `DataLoadingConfig.LiteralMapFormat`). */
export type MetadataFormat = "JSON" | "YAML" | "PROTO";

/** Options of a raw container task. */
export interface ContainerTaskOptions<I extends InputSpec, O extends Record<string, AnyType>>
  extends Omit<TaskOptions<I, O>, "name" | "containerImage" | "taskType"> {
  /** The task's name (instance tasks are named explicitly). */
  name: string;
  /** The image to run, e.g. `"alpine:3.20"`. */
  image: string;
  /** The command; `{{.inputs.x}}` becomes input `x` (a file or directory: its path inside the container). */
  command: readonly string[];
  /** Arguments after the command, templated the same way. */
  args?: readonly string[];
  /** Where the inputs are written inside the container (default `/var/inputs`). */
  inputDataDir?: string;
  /** Where the container writes its outputs, one file per output named after it (default `/var/outputs`). */
  outputDataDir?: string;
  /** The format of the inputs and outputs metadata files (default `JSON`). */
  metadataFormat?: MetadataFormat;
}

const TEMPLATE = /\{\{\s*\.inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The outputs a container can write as files. */
function readableOutput(type: AnyType): boolean {
  return (
    type instanceof BlobValueType ||
    type instanceof StrType ||
    type instanceof IntType ||
    type instanceof FloatType ||
    type instanceof BoolType ||
    type instanceof DatetimeType ||
    type instanceof DurationType
  );
}

/** A task that runs an arbitrary container image. */
export class ContainerTask<I extends InputSpec, O extends Record<string, AnyType>> extends InstanceTask<I, O> {
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly inputDataDir: string;
  readonly outputDataDir: string;
  readonly metadataFormat: MetadataFormat;

  constructor(options: ContainerTaskOptions<I, O>) {
    const { image, command, args, inputDataDir, outputDataDir, metadataFormat, ...taskOptions } = options;
    super({ ...taskOptions, taskType: "raw-container" } as TaskOptions<I, O> & { name: string });
    if (typeof image !== "string" || image.trim() === "")
      throw new FlyteValidationError(`${options.name}: a container task needs an image`);
    if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== "string"))
      throw new FlyteValidationError(`${options.name}: command must be a non-empty array of strings`);
    if (args !== undefined && (!Array.isArray(args) || args.some((c) => typeof c !== "string")))
      throw new FlyteValidationError(`${options.name}: args must be an array of strings`);
    const format = metadataFormat ?? "JSON";
    if (!["JSON", "YAML", "PROTO"].includes(format))
      throw new FlyteValidationError(`${options.name}: metadataFormat must be JSON, YAML or PROTO, got ${format}`);
    this.image = image;
    this.command = [...command];
    this.args = [...(args ?? [])];
    this.inputDataDir = inputDataDir ?? "/var/inputs";
    this.outputDataDir = outputDataDir ?? "/var/outputs";
    this.metadataFormat = format;
    for (const dir of [this.inputDataDir, this.outputDataDir]) {
      if (!dir.startsWith("/"))
        throw new FlyteValidationError(`${options.name}: data directories are absolute paths, got ${dir}`);
    }
    for (const part of [...this.command, ...this.args]) {
      for (const m of part.matchAll(TEMPLATE)) {
        if (!Object.hasOwn(this.interface.inputTypes, m[1]!))
          throw new FlyteValidationError(
            `${options.name}: the command refers to {{.inputs.${m[1]}}}, which is not an input`,
          );
      }
    }
    for (const [k, type] of this.interface.outputs) {
      if (!readableOutput(type))
        throw new FlyteValidationError(
          `${options.name}: output ${k} is ${type.name}; a container writes files, directories or values as text (str, int, float, bool, datetime, duration)`,
        );
    }
  }

  /** The container of the TaskTemplate: the image, command and args as given, and the data loading config. */
  getContainer(): {
    image: string;
    command: string[];
    args: string[];
    dataConfig: { inputPath: string; outputPath: string; format: MetadataFormat };
  } {
    return {
      image: this.image,
      command: [...this.command],
      args: [...this.args],
      dataConfig: { inputPath: this.inputDataDir, outputPath: this.outputDataDir, format: this.metadataFormat },
    };
  }

  async execute(inputs: Record<string, unknown>): Promise<unknown> {
    const engine = findEngine(this.name, this.image);
    const ctx = currentContext();
    const inDir = join(ctx.workingDirectory, "container-inputs");
    const outDir = join(ctx.workingDirectory, "container-outputs");
    mkdirSync(inDir, { recursive: true });
    mkdirSync(outDir, { recursive: true });
    const rendered: Record<string, string> = {};
    for (const [k, v] of Object.entries(inputs)) {
      if (v instanceof FlyteBlob) {
        // Files and directories are copied into the input directory and named by their path inside the container.
        const local = await v.download();
        const name = basename(local.replace(/\/+$/, "")) || k;
        const target = join(inDir, k, name);
        mkdirSync(join(inDir, k), { recursive: true });
        if (statSync(local).isDirectory()) cpSync(local, target, { recursive: true });
        else copyFileSync(local, target);
        rendered[k] = `${this.inputDataDir}/${k}/${name}`;
      } else rendered[k] = v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
    }
    const fill = (s: string) => s.replace(TEMPLATE, (_m, name: string) => rendered[name] ?? "");
    const argv = [
      "run",
      "--rm",
      "-v",
      `${inDir}:${this.inputDataDir}`,
      "-v",
      `${outDir}:${this.outputDataDir}`,
      this.image,
      ...this.command.map(fill),
      ...this.args.map(fill),
    ];
    const { code, stderr } = await run(engine, argv, ctx.signal);
    if (code !== 0)
      throw new FlyteUserError(
        `${this.name}: the container exited with code ${code}${stderr ? `:\n${stderr.slice(-4000)}` : ""}`,
      );
    const out: Record<string, unknown> = {};
    for (const [k, type] of this.interface.outputs) {
      const loc = join(outDir, k);
      if (!existsSync(loc))
        throw new FlyteUserError(`${this.name}: the container did not write output ${k} to ${this.outputDataDir}/${k}`);
      if (type instanceof BlobValueType) {
        out[k] = new FlyteBlob(loc, type.isDirectory);
        continue;
      }
      const text = readFileSync(loc, "utf8").trim();
      try {
        out[k] = type instanceof StrType ? text : parseText(type, text);
      } catch (e) {
        throw new FlyteUserError(
          `${this.name}: output ${k} should be ${type.name}, the file holds ${JSON.stringify(text.slice(0, 60))}`,
          { cause: e },
        );
      }
    }
    return this.interface.shape === "none" ? undefined : out;
  }
}

function parseText(type: AnyType, text: string): unknown {
  if (type instanceof BoolType) {
    if (/^(true|1)$/i.test(text)) return true;
    if (/^(false|0)$/i.test(text)) return false;
    throw new Error("not a boolean");
  }
  if (type instanceof IntType || type instanceof FloatType || type instanceof DurationType) {
    const n = Number(text);
    if (text === "" || Number.isNaN(n)) throw new Error("not a number");
    return type.parse(n, []);
  }
  if (type instanceof DatetimeType) return type.parse(new Date(text), []);
  return text;
}

/**
 * The container engine: `FLYTE_CONTAINER_ENGINE` when set, else docker, else podman. Throws a `FlyteUserError` that
 * says what is missing: no engine installed, or an engine whose daemon does not answer.
 */
export function findEngine(task: string, image: string): string {
  const forced = process.env.FLYTE_CONTAINER_ENGINE;
  const candidates = forced ? [forced] : ["docker", "podman"];
  const broken: string[] = [];
  for (const engine of candidates) {
    const probe = spawnSync(engine, ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
    if (probe.error && (probe.error as NodeJS.ErrnoException).code === "ENOENT") continue;
    if (probe.status === 0) return engine;
    broken.push(
      `${engine} is installed but its engine does not answer (${(probe.stderr || String(probe.error ?? "")).trim().split("\n").at(-1)})`,
    );
  }
  const why =
    broken.length > 0
      ? broken.join("; ")
      : candidates.length === 1
        ? `${candidates[0]} is not installed`
        : `neither ${candidates.join(" nor ")} is installed`;
  throw new FlyteUserError(
    `${task}: a container task runs its image ${image} locally with docker or podman, and ${why}. Start the engine, or run the task on a Flyte cluster.`,
  );
}

function run(engine: string, argv: string[], signal: AbortSignal): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine, argv, { stdio: ["ignore", "inherit", "pipe"], signal });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** A container task as users hold it. */
export type ContainerTaskHandle<I extends InputSpec, O extends Record<string, AnyType>> = ContainerTask<I, O> &
  Callable<I, O>;

/**
 * Declares a raw container task.
 *
 * @example
 * export const square = containerTask({ name: "square", image: "alpine:3.20", inputs: { n: t.int },
 *   outputs: { out: t.int }, command: ["sh", "-c", "echo $(( {{.inputs.n}} * {{.inputs.n}} )) > /var/outputs/out"] });
 */
export function containerTask<I extends InputSpec = {}, O extends Record<string, AnyType> = {}>(
  options: ContainerTaskOptions<I, O>,
): ContainerTaskHandle<I, O> {
  return makeCallable<ContainerTask<I, O>, Callable<I, O>>(new ContainerTask(options));
}
