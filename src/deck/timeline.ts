/**
 * The "Timeline" deck (flytekit's `TimeLineDeck`): the phases of a task execution with their start, wall time and
 * process (CPU) time, drawn as an inline SVG chart above a table. It renders when the page is written, so it shows
 * every phase recorded by then.
 */
import { Deck } from "./deck.js";
import { escapeHtml, formatNumber } from "./html.js";

/** One recorded phase. */
export interface TimelineEntry {
  readonly name: string;
  /** Start and finish, in milliseconds since the epoch. */
  readonly start: number;
  readonly finish: number;
  /** CPU time of the process (user + system) over the phase, in milliseconds. */
  readonly cpuMs: number;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * A deck of timed phases.
 *
 * @example
 * const rows = await currentContext().timeline.time("load rows", () => fetchRows());
 */
export class TimelineDeck extends Deck {
  readonly #entries: TimelineEntry[] = [];
  constructor(name = "Timeline") {
    super(name);
  }
  /** The phases recorded so far. */
  get entries(): readonly TimelineEntry[] {
    return this.#entries;
  }
  /** Records a phase. */
  record(entry: TimelineEntry): void {
    const { name, start, finish, cpuMs } = entry;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Timeline: a phase needs a non-empty name, got ${JSON.stringify(name)}`);
    }
    for (const [k, v] of [
      ["start", start],
      ["finish", finish],
      ["cpuMs", cpuMs],
    ] as const) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(`Timeline: phase ${JSON.stringify(name)}: ${k} must be a finite number, got ${v}`);
      }
    }
    if (finish < start) {
      throw new RangeError(`Timeline: phase ${JSON.stringify(name)} finishes (${finish}) before it starts (${start})`);
    }
    this.#entries.push({ name, start, finish, cpuMs });
  }
  /** Runs `fn` and records it as a phase named `name` (also when it throws). */
  async time<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
    const start = Date.now();
    const cpu = cpuNow();
    try {
      return await fn();
    } finally {
      this.record({ name, start, finish: Date.now(), cpuMs: cpuNow() - cpu });
    }
  }
  /** Runs a synchronous `fn` and records it as a phase named `name` (also when it throws). */
  timeSync<R>(name: string, fn: () => R): R {
    const start = Date.now();
    const cpu = cpuNow();
    try {
      return fn();
    } finally {
      this.record({ name, start, finish: Date.now(), cpuMs: cpuNow() - cpu });
    }
  }
  override get html(): string {
    const own = super.html;
    if (this.#entries.length === 0) return own;
    return renderTimeline(this.#entries) + (own ? `\n${own}` : "");
  }
}

/** The chart and table of a list of phases. */
export function renderTimeline(entries: readonly TimelineEntry[]): string {
  const t0 = Math.min(...entries.map((e) => e.start));
  const t1 = Math.max(...entries.map((e) => e.finish));
  const total = Math.max(t1 - t0, 1);
  const labelW = 240;
  const chartW = 480;
  const rowH = 22;
  const W = labelW + chartW + 20;
  const H = entries.length * rowH + 30;
  const bars = entries
    .map((e, i) => {
      const x = labelW + ((e.start - t0) / total) * chartW;
      const w = Math.max(((e.finish - e.start) / total) * chartW, 1);
      const y = i * rowH + 4;
      const name = escapeHtml(e.name.length > 36 ? `${e.name.slice(0, 35)}…` : e.name);
      return `<text x="${labelW - 8}" y="${y + 13}" font-size="11" text-anchor="end" fill="#1f2328">${name}</text><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="2" fill="#0969da"><title>${escapeHtml(e.name)}: ${e.finish - e.start} ms</title></rect>`;
    })
    .join("");
  const axisY = entries.length * rowH + 8;
  const axis = `<line x1="${labelW}" y1="${axisY}" x2="${labelW + chartW}" y2="${axisY}" stroke="#8c959f"/><text x="${labelW}" y="${axisY + 14}" font-size="10" fill="#57606a">0 ms</text><text x="${labelW + chartW}" y="${axisY + 14}" font-size="10" text-anchor="end" fill="#57606a">${total} ms</text>`;
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.name)}</td><td>${new Date(e.start).toISOString()}</td><td class="num">${formatNumber((e.finish - e.start) / 1000)}</td><td class="num">${formatNumber(e.cpuMs / 1000)}</td></tr>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="timeline">${bars}${axis}</svg>
<table><thead><tr><th>Phase</th><th>Start</th><th>Wall time (s)</th><th>Process time (s)</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">Phases shorter than a millisecond are hard to see on the chart. Process time is the CPU time of the whole process over the phase (other work in the same process counts too).</p>`;
}
