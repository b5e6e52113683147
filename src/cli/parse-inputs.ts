/**
 * Command-line inputs: `--<input> <value>` (or `--<input>=<value>`) arguments read as the native values an entity's
 * declared types take. Dispatch is on the Flyte `LiteralType`, so it works for types from any copy of the SDK and
 * for types added later (unknown shapes are read as JSON, else as text); each type's own `parse` has the last word.
 */
import { BlobType_BlobDimensionality, type LiteralType, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import { isRemoteUri } from "../types/blob.js";
import { parseDuration } from "../types/duration.js";
import type { AnyType } from "../types/type.js";
import { UsageError } from "./command.js";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";

/** Declared inputs in declaration order: name and type. */
export type InputList = readonly (readonly [string, AnyType])[];

/** What `parseInputs` found. */
export interface ParsedInputs {
  /** Native values of the inputs given on the command line (left-out inputs are absent). */
  readonly values: Record<string, unknown>;
  /** The reserved options found among the arguments, as written (e.g. `--json`, `-h`). */
  readonly options: readonly string[];
}

/** Options of `parseInputs`. */
export interface ParseInputsOptions {
  /**
   * The command's own options found among the inputs: long ones without dashes (`"json"`), short ones with
   * (`"-h"`). An input of the same name wins over a long one.
   */
  readonly reserved?: readonly string[];
  /** The directory relative file and directory paths are resolved against (default: the process's). */
  readonly cwd?: string;
  /** Who the inputs belong to, for messages, e.g. `workflow examples.hello.wf`. */
  readonly owner?: string;
  /** A line attached to every error, e.g. where to find the entity's help. */
  readonly hint?: string;
}

/** Words read as booleans, lower-cased. */
const BOOL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["true", true],
  ["t", true],
  ["yes", true],
  ["y", true],
  ["on", true],
  ["1", true],
  ["false", false],
  ["f", false],
  ["no", false],
  ["n", false],
  ["off", false],
  ["0", false],
]);

/** The union tag of `t.any()`: its blob holds a JSON-like value, not a path. */
const UNTYPED_TAG = "FlytePickle";

/**
 * Reads an entity's inputs from command-line arguments. Flags name inputs as declared (`--my_input`) or in kebab
 * case (`--my-input`); booleans may be given bare (`--flag`, true) or negated (`--no-flag`). Unknown flags, stray
 * arguments, repeated flags, bad values and missing required inputs are `UsageError`s naming the input, the value
 * and the type.
 *
 * @example
 * parseInputs(["--a", "1", "--xs=[1,2]"], [["a", t.int], ["xs", t.list(t.int)]]).values; // { a: 1, xs: [1, 2] }
 */
export function parseInputs(args: readonly string[], inputs: InputList, opts: ParseInputsOptions = {}): ParsedInputs {
  try {
    return readInputs(args, inputs, opts);
  } catch (e) {
    if (e instanceof UsageError && e.hint === undefined && opts.hint) throw new UsageError(e.message, opts.hint);
    throw e;
  }
}

