/**
 * Progress of a local run on stderr, fed by the local runner's node events (`observeRun`):
 * - on a terminal, a compact live display (nodes per phase, the running nodes, the elapsed time) redrawn in place
 *   with ANSI escapes, written in one piece per frame and only when it changed, cut to the terminal's width;
 * - elsewhere, one plain line per node transition;
 * and at the end a summary of each node (status, duration, cache hit, deck).
 */
import type { LogEvent, NodeEvent, NodePhase, RunObserver } from "../core/observer.js";
import { formatDurationMs } from "./progress.js";

/** How progress is shown. */
export type ProgressMode = "tty" | "lines" | "quiet";

/** Where and how progress is written. */
export interface ProgressOptions {
  readonly mode: ProgressMode;
  /** Writes to the terminal (stderr). */
  readonly write: (text: string) => void;
  /** The terminal's width in columns (read at each frame: the window may be resized). */
  readonly columns?: () => number;
  /** The clock (milliseconds). */
  readonly now?: () => number;
  /** Whether to colour phases (terminals only). */
  readonly color?: boolean;
  /** Milliseconds between frames at most (and between elapsed-time ticks). */
  readonly frameMs?: number;
}

/** A node's state as the display and the summary show it. */
export interface NodeState {
  readonly path: string;
  readonly name: string;
  readonly kind: NodeEvent["kind"];
  phase: NodePhase;
  startedAt?: number;
  durationMs?: number;
  attempt: number;
  readonly retries: number;
  cacheHit: boolean;
  deckPath?: string;
  error?: string;
}

const PHASES: readonly NodePhase[] = ["succeeded", "cached", "running", "queued", "failed", "skipped"];
const SYMBOL: Record<NodePhase, string> = {
  queued: "·",
  running: "▸",
  succeeded: "✓",
  cached: "↺",
  failed: "✗",
  skipped: "−",
};
const COLOR: Record<NodePhase, string> = {
  queued: "2",
  running: "36",
  succeeded: "32",
  cached: "34",
  failed: "31",
  skipped: "2",
};
/** How many running nodes the live display lists. */
const MAX_RUNNING_SHOWN = 6;
/** Narrower than this, the live display is its first line only. */
const NARROW = 40;

/** Cuts text to `width` columns (counting code points), marking the cut with `…`. */
export function fitWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, Math.max(0, width)).join("");
  return `${chars.slice(0, width - 1).join("")}…`;
}

function firstLine(s: string): string {
  return s.split("\n", 1)[0]!;
}

/**
 * Follows a local run's node events and shows its progress.
 *
 * @example
 * const progress = new LocalProgress("workflow wf", { mode: "lines", write: (s) => process.stderr.write(s) });
 * await observeRun(progress, () => wf({}));
 * progress.stop();
 */
export class LocalProgress implements RunObserver {
  /** The nodes seen, in the order they were first reported. */
  readonly nodes = new Map<string, NodeState>();
  private readonly title: string;
  private readonly opts: ProgressOptions;
  private readonly now: () => number;
  private readonly started: number;
  private shownLines = 0;
  private lastFrame = "";
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(title: string, opts: ProgressOptions) {
    this.title = title;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    if (opts.mode === "tty") {
      this.ticker = setInterval(() => this.render(), Math.max(opts.frameMs ?? 100, 250));
      this.ticker.unref();
    }
  }

  /** Receives a node event. */
  node(e: NodeEvent): void {
    let n = this.nodes.get(e.path);
    if (!n) {
      n = {
        path: e.path,
        name: e.name,
        kind: e.kind,
        phase: e.phase,
        attempt: e.attempt,
        retries: e.retries,
        cacheHit: false,
      };
      this.nodes.set(e.path, n);
    }
    n.phase = e.phase;
    n.attempt = e.attempt;
    n.cacheHit = e.cacheHit;
    if (e.startedAt !== undefined) n.startedAt = e.startedAt;
    if (e.durationMs !== undefined) n.durationMs = e.durationMs;
    if (e.deckPath !== undefined) n.deckPath = e.deckPath;
    if (e.error) n.error = firstLine(e.error.message);
    if (this.stopped || this.opts.mode === "quiet") return;
    if (this.opts.mode === "lines") this.opts.write(`${this.transitionLine(e, n)}\n`);
    else this.schedule();
  }

  /** Receives a logger record: on a terminal the display steps aside so the record prints on a clean line. */
  log(e: LogEvent): void {
    if (this.opts.mode !== "tty" || !e.printed || this.stopped) return;
    this.erase();
    this.schedule();
  }

  /** One line for a transition (lines mode). */
  private transitionLine(e: NodeEvent, n: NodeState): string {
    const at = `[${((e.time - this.started) / 1000).toFixed(3).padStart(7)}s]`;
    let what: string = e.phase;
    if (e.phase === "running" && e.attempt > 1) {
      what = `running again (attempt ${e.attempt} of ${e.retries + 1}) after: ${e.error ? firstLine(e.error.message) : "a failure"}`;
    } else if (e.phase === "succeeded" || e.phase === "cached" || e.phase === "failed") {
      what = `${e.phase} in ${formatDurationMs(e.durationMs ?? 0)}`;
      if (e.phase === "cached") what += " (local cache hit)";
      if (e.phase === "failed" && n.error) what += `: ${n.error}`;
    } else if (e.phase === "skipped") what = "skipped (an upstream node failed)";
    return `${at} ${e.path} ${e.name}: ${what}`;
  }

