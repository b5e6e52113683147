/**
 * Launch plan schedules and notifications, checked with flytekit's rules (flytekit/core/schedule.py and
 * notification.py): cron schedules (five fields or an alias, an optional ISO 8601 offset), fixed rates in whole
 * minutes, hours or days, an optional kickoff-time input, and notifications on terminal phases.
 */
import { FlyteValidationError } from "../errors.js";
import { type DurationInput, parseDuration } from "../types/duration.js";

/** A cron schedule: five fields (`"0 3 * * *"`) or an alias (`"@daily"`), run by Flyte's native scheduler. */
export interface CronSchedule {
  cron: string;
  /** An ISO 8601 duration that shifts every run (e.g. `"PT1H"`). */
  offset?: string;
  /** A `t.datetime` input of the workflow that receives the scheduled time of each run. */
  kickoffTimeInput?: string;
}

/** A fixed-rate schedule: every duration (whole minutes, at least one), e.g. `"2h"` or `"10m"`. */
export interface FixedRateSchedule {
  fixedRate: DurationInput;
  /** A `t.datetime` input of the workflow that receives the scheduled time of each run. */
  kickoffTimeInput?: string;
}

/** A launch plan schedule. */
export type Schedule = CronSchedule | FixedRateSchedule;

/** The workflow execution phases a notification can fire on (the terminal ones, as flytekit allows). */
export type NotificationPhase = "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";

/** A notification sent when an execution of the launch plan reaches one of `phases`. */
export interface Notification {
  type: "email" | "slack" | "pagerDuty";
  phases: readonly NotificationPhase[];
  recipients: readonly string[];
}

/** A checked schedule: a cron expression or a rate in flytekit's unit, and the kickoff input. */
export type ResolvedSchedule =
  | { readonly kind: "cron"; readonly cron: string; readonly offset: string; readonly kickoffTimeInput: string }
  | {
      readonly kind: "rate";
      readonly value: number;
      readonly unit: "MINUTE" | "HOUR" | "DAY";
      readonly kickoffTimeInput: string;
    };

const CRON_ALIASES = [
  "hourly",
  "hours",
  "@hourly",
  "daily",
  "days",
  "@daily",
  "weekly",
  "weeks",
  "@weekly",
  "monthly",
  "months",
  "@monthly",
  "annually",
  "@annually",
  "yearly",
  "years",
  "@yearly",
];

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The five cron fields: name, range, and names usable for values. */
const FIELDS: readonly [string, number, number, readonly string[], number][] = [
  ["minute", 0, 59, [], 0],
  ["hour", 0, 23, [], 0],
  ["day of month", 1, 31, [], 0],
  ["month", 1, 12, MONTHS, 1],
  ["day of week", 0, 7, DAYS, 0],
];

const OFFSET = /^[-+]?P([-+0-9YMWD]+)?(T([-+0-9HMS.,]+)?)?$/;

function cronValue(text: string, field: (typeof FIELDS)[number]): number {
  const [, min, max, names, base] = field;
  const i = names.indexOf(text.toUpperCase());
  const v = i >= 0 ? i + base : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(v >= min && v <= max)) throw new Error(`${JSON.stringify(text)} is not a ${field[0]} (${min}-${max})`);
  return v;
}

