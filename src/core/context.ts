/**
 * The execution context: an `AsyncLocalStorage` store that says what mode code runs in (compiling a workflow body,
 * running locally, running in a container...) and gives user code its `ExecutionParameters` (`currentContext()`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlyteUserError } from "../errors.js";
import type { CompilationState } from "./compilation.js";
import { type Deck, DEFAULT_DECK_NAME, Decks } from "../deck/deck.js";
import { TimelineDeck } from "../deck/timeline.js";
import { type Logger, createLogger } from "./logger.js";
import type { Runnable } from "./runnable.js";

/**
 * How code is running, the twin of flytekit's `ExecutionState.Mode` plus compilation.
 * - `compile`: tracing a workflow body into nodes;
 * - `local`: running tasks and workflows in-process (`tsflyte run`, `await wf(...)`);
 * - `task`: running one task inside a container (`tsflyte-execute`);
 * - `dynamic`: compiling a dynamic task's body into a `DynamicJobSpec` in a container;
 * - `eager-local`: inside an eager task run in-process;
 * - `eager`: inside an eager task in a container, where calls become executions.
 */
export type ExecutionMode = "compile" | "local" | "task" | "dynamic" | "eager-local" | "eager";

/** A Flyte workflow execution id. */
export interface ExecutionId {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/** The id of a task (with version). */
export interface TaskId {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
}

/** A secret reference, as declared on a task. */
export interface SecretRequest {
  /** The secret group (e.g. the k8s secret name). */
  readonly group: string;
  /** The key within the group. */
  readonly key?: string;
  /** The group version, if any. */
  readonly groupVersion?: string;
  /** How the secret is mounted: any, an env var, or a file. */
  readonly mountRequirement?: "ANY" | "ENV_VAR" | "FILE";
  /** The env var to expose it as, when mounted as one. */
  readonly envVar?: string;
}

/** Reads secrets the way flytekit does: env var `_FSEC_<GROUP>_<VERSION>_<KEY>`, then the mounted file. */
export class SecretsManager {
  private readonly envPrefix: string;
  private readonly dir: string;
  private readonly filePrefix: string;
  private readonly local: boolean;
  /** Every value read, so writers (logs, error documents, decks) can redact them. */
  readonly readValues: Set<string>;

  constructor(opts: { local: boolean; readValues?: Set<string> }) {
    this.envPrefix = process.env.FLYTE_SECRETS_ENV_PREFIX ?? "_FSEC_";
    this.dir = process.env.FLYTE_SECRETS_DEFAULT_DIR ?? "/etc/secrets";
    this.filePrefix = process.env.FLYTE_SECRETS_FILE_PREFIX ?? "";
    this.local = opts.local;
    this.readValues = opts.readValues ?? new Set();
  }

  /** The env var name a secret is looked up under (with the prefix). */
  envVarName(group: string, key?: string, groupVersion?: string): string {
    const parts = [group, groupVersion, key].filter((p): p is string => !!p).map((p) => p.toUpperCase());
    return `${this.envPrefix}${parts.join("_")}`;
  }

  /** The file path a secret is looked up at. */
  filePath(group: string, key?: string, groupVersion?: string): string {
    const parts = [group.toLowerCase()];
    if (groupVersion) parts.push(groupVersion.toLowerCase());
    return join(this.dir, ...parts, `${this.filePrefix}${(key ?? "").toLowerCase()}`);
  }

  /**
   * The secret's value. Throws a `FlyteUserError` naming where it looked (never the value) when it is missing.
   *
   * @example
   * const token = currentContext().secrets.get("github", "token");
   */
  get(group: string, key?: string, groupVersion?: string): string {
    if (!group) throw new FlyteUserError("a secret needs a group");
    const envName = this.envVarName(group, key, groupVersion);
    const candidates = [envName];
    if (this.local) candidates.push(envName.slice(this.envPrefix.length));
    for (const name of candidates) {
      const v = process.env[name];
      if (v !== undefined) return this.remember(v);
    }
    const file = this.filePath(group, key, groupVersion);
    try {
      return this.remember(readFileSync(file, "utf8").replace(/\r?\n$/, ""));
    } catch {
      throw new FlyteUserError(
        `secret ${group}${key ? `/${key}` : ""} not found: looked for env var ${candidates.join(" or ")} and file ${file}`,
      );
    }
  }

