/**
 * Native values as JSON for the command line: what `tsflyte run` prints. Values JSON cannot hold get a readable
 * stand-in instead of being dropped or throwing.
 */
import { setKey } from "../types/keys.js";

/**
 * A JSON-safe copy of a native value: Dates become ISO strings, bigints strings, files and directories their path
 * (anything with `toJSON`), Maps objects (or `[key, value]` pairs when a key is not a string), Sets arrays, byte
 * arrays base64, non-finite numbers `"NaN"`/`"Infinity"`, `undefined` `null`, and cycles `"[Circular]"`.
 *
 * @example
 * toJsonValue({ at: new Date(0), n: 2n ** 64n }); // { at: "1970-01-01T00:00:00.000Z", n: "18446744073709551616" }
 */
export function toJsonValue(value: unknown): unknown {
  return convert(value, []);
}

/**
 * Pretty-printed JSON of a native value (see `toJsonValue`), two-space indented.
 *
 * @example
 * formatJson(new Map([["a", 1]])); // '{\n  "a": 1\n}'
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value), null, 2);
}

function convert(value: unknown, ancestors: object[]): unknown {
  switch (typeof value) {
    case "undefined":
      return null;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "string":
    case "boolean":
      return value;
    case "symbol":
      return value.toString();
    case "function":
      return `[function${value.name ? ` ${value.name}` : ""}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return "[Circular]";
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof Uint8Array) return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString("base64");
  if (obj instanceof ArrayBuffer) return Buffer.from(obj).toString("base64");
  const inner = [...ancestors, obj];
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    return Array.from(obj as unknown as ArrayLike<unknown>, (v) => convert(v, inner));
  }
  if (Array.isArray(obj) || obj instanceof Set) return Array.from(obj, (v) => convert(v, inner));
  if (obj instanceof Map) {
    const entries = [...obj.entries()];
    if (entries.every(([k]) => typeof k === "string")) {
      return objectOf(entries.map(([k, v]) => [k as string, convert(v, inner)]));
    }
    return entries.map(([k, v]) => [convert(k, inner), convert(v, inner)]);
  }
  if (obj instanceof Error) return { name: obj.name, message: obj.message };
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return convert(toJSON.call(obj), inner);
  return objectOf(Object.entries(obj).map(([k, v]) => [k, convert(v, inner)]));
}

function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) setKey(out, k, v);
  return out;
}