  private paint(phase: NodePhase, text: string): string {
    return this.opts.color ? `\x1b[${COLOR[phase]}m${text}\x1b[0m` : text;
  }

  /** The live display's lines, each cut to `width`. */
  frameLines(width: number): string[] {
    const counts = new Map<NodePhase, number>();
    for (const n of this.nodes.values()) counts.set(n.phase, (counts.get(n.phase) ?? 0) + 1);
    const parts = PHASES.filter((p) => counts.get(p)).map((p) => ({ p, text: `${SYMBOL[p]} ${counts.get(p)} ${p}` }));
    const elapsed = formatDurationMs(this.now() - this.started);
    const head = `${this.title}  ${elapsed}  ${parts.map((x) => x.text).join("  ")}`;
    const lines: { text: string; phase?: NodePhase }[] = [{ text: head }];
    if (width >= NARROW) {
      const running = [...this.nodes.values()].filter((n) => n.phase === "running");
      for (const n of running.slice(0, MAX_RUNNING_SHOWN)) {
        const took = n.startedAt !== undefined ? formatDurationMs(this.now() - n.startedAt) : "";
        const attempt = n.attempt > 1 ? ` (attempt ${n.attempt} of ${n.retries + 1})` : "";
        lines.push({ text: `  ${SYMBOL.running} ${n.path} ${n.name} ${took}${attempt}`, phase: "running" });
      }
      if (running.length > MAX_RUNNING_SHOWN)
        lines.push({ text: `  … and ${running.length - MAX_RUNNING_SHOWN} more running` });
    }
    // Cut before colouring: escapes take no columns. The last column stays free so no line wraps.
    return lines.map((l) => {
      const cut = fitWidth(l.text, Math.max(1, width - 1));
      return l.phase ? this.paint(l.phase, cut) : cut;
    });
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, this.opts.frameMs ?? 100);
    this.timer.unref();
  }

  /** Draws the live display now, over the previous frame, when it changed. */
  render(): void {
    if (this.opts.mode !== "tty" || this.stopped) return;
    const lines = this.frameLines(this.opts.columns?.() ?? 80);
    const frame = lines.join("\n");
    if (frame === this.lastFrame && this.shownLines > 0) return;
    // One write per frame: back to the frame's first line, each line cleared and rewritten, the rest cleared.
    const up = this.shownLines > 0 ? `\r\x1b[${this.shownLines}A` : "";
    this.opts.write(`\x1b[?25l${up}${lines.map((l) => `\x1b[2K${l}\n`).join("")}\x1b[J\x1b[?25h`);
    this.shownLines = lines.length;
    this.lastFrame = frame;
  }

  /** Removes the live display from the terminal. */
  private erase(): void {
    if (this.shownLines === 0) return;
    this.opts.write(`\r\x1b[${this.shownLines}A\x1b[J`);
    this.shownLines = 0;
    this.lastFrame = "";
  }

  /** Ends the display (erasing the live frame); later events are kept for the summary but not shown. */
  stop(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = undefined;
    this.ticker = undefined;
    if (this.opts.mode === "tty") this.erase();
    this.stopped = true;
  }
}

/** A node in the end-of-run summary. */
export interface SummaryNode {
  readonly path: string;
  readonly name: string;
  readonly phase: NodePhase;
  readonly durationMs?: number;
  readonly cacheHit: boolean;
  readonly attempt: number;
  /** Where the node's deck can be opened. */
  readonly deck?: string;
  readonly error?: string;
}

/**
 * The end-of-run summary: a headline, then a row per node (status, duration, cache hit, attempts) and its deck or
 * error on the next line.
 *
 * @example
 * formatSummary("workflow wf succeeded in 1.2s", [{ path: "n0", name: "t", phase: "cached", cacheHit: true, attempt: 1 }]);
 */
export function formatSummary(headline: string, nodes: readonly SummaryNode[]): string {
  const lines = [headline];
  const pw = Math.max(0, ...nodes.map((n) => n.path.length));
  const nw = Math.max(0, ...nodes.map((n) => n.name.length));
  for (const n of nodes) {
    const notes: string[] = [];
    if (n.durationMs !== undefined) notes.push(formatDurationMs(n.durationMs));
    if (n.cacheHit) notes.push("cache hit");
    if (n.attempt > 1) notes.push(`${n.attempt} attempts`);
    lines.push(
      `  ${SYMBOL[n.phase]} ${n.path.padEnd(pw)}  ${n.name.padEnd(nw)}  ${n.phase.padEnd(9)} ${notes.join(", ")}`.trimEnd(),
    );
    if (n.error) lines.push(`      error: ${firstLine(n.error)}`);
    if (n.deck) lines.push(`      deck: ${n.deck}`);
  }
  return `${lines.join("\n")}\n`;
}
