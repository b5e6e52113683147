/**
 * Map tasks (flytekit's `ArrayNodeMapTask`): one task run over every element of its list inputs. On a cluster each
 * element is its own pod under an ArrayNode; locally the elements run in-process with bounded concurrency and
 * flytekit's min-success rules.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join, sep } from "node:path";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import type { Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import { collectionElements, type LiteralElements } from "../idl/lazy.js";
import { DEFAULT_DECK_NAME, Decks } from "../deck/deck.js";
import { TimelineDeck } from "../deck/timeline.js";
import { writeLocalDeck } from "./task-decks.js";
import { ListType } from "../types/containers.js";
import { PackedList } from "../types/packed-list.js";
import type { AnyType } from "../types/type.js";
import { OptionalType } from "../types/union.js";
import { cacheEnabled } from "./cache.js";
import { localTaskSlots } from "./concurrency.js";
import {
  type Checkpoint,
  type ContextState,
  currentState,
  type ExecutionParameters,
  localCheckpoint,
  publishWith,
  makeParams,
  runInContext,
} from "./context.js";
import { type Callable, makeCallable } from "./entity.js";
import type { InputSpec, OutputSpec } from "./interface.js";
import { conversionDataAt, flushData, localDataAt, withRemoteBlobs } from "./local-data.js";
import type { Identity } from "./naming.js";
import { type LiteralResult, TASK_OPTION_NAMES, Task, type TaskOptions } from "./task.js";

/** How a map task runs its elements. */
export interface MapOptions<B extends string = string> {
  /**
   * At most this many elements run at once (the ArrayNode's `parallelism`). Unset or 0: no bound of its own; locally
   * the elements still share the local task slots (`FLYTE_LOCAL_CONCURRENCY`).
   */
  concurrency?: number;
  /** The map succeeds when at least this many elements succeed; failed elements' outputs are `null`. */
  minSuccesses?: number;
  /** The map succeeds when at least this fraction (0..1) of elements succeed; below 1, failed outputs are `null`. */
  minSuccessRatio?: number;
  /** Inputs passed whole to every element instead of being mapped over (they keep their type). */
  boundInputs?: readonly B[];
}

/** The inputs of a map task: each input that is not bound becomes a list. */
export type MapInputSpec<I extends InputSpec, B> = { [K in keyof I]: K extends B ? I[K] : ListType<I[K]> };

type MapElement<T extends AnyType, Opt extends boolean> = Opt extends true ? OptionalType<T> : T;

/** The outputs of a map task: the output becomes a list (of optionals when some elements may fail). */
export type MapOutputSpec<O extends OutputSpec, Opt extends boolean> = O extends undefined
  ? undefined
  : O extends AnyType
    ? ListType<MapElement<O, Opt>>
    : O extends readonly AnyType[]
      ? never
      : O extends Record<string, AnyType>
        ? { [K in keyof O]: ListType<MapElement<O[K], Opt>> }
        : never;

/** The bound input names of map options. */
export type BoundInputsOf<Opts> = Opts extends { readonly boundInputs: readonly (infer B)[] } ? B : never;

/** Whether map options let elements fail (so outputs are lists of optionals). */
export type AllowsFailures<Opts> = Opts extends { readonly minSuccesses: number }
  ? true
  : Opts extends { readonly minSuccessRatio: infer R }
    ? [R] extends [1 | undefined]
      ? false
      : true
    : false;

/** Raised when too many elements of a map task failed. `cause` is the error of the first failed element. */
export class MapTaskError extends FlyteUserError {
  /** The indices of the elements that failed, ascending. */
  readonly failedIndices: readonly number[];
  /** Each failed element's error, by index. */
  readonly errors: ReadonlyMap<number, unknown>;
  constructor(message: string, errors: Map<number, unknown>) {
    const failedIndices = [...errors.keys()].sort((a, b) => a - b);
    super(message, { cause: errors.get(failedIndices[0]!) });
    this.failedIndices = failedIndices;
    this.errors = errors;
  }
}

/** Python's `str()` of an optional int or float, as flytekit hashes map options. */
function pyStr(v: number | undefined, float: boolean): string {
  if (v === undefined) return "None";
  if (!float) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  // Python's repr: shortest round-trip digits, scientific below 1e-4 and from 1e16 on, exponent of at least 2 digits.
  const [mant, exp] = v.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(v);
}