  private remember(v: string): string {
    if (v.length >= 4) this.readValues.add(v);
    return v;
  }
}

/** A checkpoint directory for a task attempt: read the previous attempt's state, write this attempt's. */
export interface Checkpoint {
  /** Where this attempt writes its checkpoint. */
  readonly directory: string;
  /** The previous attempt's checkpoint bytes, if any. */
  read(): Promise<Uint8Array | undefined>;
  /** Writes this attempt's checkpoint. */
  write(bytes: Uint8Array): Promise<void>;
}

/** What user code sees of its execution, returned by `currentContext()`. */
export interface ExecutionParameters {
  /** The workflow execution id (`local/local/local` for local runs). */
  readonly executionId: ExecutionId;
  /** The running task's id (`local/local/local/local` for local runs). */
  readonly taskId: TaskId;
  /** When the execution started. */
  readonly executionDate: Date;
  /** A scratch directory for this task attempt. */
  readonly workingDirectory: string;
  /** Where raw outputs (files, untyped values) are written. */
  readonly rawOutputPrefix: string;
  /** The task's checkpoint. */
  readonly checkpoint: Checkpoint;
  /** The task's secrets. */
  readonly secrets: SecretsManager;
  /** A structured logger tied to this execution. */
  readonly logger: Logger;
  /** Whether decks are on for this task. */
  readonly enableDeck: boolean;
  /**
   * The decks rendered after the task, in tab order: `decks.open(name)` opens a named deck (created the first time),
   * and the standard decks of the task's `deckFields` are added when the task ends.
   */
  readonly decks: Decks;
  /** The deck user code writes to by default (named `default`, added on first use). */
  readonly defaultDeck: Deck;
  /** The "Timeline" deck: the task's phases, and those user code times with `timeline.time(name, fn)`. */
  readonly timeline: TimelineDeck;
  /**
   * Publishes the decks as they are now, so the console shows them while the task runs (flytekit's
   * `Deck.publish()`): in a container `deck.html` is uploaded to the output prefix (the node's deck URI); locally it
   * does nothing, as deck.html is written when the task ends. Failures are logged, never thrown. With decks off it
   * only warns.
   */
  publishDecks(): Promise<void>;
  /** Aborted when the execution is cancelled (SIGTERM in a container, terminate in eager mode). */
  readonly signal: AbortSignal;
}

/** The full state of the current execution context. */
export interface ContextState {
  readonly mode: ExecutionMode;
  readonly compilation?: CompilationState;
  readonly params: ExecutionParameters;
  /** The root of local runs' scratch data. */
  readonly localRoot: string;
  /** Where entity calls go instead of running in-process (eager executions on a cluster, bounded local eager). */
  readonly controller?: Controller;
}

/** Receives entity calls made inside eager code: runs them in-process or launches them as executions. */
export interface Controller {
  submit(entity: Runnable, inputs: Record<string, unknown>): Promise<unknown>;
}

const storage = new AsyncLocalStorage<ContextState>();
let defaultState: ContextState | undefined;

/** Whether local runs keep their scratch directory after the process ends (`FLYTE_LOCAL_KEEP=true`). */
export function keepLocalRuns(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.FLYTE_LOCAL_KEEP ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false" && v !== "no";
}

/**
 * Removes a scratch directory when the process ends: normally, through an uncaught error or `process.exit`, and on
 * SIGINT or SIGTERM when the program has no handler of its own for them (the signal is then raised again, so the
 * process ends as it would have).
 */
function removeAtExit(dir: string): void {
  const remove = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  process.once("exit", remove);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = (): void => {
      // Another handler decides whether the process ends; "exit" cleans up if it does.
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      remove();
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * A fresh scratch directory for local runs (under `FLYTE_LOCAL_SANDBOX`, else `<tmp>/flytekit-ts`), removed when the
 * process ends unless `FLYTE_LOCAL_KEEP` is set.
 */
export function newLocalRoot(): string {
  const root = process.env.FLYTE_LOCAL_SANDBOX ?? join(tmpdir(), "flytekit-ts");
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, "run-"));
  if (!keepLocalRuns()) removeAtExit(dir);
  return dir;
}

/** The context used outside any execution: local ids, a temp sandbox. Created on first use. */
export function defaultContext(): ContextState {
  if (!defaultState) {
    const localRoot = newLocalRoot();
    defaultState = {
      mode: "local",
      localRoot,
      params: makeParams({ localRoot, workingDirectory: join(localRoot, "user_space"), local: true }),
    };
  }
  return defaultState;
}

/** Builds execution parameters. */
export function makeParams(opts: {
  localRoot: string;
  workingDirectory: string;
  local: boolean;
  executionId?: ExecutionId;
  taskId?: TaskId;
  rawOutputPrefix?: string;
  checkpoint?: Checkpoint;
  enableDeck?: boolean;
  decks?: Decks;
  /** Uploads a rendered deck page (containers); local runs have none. */
  publishDecks?: (params: ExecutionParameters) => Promise<void>;
  secrets?: SecretsManager;
  logger?: Logger;
  signal?: AbortSignal;
  /** Create the working directory when it is first read rather than now (most tasks never read it). */
  lazyWorkingDirectory?: boolean;
}): ExecutionParameters {
  const workingDirectory = opts.workingDirectory;
  let created = !opts.lazyWorkingDirectory;
  if (created) mkdirSync(workingDirectory, { recursive: true });
  const executionId = opts.executionId ?? { project: "local", domain: "local", name: "local" };
  const taskId = opts.taskId ?? { project: "local", domain: "local", name: "local", version: "local" };
  const secrets = opts.secrets ?? new SecretsManager({ local: opts.local });
  const decks = opts.decks ?? new Decks();
  let timeline: TimelineDeck | undefined;
  return {
    executionId,
    taskId,
    executionDate: new Date(),
    get workingDirectory() {
      if (!created) {
        mkdirSync(workingDirectory, { recursive: true });
        created = true;
      }
      return workingDirectory;
    },
    rawOutputPrefix: opts.rawOutputPrefix ?? join(opts.localRoot, "raw"),
    checkpoint: opts.checkpoint ?? localCheckpoint(join(workingDirectory, "__cp")),
    secrets,
    logger:
      opts.logger ??
      createLogger({ executionName: executionId.name, taskName: taskId.name, redact: secrets.readValues }),
    enableDeck: opts.enableDeck ?? false,
    decks,
    get defaultDeck() {
      return decks.open(DEFAULT_DECK_NAME);
    },
    get timeline() {
      timeline ??= new TimelineDeck();
      return timeline;
    },
    publishDecks() {
      return publishWith(this, opts.publishDecks);
    },
    signal: opts.signal ?? new AbortController().signal,
  };
}

/** A checkpoint kept in a local directory. */
export function localCheckpoint(directory: string, previous?: string): Checkpoint {
  return {
    directory,
    async read() {
      if (!previous) return undefined;
      const { readFile } = await import("node:fs/promises");
      try {
        return new Uint8Array(await readFile(join(previous, "checkpoint")));
      } catch {
        return undefined;
      }
    },
    async write(bytes) {
      const { mkdir, writeFile } = await import("node:fs/promises");
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, "checkpoint"), bytes);
    },
  };
}

/** The current context state. */
export function currentState(): ContextState {
  return storage.getStore() ?? defaultContext();
}

/** Runs `fn` with `state` as the current context. */
export function runInContext<R>(state: ContextState, fn: () => R): R {
  return storage.run(state, fn);
}

/**
 * The execution parameters of the running task: execution id, working directory, raw output prefix, checkpoint,
 * secrets, logger and decks.
 *
 * @example
 * const { executionId, logger } = currentContext();
 * logger.info("running", { id: executionId.name });
 */
export function currentContext(): ExecutionParameters {
  return currentState().params;
}

/** `publishDecks` of execution parameters: warns when decks are off, logs instead of throwing. */
export async function publishWith(
  params: ExecutionParameters,
  publish: ((params: ExecutionParameters) => Promise<void>) | undefined,
): Promise<void> {
  if (!params.enableDeck) {
    params.logger.warn(`publishDecks() in task ${params.taskId.name}: decks are off for it (enableDeck is false)`);
    return;
  }
  if (!publish) return;
  try {
    await publish(params);
  } catch (e) {
    params.logger.warn("could not publish deck.html", e);
  }
}