function readInputs(args: readonly string[], inputs: InputList, opts: ParseInputsOptions): ParsedInputs {
  const types = new Map(inputs);
  const reserved = new Set(opts.reserved ?? []);
  const owner = opts.owner ? ` for ${opts.owner}` : "";
  const known = () =>
    inputs.length ? `the inputs are ${inputs.map(([n]) => `--${n}`).join(", ")}` : "it takes no inputs";
  const raw = new Map<string, string>();
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      if (reserved.has(arg)) {
        options.push(arg);
        continue;
      }
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}${owner}; ${known()}`);
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${owner}; inputs are given as --<input> <value>`);
    }
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    let name = inputNamed(flag, types);
    let negated = false;
    if (name === undefined && /^no[-_]/.test(flag)) {
      const positive = inputNamed(flag.slice(3), types);
      if (positive !== undefined && isBoolFlag(types.get(positive)!)) {
        name = positive;
        negated = true;
      }
    }
    if (name === undefined) {
      if (reserved.has(flag) && inline === undefined) {
        options.push(arg);
        continue;
      }
      throw new UsageError(`unknown option --${flag}${owner}; ${known()}`);
    }
    if (raw.has(name)) throw new UsageError(`--${name} was given more than once`);
    const type = types.get(name)!;
    let value: string;
    if (negated) {
      if (inline !== undefined) throw new UsageError(`--${flag} takes no value`);
      value = "false";
    } else if (inline !== undefined) {
      value = inline;
    } else if (isBoolFlag(type)) {
      const next = args[i + 1];
      if (next !== undefined && BOOL_WORDS.has(next.toLowerCase())) {
        value = next;
        i++;
      } else {
        value = "true";
      }
    } else {
      if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value (${type.name})`);
      value = args[++i]!;
    }
    raw.set(name, value);
  }
  const values: Record<string, unknown> = {};
  for (const [name, text] of raw) values[name] = parseInputValue(name, types.get(name)!, text, opts.cwd);
  const missing = inputs.filter(([n, t]) => !raw.has(n) && !t.hasDefault && !t.acceptsNone);
  if (missing.length > 0) {
    const list = missing.map(([n, t]) => `--${n} (${t.name})`).join(", ");
    throw new UsageError(`missing required input${missing.length > 1 ? "s" : ""}${owner}: ${list}`);
  }
  return { values, options };
}

/** The input a flag names: exactly, or with dashes for underscores. */
function inputNamed(flag: string, types: ReadonlyMap<string, AnyType>): string | undefined {
  if (types.has(flag)) return flag;
  const snake = flag.replaceAll("-", "_");
  return types.has(snake) ? snake : undefined;
}

/**
 * Reads one command-line string as the native value of `type`, checked by the type's own `parse`.
 * Throws a `UsageError` naming the input, the value and the type when it does not fit.
 *
 * @example
 * parseInputValue("at", t.datetime, "2024-05-01T12:00"); // Date 2024-05-01T12:00:00.000Z (UTC when no zone)
 * parseInputValue("every", t.duration, "PT1H30M"); // 5400000
 */
export function parseInputValue(name: string, type: AnyType, raw: string, cwd: string = process.cwd()): unknown {
  let candidate: unknown;
  try {
    candidate = convert(type, raw, cwd);
  } catch (e) {
    throw invalid(name, type, raw, reasonOf(e));
  }
  try {
    return type.parse(candidate, [name]);
  } catch (e) {
    throw invalid(name, type, raw, reasonOf(e).replace(new RegExp(`^${name}: `), ""));
  }
}

function invalid(name: string, type: AnyType, raw: string, why: string): UsageError {
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
  return new UsageError(`invalid value ${JSON.stringify(shown)} for --${name} (${type.name}): ${why}`);
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Whether a flag of this type may be given bare (`--flag` for true): booleans and optional booleans.
 *
 * @example
 * isBoolFlag(t.optional(t.bool)); // true
 */
export function isBoolFlag(type: AnyType): boolean {
  const lt = type.literalType.type;
  if (lt.case === "simple") return lt.value === SimpleType.BOOLEAN;
  if (lt.case !== "unionType") return false;
  const kinds = lt.value.variants.map((v) => (v.type.case === "simple" ? v.type.value : -1));
  return kinds.includes(SimpleType.BOOLEAN) && kinds.every((k) => k === SimpleType.BOOLEAN || k === SimpleType.NONE);
}

/**
 * How a value of this type is written on the command line, for help texts (empty when obvious).
 *
 * @example
 * inputFormat(t.list(t.int)); // "JSON"
 */
export function inputFormat(type: AnyType): string {
  const lt = type.literalType.type;
  switch (lt.case) {
    case "simple":
      switch (lt.value) {
        case SimpleType.BOOLEAN:
          return "true/false, or bare for true";
        case SimpleType.DATETIME:
          return "ISO-8601, e.g. 2024-05-01T12:00:00Z";
        case SimpleType.DURATION:
          return "e.g. 1h30m, PT1H30M, or milliseconds";
        case SimpleType.NONE:
          return "null";
        case SimpleType.STRUCT:
        case SimpleType.BINARY:
          return "JSON";
        default:
          return "";
      }
    case "collectionType":
    case "mapValueType":
      return "JSON";
    case "enumType":
      return "";
    case "blob":
      if (type.tag === UNTYPED_TAG) return "JSON, or text";
      return lt.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? "a directory or URI" : "a file or URI";
    default:
      return "JSON, or text";
  }
}

/** A reason a string cannot be read as a type, before the type's own `parse`. */
class Rejection extends Error {}

/** Turns the string into the value the type's `parse` takes, or throws a `Rejection` saying why not. */
function convert(type: AnyType, raw: string, cwd: string): unknown {
  const lt: LiteralType["type"] = type.literalType.type;
  switch (lt.case) {
    case "simple":
      switch (lt.value) {
        case SimpleType.INTEGER:
          return integer(type, raw);
        case SimpleType.FLOAT:
          return float(raw);
        case SimpleType.STRING:
          return raw;
        case SimpleType.BOOLEAN: {
          const b = BOOL_WORDS.get(raw.trim().toLowerCase());
          if (b === undefined) throw new Rejection("expected true or false");
          return b;
        }
        case SimpleType.DATETIME:
          return datetime(raw);
        case SimpleType.DURATION:
          return duration(raw);
        case SimpleType.NONE:
          if (/^(null|none)$/i.test(raw.trim())) return null;
          throw new Rejection('expected "null"');
        default:
          return json(raw);
      }
    case "enumType":
      if (!lt.value.values.includes(raw)) throw new Rejection(`not one of ${lt.value.values.join(", ")}`);
      return raw;
    case "collectionType":
    case "mapValueType":
      return json(raw);
    case "unionType":
      return union(type, raw, cwd);
    case "blob":
      if (type.tag === UNTYPED_TAG) return jsonOrText(raw);
      return localPath(raw, lt.value.dimensionality === BlobType_BlobDimensionality.MULTIPART, cwd);
    default:
      return jsonOrText(raw);
  }
}

function integer(type: AnyType, raw: string): number | bigint {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new Rejection("not an integer");
  if (acceptsBigint(type)) return BigInt(s);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) {
    throw new Rejection("outside the safe integer range; declare the input as t.bigint for the full int64 range");
  }
  return n;
}

function acceptsBigint(type: AnyType): boolean {
  try {
    type.parse(0n, []);
    return true;
  } catch {
    return false;
  }
}

function float(raw: string): number {
  const s = raw.trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Number(s);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2]!.toLowerCase() === "nan" ? Number.NaN : special[1] === "-" ? -Infinity : Infinity;
  throw new Rejection("not a number");
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO-8601 date or date-time; without a zone it is UTC, as Flyte datetimes are. Also `now` and `today`. */
function datetime(raw: string): Date {
  const s = raw.trim();
  if (/^now$/i.test(s)) return new Date();
  if (/^today$/i.test(s)) {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  }
  const m = ISO_DATETIME.exec(s);
  if (!m) throw new Rejection("not an ISO-8601 date-time (e.g. 2024-05-01T12:00:00Z)");
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? "";
  if (/[1-9]/.test(fraction.slice(3))) throw new Rejection("sub-millisecond digits cannot be held by a Date");
  const ms = Number(fraction.slice(0, 3).padEnd(3, "0"));
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  utc.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  if (
    utc.getUTCMonth() !== month - 1 ||
    utc.getUTCDate() !== day ||
    utc.getUTCHours() !== hour ||
    utc.getUTCMinutes() !== minute ||
    utc.getUTCSeconds() !== second
  ) {
    throw new Rejection("not a valid calendar date and time");
  }
  const zone = m[8]?.toUpperCase();
  if (!zone || zone === "Z") return utc;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const offsetMs = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000 * (z[1] === "-" ? -1 : 1);
  return new Date(utc.getTime() - offsetMs);
}

const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const ISO_DURATION = new RegExp(
  `^([+-])?P(?!$)(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}W)?(?:${NUM}D)?(?:T(?=\\d)(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`,
  "i",
);

/** Milliseconds from an ISO-8601 duration (`PT1H30M`, `P2D`), a Go-style one (`1h30m`), or a number of ms. */
function duration(raw: string): number {
  const s = raw.trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return Number(s);
  const m = ISO_DURATION.exec(s);
  if (m) {
    const n = (i: number) => Number((m[i] ?? "0").replace(",", "."));
    if (n(2) !== 0 || n(3) !== 0) throw new Rejection("years and months have no fixed length; use days, e.g. P30D");
    const ms = n(4) * 604_800_000 + n(5) * 86_400_000 + n(6) * 3_600_000 + n(7) * 60_000 + n(8) * 1000;
    return m[1] === "-" ? -ms : ms;
  }
  try {
    return parseDuration(s);
  } catch {
    throw new Rejection("not a duration; use e.g. 1h30m, PT1H30M, or a number of milliseconds");
  }
}

function json(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new Rejection(`not valid JSON (${reasonOf(e)})`);
  }
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** An existing local file or directory (made absolute), or a remote URI passed through. */
function localPath(raw: string, isDirectory: boolean, cwd: string): string {
  if (raw === "") throw new Rejection("expected a path");
  if (isRemoteUri(raw)) return raw;
  const path = resolve(cwd, raw.startsWith("file://") ? raw.slice("file://".length) : raw);
  if (!existsSync(path)) throw new Rejection(`no such ${isDirectory ? "directory" : "file"}: ${path}`);
  const isDir = statSync(path).isDirectory();
  if (isDirectory && !isDir) throw new Rejection(`${path} is not a directory`);
  if (!isDirectory && isDir) throw new Rejection(`${path} is a directory, not a file`);
  return path;
}

/**
 * The first variant that reads the string, trying catch-all variants (text, untyped) last so that `5` is a number
 * for `int | str` and `null` is none for an optional string.
 */
function union(type: AnyType, raw: string, cwd: string): unknown {
  const variants = (type as { variants?: unknown }).variants;
  if (!Array.isArray(variants)) return jsonOrText(raw);
  const catchAll = (v: AnyType) => {
    const lt = v.literalType.type;
    return (lt.case === "simple" && lt.value === SimpleType.STRING) || v.tag === UNTYPED_TAG ? 1 : 0;
  };
  const ordered = [...(variants as AnyType[])].sort((a, b) => catchAll(a) - catchAll(b));
  const reasons: string[] = [];
  for (const v of ordered) {
    try {
      const value = convert(v, raw, cwd);
      v.parse(value, []);
      return value;
    } catch (e) {
      reasons.push(`${v.name}: ${reasonOf(e)}`);
    }
  }
  throw new Rejection(`no variant reads it (${reasons.join("; ")})`);
}