function checkCount(owner: string, what: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
    throw new FlyteValidationError(`${owner}: ${what} must be a non-negative integer, got ${v}`);
  }
}

/** The number of local task slots (`FLYTE_LOCAL_CONCURRENCY`, default 16), the default number of local workers. */
function localSlotCount(): number {
  return Number(process.env.FLYTE_LOCAL_CONCURRENCY ?? "16") || 16;
}

/** A map task: the ArrayNode form of an inner task over lists of its inputs. */
export class MapTask<I extends InputSpec = InputSpec, O extends OutputSpec = OutputSpec> extends Task<I, O> {
  /** Array tasks are version 1 of their task type. */
  override readonly taskTypeVersion: number = 1;
  /** The task run for each element. */
  readonly inner: Task;
  /** The ArrayNode's parallelism, if set. */
  readonly concurrency: number | undefined;
  /** The minimum number of successful elements, if set. */
  readonly minSuccesses: number | undefined;
  /** The minimum fraction of successful elements (1 unless set). */
  readonly minSuccessRatio: number;
  /** The inputs passed whole to every element, sorted. */
  readonly boundInputs: readonly string[];
  /** Whether failed elements are allowed (and outputs are lists of optionals). */
  readonly allowsFailures: boolean;

  constructor(inner: Task, options: MapOptions = {}) {
    const owner = `map(${(inner as { name?: unknown } | null)?.name ?? String(inner)})`;
    MapTask.checkTarget(owner, inner);
    for (const k of Object.keys(options)) {
      if (!["concurrency", "minSuccesses", "minSuccessRatio", "boundInputs"].includes(k)) {
        throw new FlyteValidationError(
          `${owner}: unknown map option ${JSON.stringify(k)}; known: concurrency, minSuccesses, minSuccessRatio, boundInputs`,
        );
      }
    }
    checkCount(owner, "concurrency", options.concurrency);
    checkCount(owner, "minSuccesses", options.minSuccesses);
    const ratio = options.minSuccessRatio;
    if (ratio !== undefined && !(typeof ratio === "number" && ratio >= 0 && ratio <= 1)) {
      throw new FlyteValidationError(`${owner}: minSuccessRatio must be a number between 0 and 1, got ${ratio}`);
    }
    const bound = [...new Set(options.boundInputs ?? [])].sort();
    for (const b of bound) {
      if (!Object.hasOwn(inner.interface.inputTypes, b)) {
        throw new FlyteValidationError(`${owner}: boundInputs names ${JSON.stringify(b)}, which is not an input`);
      }
    }
    const allowsFailures = options.minSuccesses !== undefined || (ratio !== undefined && ratio !== 1);
    const inputs: Record<string, AnyType> = {};
    for (const [k, type] of inner.interface.inputs) inputs[k] = bound.includes(k) ? type : new ListType(type);
    const element = (type: AnyType) => (allowsFailures && !type.acceptsNone ? new OptionalType(type) : type);
    const iface = inner.interface;
    const outputs: OutputSpec =
      iface.shape === "none"
        ? undefined
        : iface.shape === "single"
          ? new ListType(element(iface.outputs[0]![1]))
          : { [iface.outputs[0]![0]]: new ListType(element(iface.outputs[0]![1])) };
    // Metadata, resources, secrets and the rest come from the inner task, as flytekit copies them.
    const copied: Record<string, unknown> = {};
    for (const k of TASK_OPTION_NAMES) {
      if (k !== "name" && k !== "inputs" && k !== "outputs" && k !== "preExecute" && k !== "postExecute") {
        const v = (inner.options as Record<string, unknown>)[k];
        if (v !== undefined) copied[k] = v;
      }
    }
    copied.taskType = inner.taskType;
    const identity: Identity = { module: inner.identity.module, file: inner.identity.file, ordinal: -1 };
    super({ ...copied, inputs, outputs } as TaskOptions<I, O>, identity);
    this.inner = inner;
    this.concurrency = options.concurrency;
    this.minSuccesses = options.minSuccesses;
    this.minSuccessRatio = ratio ?? 1;
    this.boundInputs = bound;
    this.allowsFailures = allowsFailures;
  }