/** Checks a five-field cron expression; throws an Error naming the field that is wrong. */
function checkCron(expr: string): void {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error(
      `a cron schedule has five fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    for (const item of part.split(",")) {
      const [range, step, ...extra] = item.split("/");
      if (extra.length || range === "" || range === undefined)
        throw new Error(`${JSON.stringify(item)} in the ${field[0]} field`);
      if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))
        throw new Error(`step ${JSON.stringify(step)} in the ${field[0]} field is not a positive integer`);
      if (range === "*" || (range === "?" && (i === 2 || i === 4))) continue;
      const [lo, hi, ...more] = range.split("-");
      if (more.length) throw new Error(`${JSON.stringify(range)} in the ${field[0]} field`);
      const a = cronValue(lo!, field);
      if (hi !== undefined && cronValue(hi, field) < a)
        throw new Error(`range ${JSON.stringify(range)} in the ${field[0]} field runs backwards`);
    }
  }
}

function checkKickoff(owner: string, k: unknown): string {
  if (k === undefined) return "";
  if (typeof k !== "string" || k === "")
    throw new FlyteValidationError(`${owner}: schedule.kickoffTimeInput = ${JSON.stringify(k)} is not an input name`);
  return k;
}

/** Checks a schedule with flytekit's rules and returns it resolved. */
export function resolveSchedule(owner: string, s: unknown): ResolvedSchedule {
  if (s === null || typeof s !== "object" || Array.isArray(s))
    throw new FlyteValidationError(
      `${owner}: schedule must be { cron, offset?, kickoffTimeInput? } or { fixedRate, kickoffTimeInput? }, got ${JSON.stringify(s)}`,
    );
  const o = s as Record<string, unknown>;
  const known = "cron" in o ? ["cron", "offset", "kickoffTimeInput"] : ["fixedRate", "kickoffTimeInput"];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length || ("cron" in o && "fixedRate" in o) || !("cron" in o || "fixedRate" in o))
    throw new FlyteValidationError(
      `${owner}: schedule must be { cron, offset?, kickoffTimeInput? } or { fixedRate, kickoffTimeInput? }, got ${JSON.stringify(s)}`,
    );
  const kickoffTimeInput = checkKickoff(owner, o.kickoffTimeInput);
  if ("cron" in o) {
    const cron = o.cron;
    if (typeof cron !== "string" || cron.trim() === "")
      throw new FlyteValidationError(`${owner}: schedule.cron = ${JSON.stringify(cron)} is not a cron expression`);
    if (!CRON_ALIASES.includes(cron.toLowerCase())) {
      try {
        checkCron(cron);
      } catch (e) {
        throw new FlyteValidationError(
          `${owner}: schedule.cron = ${JSON.stringify(cron)} is not a valid schedule: ${(e as Error).message}`,
        );
      }
    }
    let offset = "";
    if (o.offset !== undefined) {
      if (typeof o.offset !== "string" || !OFFSET.test(o.offset))
        throw new FlyteValidationError(
          `${owner}: schedule.offset = ${JSON.stringify(o.offset)} is not an ISO 8601 duration (e.g. "PT1H")`,
        );
      offset = o.offset;
    }
    return { kind: "cron", cron, offset, kickoffTimeInput };
  }
  let ms: number;
  try {
    ms = parseDuration(o.fixedRate as DurationInput);
  } catch (e) {
    throw new FlyteValidationError(`${owner}: schedule.fixedRate: ${(e as Error).message}`);
  }
  const MINUTE = 60_000;
  if (!(ms >= MINUTE) || ms % MINUTE !== 0)
    throw new FlyteValidationError(
      `${owner}: schedule.fixedRate = ${JSON.stringify(o.fixedRate)} must be a whole number of minutes, at least one`,
    );
  const minutes = ms / MINUTE;
  if (minutes % (24 * 60) === 0) return { kind: "rate", value: minutes / (24 * 60), unit: "DAY", kickoffTimeInput };
  if (minutes % 60 === 0) return { kind: "rate", value: minutes / 60, unit: "HOUR", kickoffTimeInput };
  return { kind: "rate", value: minutes, unit: "MINUTE", kickoffTimeInput };
}

const PHASES: readonly NotificationPhase[] = ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"];
const TYPES = ["email", "slack", "pagerDuty"];

/** Checks notifications: a known type, at least one terminal phase, at least one recipient. */
export function checkNotifications(owner: string, v: unknown): readonly Notification[] {
  if (!Array.isArray(v)) throw new FlyteValidationError(`${owner}: notifications must be a list`);
  for (const [i, n] of v.entries()) {
    const what = `${owner}: notifications[${i}]`;
    if (n === null || typeof n !== "object" || !TYPES.includes((n as Notification).type))
      throw new FlyteValidationError(
        `${what} must be { type: "email" | "slack" | "pagerDuty", phases, recipients }, got ${JSON.stringify(n)}`,
      );
    const { phases, recipients } = n as Notification;
    const unknown = Object.keys(n).filter((k) => !["type", "phases", "recipients"].includes(k));
    if (unknown.length) throw new FlyteValidationError(`${what} has unknown field(s) ${unknown.join(", ")}`);
    if (!Array.isArray(phases) || phases.length === 0)
      throw new FlyteValidationError(`${what}: phases must list at least one of ${PHASES.join(", ")}`);
    for (const p of phases) {
      if (!PHASES.includes(p))
        throw new FlyteValidationError(
          `${what}: phase ${JSON.stringify(p)} is not a terminal phase; notifications fire on ${PHASES.join(", ")}`,
        );
    }
    if (
      !Array.isArray(recipients) ||
      recipients.length === 0 ||
      recipients.some((r) => typeof r !== "string" || r.trim() === "")
    )
      throw new FlyteValidationError(
        `${what}: recipients must be a non-empty list of addresses, got ${JSON.stringify(recipients)}`,
      );
  }
  return v as Notification[];
}
