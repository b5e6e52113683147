/**
 * Shell tasks: a script template over the task's inputs, run with bash; outputs are collected from files at declared
 * locations. The twin of flytekit's `ShellTask`.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { FlyteBlob } from "../types/blob.js";
import { BlobValueType } from "../types/blob.js";
import { BoolType, FloatType, IntType, StrType } from "../types/primitives.js";
import { currentContext } from "./context.js";
import { fillShellTemplate, PLACEHOLDER, type TemplateValue } from "./shell-template.js";
import { type Callable, makeCallable } from "./entity.js";
import { InstanceTask } from "./instance-task.js";
import type { InputSpec } from "./interface.js";
import type { TaskOptions } from "./task.js";
import type { AnyType } from "../types/type.js";

/** Options of a shell task. */
export interface ShellTaskOptions<I extends InputSpec, O extends Record<string, AnyType>>
  extends Omit<TaskOptions<I, O>, "name"> {
  /** The task's name (instance tasks are named explicitly). */
  name: string;
  /**
   * The script. `{inputs.x}` becomes input `x` (a file or directory becomes its local path, a list its items as
   * separate words), `{outputs.y}` the location of output `y`, `{ctx.workingDirectory}` the task's scratch directory.
   * Every value is quoted for the place it stands in (a bare word, inside `"..."` or `'...'`, a here-document), so the
   * script receives it exactly and never runs it; `\{inputs.x}` is left as written.
   */
  script: string;
  /** Where each output is found after the script runs, as a template like `{ctx.workingDirectory}/out.csv`. */
  outputLocations?: { [K in keyof O]: string };
  /** The shell to run the script with (default `/bin/bash`). */
  shell?: string;
}

const TEMPLATE = PLACEHOLDER;

/** A task that runs a shell script. */
export class ShellTask<I extends InputSpec, O extends Record<string, AnyType>> extends InstanceTask<I, O> {
  readonly script: string;
  readonly outputLocations: Readonly<Record<string, string>>;
  readonly shell: string;

  constructor(options: ShellTaskOptions<I, O>) {
    const { script, outputLocations, shell, ...taskOptions } = options;
    super(taskOptions as TaskOptions<I, O> & { name: string });
    if (typeof script !== "string" || !script.trim())
      throw new FlyteValidationError(`${options.name}: a shell task needs a script`);
    this.script = script;
    this.shell = shell ?? "/bin/bash";
    this.outputLocations = (outputLocations ?? {}) as Record<string, string>;
    for (const [k, type] of this.interface.outputs) {
      if (!this.outputLocations[k])
        throw new FlyteValidationError(`${options.name}: output ${k} needs a location in outputLocations`);
      if (
        !(
          type instanceof BlobValueType ||
          type instanceof StrType ||
          type instanceof IntType ||
          type instanceof FloatType ||
          type instanceof BoolType
        )
      ) {
        throw new FlyteValidationError(
          `${options.name}: output ${k} is ${type.name}; shell task outputs are files, directories or values read from a file (str, int, float, bool)`,
        );
      }
    }
    for (const m of script.matchAll(TEMPLATE)) this.checkPlaceholder(m[1]!, m[2]!);
    for (const loc of Object.values(this.outputLocations))
      for (const m of loc.matchAll(TEMPLATE)) this.checkPlaceholder(m[1]!, m[2]!);
  }

  private checkPlaceholder(kind: string, name: string): void {
    const ok =
      kind === "inputs"
        ? Object.hasOwn(this.interface.inputTypes, name)
        : kind === "outputs"
          ? Object.hasOwn(this.interface.outputTypes, name)
          : name === "workingDirectory";
    if (!ok)
      throw new FlyteValidationError(`${this.name}: the script refers to {${kind}.${name}}, which does not exist`);
  }

  /** The script, shown in the Source Code deck. */
  protected override sourceCode(): { code: string; language: string } {
    return { code: this.script, language: "bash" };
  }

