/**
 * The local run store: every run `tsflyte run` makes (local, or launched on a cluster) is recorded in a directory of
 * its own under the runs directory (`$FLYTEKIT_TS_HOME/runs`, default `~/.flytekit-ts/runs`):
 *
 * - `run.json`: metadata (what ran, from which file, status, times, inputs, outputs, error), the graph, and each
 *   node's status, attempts, duration, cache hit, inputs and outputs (previews: big values cut with a note, files
 *   referenced by URI); a remote run's execution id, endpoint and console URL;
 * - `logs.json`: the SDK logger's records, by node;
 * - `decks/<n>.html`: the decks the nodes rendered (copied: the run's scratch directory goes away with the process).
 *
 * Every file is written whole to a temporary name and renamed, so a reader never sees half a file. The store keeps
 * the newest `FLYTEKIT_TS_RUNS_KEEP` runs (default 200; 0 records nothing).
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LogEvent, NodeEvent, NodePhase, RunObserver } from "../core/observer.js";
import type { RunGraph } from "./graph.js";
import { DEFAULT_LIMITS, type JsonValue, previewLiteralMap, previewValue } from "./preview.js";

/** A run's status. `interrupted`: the process recording it ended before the run did. */
export type RunStatus = "running" | "succeeded" | "failed" | "interrupted";

/** A failure, as recorded. */
export interface RecordedError {
  readonly message: string;
  readonly kind: string;
}

/** One node of a recorded run. */
export interface RecordedNode {
  /** The node's path (`n0`, `n1/n0` for node n0 inside node n1). */
  readonly path: string;
  readonly nodeId: string;
  readonly parent?: string;
  readonly name: string;
  readonly kind: NodeEvent["kind"];
  phase: NodePhase;
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  attempt: number;
  readonly retries: number;
  cacheHit: boolean;
  /** The deck's number in the run's `decks/` directory. */
  deck?: number;
  error?: RecordedError;
  inputs?: Record<string, JsonValue>;
  outputs?: Record<string, JsonValue>;
}

/** A remote execution launched from the CLI. */
export interface RemoteExecution {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  /** The admin endpoint. */
  readonly endpoint: string;
  /** The execution's page in the Flyte console. */
  readonly consoleUrl?: string;
}

/** What `run.json` holds. */
export interface RunRecord {
  readonly format: 1;
  readonly id: string;
  readonly where: "local" | "remote";
  /** The entity run: its Flyte name and kind. */
  readonly entity: { readonly name: string; readonly kind: string };
  /** The file it came from, as given on the command line. */
  readonly file?: string;
  status: RunStatus;
  readonly startedAt: number;
  endedAt?: number;
  durationMs?: number;
  /** The process recording the run (a `running` run whose process is gone is `interrupted`). */
  readonly pid: number;
  readonly inputs?: Record<string, JsonValue>;
  outputs?: JsonValue;
  error?: RecordedError;
  readonly graph: RunGraph;
  nodes: RecordedNode[];
  readonly remote?: RemoteExecution;
  /** Logger records left out of `logs.json` past the limit. */
  logsDropped?: number;
}

/** A run as the list shows it. */
export interface RunSummary {
  readonly id: string;
  readonly where: "local" | "remote";
  readonly entity: { readonly name: string; readonly kind: string };
  readonly file?: string;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly durationMs?: number;
  /** Nodes by phase. */
  readonly counts: Partial<Record<NodePhase, number>>;
  readonly error?: string;
  readonly consoleUrl?: string;
}

/** A logger record, as stored. */
export interface RecordedLog {
  readonly time: number;
  readonly node?: string;
  readonly level: LogEvent["level"];
  readonly message: string;
  readonly line: string;
}

const RUN_ID = /^[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8}$/;
const MAX_LOGS = 5000;
const MAX_ERROR = 20_000;