  private static checkTarget(owner: string, inner: unknown): asserts inner is Task {
    // By shape rather than `instanceof`: user code may hold entities of another copy of the SDK.
    const t = inner as (Partial<Task> & { executionMode?: string; inner?: unknown }) | null;
    if ((typeof t !== "function" && typeof t !== "object") || t === null || t.kind !== "task" || !t.dispatchExecute) {
      throw new FlyteValidationError(
        `${owner}: map() takes a task${typeof t?.kind === "string" ? `, not a ${t.kind}` : ""}`,
      );
    }
    if (t.taskTypeVersion === 1 && t.inner !== undefined) {
      throw new FlyteValidationError(`${owner}: a map task cannot be mapped again`);
    }
    if (t.executionMode !== undefined && t.executionMode !== "default") {
      throw new FlyteValidationError(`${owner}: only plain tasks can be mapped, not ${t.executionMode} tasks`);
    }
    const outputs = t.interface?.outputs.length ?? 0;
    if (outputs > 1) {
      throw new FlyteValidationError(`${owner}: a mapped task may have at most one output, this one has ${outputs}`);
    }
  }

  /**
   * flytekit's name: `<module>.map_<short name>_<md5 of bound inputs, concurrency, min successes and ratio>-arraynode`,
   * where module and short name split the inner task's name at its last dot.
   */
  override get name(): string {
    const inner = this.inner.name;
    const dot = inner.lastIndexOf(".");
    const mod = dot < 0 ? "__main__" : inner.slice(0, dot);
    const short = inner.slice(dot + 1);
    const key = `${this.boundInputs.join(",")}${pyStr(this.concurrency, false)}${pyStr(this.minSuccesses, false)}${pyStr(this.minSuccessRatio, true)}`;
    return `${mod}.map_${short}_${createHash("md5").update(key).digest("hex")}-arraynode`;
  }

  override resolveName(): void {
    this.inner.resolveName();
  }

  /**
   * The ArrayNode's execution mode: minimal state when the inner task is a plain function task or a bare instance
   * task (as flytekit decides by exact class), full state for anything more specialised.
   */
  get arrayExecutionMode(): "minimal-state" | "full-state" {
    const ctor = (this.inner as object).constructor as { name?: string };
    return ctor.name === "FunctionTask" || ctor.name === "InstanceTask" ? "minimal-state" : "full-state";
  }