  async execute(inputs: Record<string, unknown>): Promise<unknown> {
    const ctx = currentContext();
    const inputValues = new Map<string, TemplateValue>();
    for (const [k, v] of Object.entries(inputs)) inputValues.set(k, await formatValue(v));
    const lookup = (kind: string, name: string): TemplateValue =>
      kind === "inputs" ? inputValues.get(name)! : kind === "outputs" ? locations.get(name)! : ctx.workingDirectory;
    // Output locations are paths, not shell text: their placeholders are filled as they are.
    const locations = new Map<string, string>();
    for (const [k, loc] of Object.entries(this.outputLocations)) {
      locations.set(
        k,
        loc.replace(TEMPLATE, (_m, kind: string, name: string) => {
          const v = lookup(kind, name);
          return typeof v === "string" ? v : v.join(" ");
        }),
      );
    }
    const script = fillShellTemplate(this.script, lookup, this.name);
    const { code, stderr } = await run(this.shell, script, ctx.workingDirectory, ctx.signal);
    if (code !== 0) {
      throw new FlyteUserError(
        `${this.name}: the script exited with code ${code}${stderr ? `:\n${stderr.slice(-4000)}` : ""}`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, type] of this.interface.outputs) {
      const loc = locations.get(k)!;
      if (!existsSync(loc)) throw new FlyteUserError(`${this.name}: the script did not create output ${k} at ${loc}`);
      if (type instanceof BlobValueType) out[k] = new FlyteBlob(loc, type.isDirectory);
      else {
        const text = readFileSync(loc, "utf8").trim();
        out[k] =
          type instanceof StrType
            ? text
            : type instanceof BoolType
              ? parseBool(this.name, k, text)
              : parseNumber(this.name, k, text, type instanceof IntType);
      }
    }
    return this.interface.shape === "none" ? undefined : out;
  }
}

function parseBool(task: string, k: string, text: string): boolean {
  if (/^(true|1)$/i.test(text)) return true;
  if (/^(false|0)$/i.test(text)) return false;
  throw new FlyteUserError(
    `${task}: output ${k} should be a boolean, the file holds ${JSON.stringify(text.slice(0, 60))}`,
  );
}

function parseNumber(task: string, k: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text === "" || Number.isNaN(n) || (integer && !Number.isInteger(n))) {
    throw new FlyteUserError(
      `${task}: output ${k} should be ${integer ? "an int" : "a float"}, the file holds ${JSON.stringify(text.slice(0, 60))}`,
    );
  }
  return n;
}

async function formatValue(v: unknown): Promise<TemplateValue> {
  if (v instanceof FlyteBlob) return v.download();
  if (Array.isArray(v)) return (await Promise.all(v.map(formatValue))).flat();
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function run(
  shell: string,
  script: string,
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The script's output goes through this process's streams, so whatever masks them (secrets) applies to it too.
    const child = spawn(shell, ["-c", `set -e\n${script}`], { cwd, stdio: ["ignore", "pipe", "pipe"], signal });
    child.stdout.on("data", (d: Buffer) => process.stdout.write(d));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** A shell task as users hold it. */
export type ShellTaskHandle<I extends InputSpec, O extends Record<string, AnyType>> = ShellTask<I, O> & Callable<I, O>;

/**
 * Declares a shell task.
 *
 * @example
 * export const count = shellTask({ name: "count", inputs: { f: t.file() }, outputs: { n: t.int },
 *   script: "wc -l < {inputs.f} > {outputs.n}", outputLocations: { n: "{ctx.workingDirectory}/n" } });
 */
export function shellTask<I extends InputSpec = {}, O extends Record<string, AnyType> = {}>(
  options: ShellTaskOptions<I, O>,
): ShellTaskHandle<I, O> {
  return makeCallable<ShellTask<I, O>, Callable<I, O>>(new ShellTask(options));
}
