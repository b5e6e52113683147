/**
 * Live progress of a remote execution on the terminal: one line per change of the execution's phase or of a node's
 * phase (or cache status), so the output reads well in a terminal and in a CI log alike.
 */
import type { ExecutionProgress, NodeProgress } from "../remote/execution.js";

/** Formats milliseconds as `850ms`, `12.3s` or `4m05s`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, "0")}s`;
}

function nodeLine(n: NodeProgress): string {
  const notes: string[] = [];
  if (n.durationMs !== undefined && n.phase !== "RUNNING" && n.phase !== "QUEUED")
    notes.push(formatDurationMs(n.durationMs));
  if (n.cache) notes.push(n.cache.toLowerCase().replace(/_/g, " "));
  const tail = notes.length ? ` (${notes.join(", ")})` : "";
  const err = n.error ? `: ${n.error.split("\n")[0]}` : "";
  return `  ${n.id.padEnd(12)} ${n.phase}${tail}${err}`;
}

/**
 * Renders progress reports as lines, remembering what it printed so each call returns only the changes.
 *
 * @example
 * const render = progressRenderer();
 * render({ phase: "RUNNING", nodes: [{ id: "n0", phase: "RUNNING", ... }] }); // ["execution RUNNING", "  n0  RUNNING"]
 */
export function progressRenderer(): (p: ExecutionProgress) => string[] {
  let phase = "";
  const seen = new Map<string, string>();
  return (p) => {
    const lines: string[] = [];
    if (p.phase !== phase) {
      phase = p.phase;
      lines.push(`execution ${p.phase}`);
    }
    for (const n of p.nodes) {
      const key = `${n.phase}/${n.cache ?? ""}`;
      if (seen.get(n.id) === key) continue;
      seen.set(n.id, key);
      lines.push(nodeLine(n));
    }
    return lines;
  };
}
