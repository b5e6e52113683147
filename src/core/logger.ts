/**
 * A structured logger: JSON lines on stderr with the execution id and task name, secrets masked.
 */
import { mask } from "../deck/deck.js";
import { hasLogObserver, reportLog } from "./observer.js";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger. */
export interface Logger {
  debug(message: string, fields?: unknown): void;
  info(message: string, fields?: unknown): void;
  warn(message: string, fields?: unknown): void;
  error(message: string, fields?: unknown): void;
}

/**
 * Creates a logger for one execution (`executionName`, the execution id's name) and task. The level comes from
 * `FLYTE_SDK_LOGGING_LEVEL` (debug, info, warn, error; default warn).
 */
export function createLogger(opts: { executionName: string; taskName: string; redact: ReadonlySet<string> }): Logger {
  const envLevel = (process.env.FLYTE_SDK_LOGGING_LEVEL ?? "warn").toLowerCase() as LogLevel;
  const min = ORDER[envLevel] ?? ORDER.warn;
  const write = (level: LogLevel, message: string, fields?: unknown) => {
    const observed = hasLogObserver();
    if (ORDER[level] < min && !observed) return;
    const extra = fields instanceof Error ? { error: fields.message } : fields;
    const line = JSON.stringify(
      {
        time: new Date().toISOString(),
        level,
        execution: opts.executionName,
        task: opts.taskName,
        message,
        ...(extra && typeof extra === "object" ? extra : extra !== undefined ? { value: extra } : {}),
      },
      // Each string is masked before encoding: a secret holding quotes or backslashes would escape a mask of the JSON.
      (_k, v) => (typeof v === "bigint" ? v.toString() : typeof v === "string" ? mask(v, opts.redact) : v),
    );
    if (observed) reportLog(level, mask(message, opts.redact), line, ORDER[level] >= min);
    if (ORDER[level] >= min) process.stderr.write(`${line}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