/** Whether `id` is a run id (`20260102T030405678Z-1a2b3c4d`): the only names the store reads. */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** The runs directory: `$FLYTEKIT_TS_HOME/runs`, else `~/.flytekit-ts/runs`. */
export function defaultRunsDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.FLYTEKIT_TS_HOME?.trim();
  return home ? resolve(home, "runs") : join(homedir(), ".flytekit-ts", "runs");
}

/** How many runs the store keeps (`FLYTEKIT_TS_RUNS_KEEP`, default 200; 0 disables recording). */
export function runsToKeep(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLYTEKIT_TS_RUNS_KEEP?.trim();
  if (raw === undefined || raw === "") return 200;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`FLYTEKIT_TS_RUNS_KEEP must be a whole number of runs (0 or more), got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Writes a file whole: to a temporary name beside it, then renamed over it. */
export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function cutMessage(s: string): string {
  return s.length <= MAX_ERROR ? s : `${s.slice(0, MAX_ERROR)}… (${s.length - MAX_ERROR} more characters not shown)`;
}

/** Whether a process is alive (a process of another user counts as alive). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A runs directory: records new runs, lists and reads recorded ones.
 *
 * @example
 * const store = new RunStore(defaultRunsDir());
 * for (const run of store.list()) console.log(run.id, run.status);
 */
export class RunStore {
  /** The runs directory. */
  readonly dir: string;
  /** How many runs are kept. */
  readonly keep: number;
  constructor(dir: string, keep = 200) {
    this.dir = dir;
    this.keep = keep;
  }

  /** A new run id: the UTC time to the millisecond and 8 random hex digits, so ids sort by start time. */
  static newId(now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:.]/g, "");
    return `${stamp}-${randomBytes(4).toString("hex")}`;
  }

  private runDir(id: string): string {
    if (!isRunId(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  /** Ids of the recorded runs, newest first. */
  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter(isRunId).sort().reverse();
  }

  /** Removes the oldest runs beyond `keep` (keeping room for `room` new ones). */
  prune(room = 0): void {
    const keep = Math.max(0, this.keep - room);
    for (const id of this.ids().slice(keep)) rmSync(this.runDir(id), { recursive: true, force: true });
  }

  /** A run's record, or undefined when there is no such run (or its record cannot be read). */
  get(id: string): RunRecord | undefined {
    if (!isRunId(id)) return undefined;
    let rec: RunRecord;
    try {
      rec = JSON.parse(readFileSync(join(this.runDir(id), "run.json"), "utf8")) as RunRecord;
    } catch {
      return undefined;
    }
    if (rec.format !== 1 || rec.id !== id) return undefined;
    if (rec.status === "running" && rec.pid !== process.pid && !alive(rec.pid)) rec.status = "interrupted";
    return rec;
  }

  /** The runs, newest first. */
  list(): RunSummary[] {
    const out: RunSummary[] = [];
    for (const id of this.ids()) {
      const r = this.get(id);
      if (!r) continue;
      const counts: Partial<Record<NodePhase, number>> = {};
      for (const n of r.nodes) if (n.parent === undefined) counts[n.phase] = (counts[n.phase] ?? 0) + 1;
      out.push({
        id: r.id,
        where: r.where,
        entity: r.entity,
        ...(r.file !== undefined ? { file: r.file } : {}),
        status: r.status,
        startedAt: r.startedAt,
        ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
        counts,
        ...(r.error ? { error: r.error.message.split("\n")[0]!.slice(0, 300) } : {}),
        ...(r.remote?.consoleUrl ? { consoleUrl: r.remote.consoleUrl } : {}),
      });
    }
    // Ids sort by start to the millisecond; runs started in the same millisecond sort by their recorded start.
    return out.sort((a, b) => b.startedAt - a.startedAt);
  }

  /** A run's logger records. */
  logs(id: string): RecordedLog[] {
    if (!isRunId(id)) return [];
    try {
      return JSON.parse(readFileSync(join(this.runDir(id), "logs.json"), "utf8")) as RecordedLog[];
    } catch {
      return [];
    }
  }

  /** The path of a run's deck number `n`, or undefined. */
  deckPath(id: string, n: number): string | undefined {
    if (!isRunId(id) || !Number.isSafeInteger(n) || n < 0) return undefined;
    const rec = this.get(id);
    if (!rec?.nodes.some((x) => x.deck === n)) return undefined;
    return join(this.runDir(id), "decks", `${n}.html`);
  }

  /**
   * Starts recording a local run; the recorder is the run's observer. Returns undefined when the store keeps no runs.
   */
  begin(run: {
    entity: { name: string; kind: string };
    file?: string;
    inputs?: unknown;
    graph: RunGraph;
  }): RunRecorder | undefined {
    const started = this.start("local", run);
    if (started === undefined) return undefined;
    mkdirSync(join(started.dir, "decks"), { recursive: true });
    return new RunRecorder(started.dir, started.record);
  }

  /** Records a run launched on a cluster. Returns its id (undefined when the store keeps no runs). */
  recordRemote(run: {
    entity: { name: string; kind: string };
    file?: string;
    inputs?: unknown;
    graph: RunGraph;
    remote: RemoteExecution;
  }): string | undefined {
    const started = this.start("remote", run);
    if (started === undefined) return undefined;
    mkdirSync(started.dir, { recursive: true });
    const record: RunRecord = { ...started.record, remote: run.remote };
    writeAtomic(join(started.dir, "run.json"), JSON.stringify(record));
    return record.id;
  }

  /**
   * Makes room for one more run (pruning the oldest) and returns the new run's directory (not yet created) and its
   * first record, still running with no nodes; undefined when the store keeps no runs.
   */
  private start(
    where: RunRecord["where"],
    run: { entity: { name: string; kind: string }; file?: string; inputs?: unknown; graph: RunGraph },
  ): { dir: string; record: RunRecord } | undefined {
    if (this.keep === 0) return undefined;
    mkdirSync(this.dir, { recursive: true });
    this.prune(1);
    const id = RunStore.newId();
    const record: RunRecord = {
      format: 1,
      id,
      where,
      entity: run.entity,
      ...(run.file !== undefined ? { file: run.file } : {}),
      status: "running",
      startedAt: Date.now(),
      pid: process.pid,
      ...(run.inputs !== undefined ? { inputs: previewInputs(run.inputs) } : {}),
      graph: run.graph,
      nodes: [],
    };
    return { dir: this.runDir(id), record };
  }

  /** Sets the final status of a remote run recorded earlier (after `--wait`). */
  finishRemote(id: string, end: { status: "succeeded" | "failed"; outputs?: unknown; error?: string }): void {
    const rec = this.get(id);
    if (!rec) return;
    rec.status = end.status;
    rec.endedAt = Date.now();
    rec.durationMs = rec.endedAt - rec.startedAt;
    if (end.outputs !== undefined) rec.outputs = previewValue(end.outputs);
    if (end.error !== undefined) rec.error = { message: cutMessage(end.error), kind: "ExecutionError" };
    writeAtomic(join(this.runDir(id), "run.json"), JSON.stringify(rec));
  }
}

function previewInputs(inputs: unknown): Record<string, JsonValue> {
  const v = previewValue(inputs);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : { value: v };
}

/**
 * Records one local run as its observer: node events and logger records update the run's files (at most every
 * 200 ms while the run goes on, so `tsflyte ui` sees it live), and `finish` writes the end.
 */
export class RunRecorder implements RunObserver {
  /** The run's id. */
  readonly id: string;
  /** The run's directory. */
  readonly dir: string;
  private readonly record: RunRecord;
  private readonly byPath = new Map<string, RecordedNode>();
  private readonly logRecords: RecordedLog[] = [];
  private decks = 0;
  private timer: NodeJS.Timeout | undefined;
  private logsDirty = false;
  private failedWrite = false;

  constructor(dir: string, record: RunRecord) {
    this.dir = dir;
    this.record = record;
    this.id = record.id;
    this.flush();
  }

  /** Receives a node event. */
  node(e: NodeEvent): void {
    let n = this.byPath.get(e.path);
    if (!n) {
      n = {
        path: e.path,
        nodeId: e.nodeId,
        ...(e.parent !== undefined ? { parent: e.parent } : {}),
        name: e.name,
        kind: e.kind,
        phase: e.phase,
        attempt: e.attempt,
        retries: e.retries,
        cacheHit: e.cacheHit,
      };
      this.byPath.set(e.path, n);
      this.record.nodes.push(n);
    }
    n.phase = e.phase;
    n.attempt = e.attempt;
    n.cacheHit = e.cacheHit;
    if (e.startedAt !== undefined) n.startedAt = e.startedAt;
    if (e.durationMs !== undefined) {
      n.durationMs = e.durationMs;
      n.endedAt = e.time;
    }
    if (e.error) n.error = { message: cutMessage(e.error.message), kind: e.error.kind };
    if (e.inputs && !n.inputs) n.inputs = previewLiteralMap(e.inputs, DEFAULT_LIMITS);
    if (e.outputs) n.outputs = previewLiteralMap(e.outputs, DEFAULT_LIMITS);
    if (e.deckPath && n.deck === undefined && (e.phase === "succeeded" || e.phase === "failed")) {
      const k = this.decks++;
      try {
        copyFileSync(e.deckPath, join(this.dir, "decks", `${k}.html`));
        n.deck = k;
      } catch {
        // A deck that cannot be copied is left out; the node's status still counts.
      }
    }
    this.schedule();
  }

  /** The stored copy of a node's deck, once it has one. */
  deckFile(path: string): string | undefined {
    const n = this.byPath.get(path)?.deck;
    return n === undefined ? undefined : join(this.dir, "decks", `${n}.html`);
  }

  /** Receives a logger record. */
  log(e: LogEvent): void {
    if (this.logRecords.length >= MAX_LOGS) {
      this.record.logsDropped = (this.record.logsDropped ?? 0) + 1;
      return;
    }
    this.logRecords.push({
      time: e.time,
      ...(e.path !== undefined ? { node: e.path } : {}),
      level: e.level,
      message: e.message,
      line: e.line,
    });
    this.logsDirty = true;
    this.schedule();
  }

  /** Writes the end of the run: its outputs (native values or a literal map), or its error. */
  finish(end: { outputs?: unknown; outputLiterals?: LiteralMap; error?: unknown }): void {
    const r = this.record;
    r.endedAt = Date.now();
    r.durationMs = r.endedAt - r.startedAt;
    if (end.error !== undefined) {
      r.status = "failed";
      const e = end.error;
      r.error = {
        message: cutMessage(e instanceof Error ? e.message || e.name : String(e)),
        kind: e instanceof Error ? e.name : "Error",
      };
    } else {
      r.status = "succeeded";
      if (end.outputLiterals) r.outputs = previewLiteralMap(end.outputLiterals);
      else if (end.outputs !== undefined) r.outputs = previewValue(end.outputs);
    }
    this.flush();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), 200);
    this.timer.unref();
  }

  /** Writes the run's files now. Failing to write warns once and never fails the run. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      writeAtomic(join(this.dir, "run.json"), JSON.stringify(this.record));
      if (this.logsDirty || this.logRecords.length === 0) {
        writeAtomic(join(this.dir, "logs.json"), JSON.stringify(this.logRecords));
        this.logsDirty = false;
      }
    } catch (e) {
      if (this.failedWrite) return;
      this.failedWrite = true;
      process.stderr.write(`warning: could not record the run in ${this.dir}: ${String(e)}\n`);
    }
  }
}