  /** Runs the map locally on literals: each element through the inner task, with min-success rules. */
  override async executeLiterals(inputs: LiteralMap): Promise<LiteralMap> {
    this.resolveName();
    const inner = this.inner;
    const outer = currentState();
    const mapped: [string, LiteralElements][] = [];
    const fixed: Record<string, Literal> = {};
    for (const [k] of inner.interface.inputs) {
      const lit = inputs.literals[k];
      if (this.boundInputs.includes(k)) {
        if (lit !== undefined) fixed[k] = lit;
        continue;
      }
      if (lit === undefined) throw new FlyteValidationError(`${this.name}: the list input ${k} is missing`);
      mapped.push([k, this.elementsOf(k, lit, outer)]);
    }
    // With every input bound there is nothing to map over: no elements, as flytekit runs it.
    const n = mapped.length ? mapped[0]![1].length : 0;
    for (const [k, els] of mapped) {
      if (els.length !== n) {
        throw new FlyteUserError(
          `${this.name}: the mapped inputs have different lengths (${mapped[0]![0]}: ${n}, ${k}: ${els.length})`,
        );
      }
    }
    const elementInputs = (i: number): LiteralMap => {
      const lits: Record<string, Literal> = { ...fixed };
      for (const [k, els] of mapped) lits[k] = els.at(i);
      return literalMap(lits);
    };
    const run = this.elementRunner(outer);
    const required =
      this.minSuccesses !== undefined
        ? Math.min(this.minSuccesses, n)
        : // The epsilon keeps float noise (10 * 0.7 = 7.000000000000001) from asking for one more success.
          Math.min(n, Math.ceil(n * this.minSuccessRatio - 1e-9));
    const allowedFailures = n - required;
    const outName = this.interface.outputs[0]?.[0];
    // Each element's output is packed into the output list as the element finishes.
    const packed = outName === undefined ? undefined : this.outputList(outName, n);
    const errors = new Map<number, unknown>();
    let next = 0;
    let stop = false;
    const signal = outer.params.signal;
    const worker = async () => {
      while (!stop && next < n && !signal.aborted) {
        const i = next++;
        try {
          const out = await run(elementInputs(i));
          const lit = outName === undefined ? undefined : out.literals[outName];
          if (lit !== undefined) packed!.set(i, lit);
        } catch (e) {
          errors.set(i, e);
          if (errors.size > allowedFailures) stop = true;
        }
      }
    };
    const limit = this.concurrency || localSlotCount();
    const workers = Math.min(limit, n);
    const pool: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) pool.push(worker());
    await Promise.all(pool);
    if (errors.size > allowedFailures) throw this.failure(errors, n, required);
    if (next < n && signal.aborted) {
      throw new FlyteUserError(`${this.name}: cancelled after ${next} of ${n} elements`, { cause: signal.reason });
    }
    if (errors.size > 0) {
      outer.params.logger.warn(`${this.name}: ${errors.size} of ${n} elements failed; their outputs are null`, {
        failedIndices: [...errors.keys()].sort((a, b) => a - b),
      });
    }
    if (outName === undefined) return literalMap({});
    return literalMap({ [outName]: packed!.toLiteral() });
  }

  /**
   * The element literals of a mapped input: a collection's, read one at a time (from the bytes of a lazy one);
   * anything else is read as a list and split.
   */
  private elementsOf(k: string, lit: Literal, state: ContextState): LiteralElements {
    const elements = collectionElements(lit);
    if (elements !== undefined) return elements;
    const listType = this.interface.inputTypes[k] as ListType<AnyType>;
    const data = conversionDataAt(state.params.rawOutputPrefix, state.localRoot);
    const literals = listType.fromLiteral(lit, data, [k]).map((v, i) => listType.element.toLiteral(v, data, [k, i]));
    return { length: literals.length, at: (i) => literals[i]! };
  }

  /**
   * The output list, filled as elements finish (`types/packed-list.ts`): successes as the inner task wrote them
   * (wrapped as optionals when elements may fail), failures as none.
   */
  private outputList(outName: string, n: number): PackedList {
    const innerType = this.inner.interface.outputTypes[outName]!;
    const element = (this.interface.outputTypes[outName] as ListType<AnyType>).element;
    const list = PackedList.of(innerType, element, n);
    if (list === undefined) throw new Error(`${this.name}: a list of ${element.name} cannot hold ${innerType.name}`);
    return list;
  }

  private failure(errors: Map<number, unknown>, n: number, required: number): MapTaskError {
    const idx = [...errors.keys()].sort((a, b) => a - b);
    const shown = idx.length > 20 ? `${idx.slice(0, 20).join(", ")}, ...` : idx.join(", ");
    const first = errors.get(idx[0]!);
    const why = first instanceof Error ? first.message : String(first);
    return new MapTaskError(
      `${this.name}: ${idx.length} of ${n} elements failed (indices ${shown}) but ${required} had to succeed; element ${idx[0]}: ${why}`,
      errors,
    );
  }

  /**
   * How one element runs. A cached inner task (or one with its own local execution) goes through its full local
   * path, so each element has its own cache entry, as on a cluster. Otherwise the element runs `dispatchExecute`
   * in a light context: its working directory is only created when read, which keeps 10^5 elements cheap.
   */
  private elementRunner(outer: ContextState): (inputs: LiteralMap) => Promise<LiteralMap> {
    const inner = this.inner;
    const standard =
      inner.executeLiterals === Task.prototype.executeLiterals &&
      inner.localExecute === Task.prototype.localExecute &&
      inner.sandboxExecute === Task.prototype.sandboxExecute;
    if (!standard || (inner.metadata.cache && cacheEnabled())) {
      const local: ContextState = { ...outer, mode: localMode(outer), compilation: undefined, controller: undefined };
      return (lm) => runInContext(local, () => inner.executeLiterals(lm));
    }
    mkdirSync(outer.localRoot, { recursive: true });
    const root = mkdtempSync(join(outer.localRoot, "map-"));
    const base = makeParams({
      localRoot: outer.localRoot,
      workingDirectory: root,
      local: true,
      executionId: outer.params.executionId,
      taskId: { ...outer.params.taskId, name: inner.name },
      rawOutputPrefix: outer.params.rawOutputPrefix,
      secrets: outer.params.secrets,
      signal: outer.params.signal,
    });
    const data = localDataAt(base.rawOutputPrefix);
    const mode = localMode(outer);
    const deck = inner.metadata.generatesDeck;
    // Most maps read no blobs and write raw data locally: their elements skip the prefetch and the flush.
    const plain = !Object.values(inner.interface.inputTypes).some((t) => t.readsBlobs()) && !("flush" in data);
    let count = 0;
    return (lm) => {
      const index = count++;
      const params = elementParams(base, root, index, deck);
      const state: ContextState = { mode, localRoot: outer.localRoot, params };
      // An element's raw outputs bound for a remote prefix are uploaded before its outputs are used.
      const run = plain
        ? () => runInContext(state, () => inner.dispatchExecute(lm, data))
        : async () => {
            const elementData = await withRemoteBlobs(data, lm.literals, inner.interface.inputTypes, base.signal);
            const out = await runInContext(state, () => inner.dispatchExecute(lm, elementData));
            await flushData(elementData, base.signal);
            return out;
          };
      if (!deck) return localTaskSlots.run(run);
      // Each element has decks of its own, as each element of an ArrayNode writes its own deck.html.
      return localTaskSlots.run(async () => {
        try {
          return await run();
        } finally {
          writeLocalDeck(`${inner.name}[${index}]`, params);
        }
      });
    };
  }

  /**
   * `dispatchExecute`'s entry with native inputs (lists): converts them back to literals and runs the elements.
   * Local runs use `executeLiterals` directly and skip this conversion.
   */
  async execute(inputs: Record<string, unknown>): Promise<LiteralResult> {
    const state = currentState();
    const data = conversionDataAt(state.params.rawOutputPrefix, state.localRoot);
    return { literals: await this.executeLiterals(this.interface.inputsToLiterals(inputs, data, this.name)) };
  }

  /** A map task only schedules its elements, which take the local slots themselves. */
  protected override get usesTaskSlot(): boolean {
    return false;
  }
}

