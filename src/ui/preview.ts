/**
 * Previews of literals for the run store: JSON values a person can read, made from the literal alone (no types, no
 * downloads). Big values are cut with a note saying what was left out; files, directories and dataframes are
 * referenced by their URI.
 */
import type { Literal, LiteralMap } from "../idl/gen/flyteidl/core/literals_pb.js";
import { decodeMsgpack, MsgpackExt, MsgpackFloat } from "../types/msgpack.js";

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Limits of a preview. */
export interface PreviewLimits {
  /** Characters of a string kept. */
  readonly maxString: number;
  /** Elements of a list (and keys of a map) kept. */
  readonly maxItems: number;
  /** Nesting depth kept. */
  readonly maxDepth: number;
}

/** The default limits: 2,000 characters, 100 items, depth 12. */
export const DEFAULT_LIMITS: PreviewLimits = { maxString: 2000, maxItems: 100, maxDepth: 12 };

/**
 * A literal map as a JSON object of previews.
 *
 * @example
 * previewLiteralMap(literalMap({ n: integerLiteral(3n) })); // { n: 3 }
 */
export function previewLiteralMap(lm: LiteralMap, limits: PreviewLimits = DEFAULT_LIMITS): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, lit] of Object.entries(lm.literals)) setOwn(out, k, previewLiteral(lit, limits));
  return out;
}

/** Sets a key as an own property, even `__proto__`. */
function setOwn(o: Record<string, JsonValue>, k: string, v: JsonValue): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** One literal as a JSON preview. */
export function previewLiteral(lit: Literal, limits: PreviewLimits = DEFAULT_LIMITS, depth = 0): JsonValue {
  if (depth > limits.maxDepth) return "… (nested too deep to show)";
  const v = lit.value;
  switch (v.case) {
    case "scalar":
      return previewScalar(v.value, limits, depth);
    case "collection":
      return previewList(v.value.literals, limits, (x) => previewLiteral(x, limits, depth + 1));
    case "map":
      return previewObject(Object.entries(v.value.literals), limits, (x) => previewLiteral(x, limits, depth + 1));
    case "offloadedMetadata":
      return { $offloaded: v.value.uri, bytes: Number(v.value.sizeBytes) };
    default:
      return null;
  }
}

function previewScalar(
  s: NonNullable<Extract<Literal["value"], { case: "scalar" }>["value"]>,
  limits: PreviewLimits,
  depth: number,
): JsonValue {
  const v = s.value;
  switch (v.case) {
    case "primitive": {
      const p = v.value.value;
      switch (p.case) {
        case "integer":
          return Number.isSafeInteger(Number(p.value)) ? Number(p.value) : p.value.toString();
        case "floatValue":
          return Number.isFinite(p.value) ? p.value : String(p.value);
        case "stringValue":
          return cutString(p.value, limits);
        case "boolean":
          return p.value;
        case "datetime": {
          const ms = Number(p.value.seconds) * 1000 + Math.floor(p.value.nanos / 1e6);
          const d = new Date(ms);
          return Number.isNaN(d.getTime()) ? `${p.value.seconds}s` : d.toISOString();
        }
        case "duration":
          return `${Number(p.value.seconds) + p.value.nanos / 1e9}s`;
        default:
          return null;
      }
    }
    case "noneType":
      return null;
    case "blob":
      return {
        [v.value.metadata?.type?.dimensionality === 1 ? "$dir" : "$file"]: v.value.uri,
        ...(v.value.metadata?.type?.format ? { format: v.value.metadata.type.format } : {}),
      };
    case "structuredDataset":
      return {
        $dataframe: v.value.uri,
        ...(v.value.metadata?.structuredDatasetType?.format
          ? { format: v.value.metadata.structuredDatasetType.format }
          : {}),
      };
    case "schema":
      return { $schema: v.value.uri };
    case "binary":
      if (v.value.tag === "msgpack") {
        try {
          return nativeToJson(decodeMsgpack(v.value.value, { floatWrapper: true }), limits, depth + 1);
        } catch {
          return { $binary: v.value.tag, bytes: v.value.value.length };
        }
      }
      return { $binary: v.value.tag, bytes: v.value.value.length };
    case "generic":
      return nativeToJson(v.value, limits, depth + 1);
    case "union":
      return v.value.value ? previewLiteral(v.value.value, limits, depth + 1) : null;
    case "error":
      return { $error: cutString(v.value.message, limits), node: v.value.failedNodeId };
    default:
      return null;
  }
}

function cutString(s: string, limits: PreviewLimits): string {
  if (s.length <= limits.maxString) return s;
  return `${s.slice(0, limits.maxString)}… (${s.length - limits.maxString} more characters not shown)`;
}

function previewList<T>(items: readonly T[], limits: PreviewLimits, each: (x: T) => JsonValue): JsonValue[] {
  const out = items.slice(0, limits.maxItems).map(each);
  if (items.length > limits.maxItems) out.push(`… ${items.length - limits.maxItems} more items not shown`);
  return out;
}

function previewObject<T>(
  entries: readonly (readonly [string, T])[],
  limits: PreviewLimits,
  each: (x: T) => JsonValue,
): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of entries.slice(0, limits.maxItems)) setOwn(out, k, each(x));
  if (entries.length > limits.maxItems) setOwn(out, "…", `${entries.length - limits.maxItems} more keys not shown`);
  return out;
}

/** A decoded msgpack or JSON value as a JSON preview. */
function nativeToJson(v: unknown, limits: PreviewLimits, depth: number): JsonValue {
  if (depth > limits.maxDepth) return "… (nested too deep to show)";
  if (v === null || v === undefined) return null;
  if (v instanceof MsgpackFloat) return v.value;
  if (v instanceof MsgpackExt) return { $ext: v.type, bytes: v.data.length };
  switch (typeof v) {
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "bigint":
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case "string":
      return cutString(v, limits);
    case "object":
      break;
    default:
      return String(v);
  }
  if (v instanceof Uint8Array) return { $bytes: v.length };
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (Array.isArray(v)) return previewList(v, limits, (x) => nativeToJson(x, limits, depth + 1));
  if (v instanceof Map) {
    return previewObject(
      [...v.entries()].map(([k, x]) => [typeof k === "string" ? k : String(k), x] as const),
      limits,
      (x) => nativeToJson(x, limits, depth + 1),
    );
  }
  return previewObject(Object.entries(v), limits, (x) => nativeToJson(x, limits, depth + 1));
}

/**
 * A native or JSON value as a JSON preview under the same limits (maps become objects, bigints numbers or text,
 * bytes their length).
 *
 * @example
 * previewValue({ xs: new Array(1000).fill(0) }).xs.length; // 101: 100 items and a note
 */
export function previewValue(value: unknown, limits: PreviewLimits = DEFAULT_LIMITS): JsonValue {
  return nativeToJson(value, limits, 0);
}