function localMode(outer: ContextState): ContextState["mode"] {
  return outer.mode === "compile" ? "local" : outer.mode;
}

/**
 * Parameters of one element: the map's, with a working directory, checkpoint and decks of its own. The directory is
 * only created when read, and nothing is allocated for the checkpoint or the default deck until they are used.
 */
function elementParams(
  base: ExecutionParameters,
  root: string,
  index: number,
  enableDeck: boolean,
): ExecutionParameters {
  let dir: string | undefined;
  let checkpoint: Checkpoint | undefined;
  let decks: Decks | undefined;
  let timeline: TimelineDeck | undefined;
  // Fields listed rather than spread: a literal of fixed shape is much cheaper to build 10^5 times.
  return {
    executionId: base.executionId,
    taskId: base.taskId,
    executionDate: base.executionDate,
    rawOutputPrefix: base.rawOutputPrefix,
    secrets: base.secrets,
    logger: base.logger,
    signal: base.signal,
    enableDeck,
    get decks() {
      decks ??= new Decks();
      return decks;
    },
    get workingDirectory() {
      if (dir === undefined) {
        dir = `${root}${sep}${index}`;
        mkdirSync(dir, { recursive: true });
      }
      return dir;
    },
    get checkpoint() {
      checkpoint ??= localCheckpoint(`${root}${sep}${index}${sep}__cp`);
      return checkpoint;
    },
    get defaultDeck() {
      return this.decks.open(DEFAULT_DECK_NAME);
    },
    get timeline() {
      timeline ??= new TimelineDeck();
      return timeline;
    },
    publishDecks() {
      return publishWith(this, undefined);
    },
  };
}

/** A map task as users hold it: callable, with the task's properties. */
export type MapTaskHandle<I extends InputSpec, O extends OutputSpec> = MapTask<I, O> & Callable<I, O>;

/**
 * Maps a task over lists: every input not named in `boundInputs` becomes a list, and the task runs once per index.
 * Usable in workflows and dynamic bodies (an ArrayNode), in eager code and at top level.
 *
 * @example
 * export const squares = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) =>
 *   map(add, { concurrency: 16, boundInputs: ["b"] })({ a: xs, b: 1 }),
 * );
 */
export function map<I extends InputSpec, O extends OutputSpec, const Opts extends MapOptions<keyof I & string> = {}>(
  target: Task<I, O>,
  options?: Opts,
): MapTaskHandle<MapInputSpec<I, BoundInputsOf<Opts>>, MapOutputSpec<O, AllowsFailures<Opts>>> {
  return makeCallable<MapTask<any, any>, Callable<any, any>>(new MapTask(target as Task, options)) as never;
}
