/**
 * flytekit's hash of an offloaded literal (`flytekit.utils.pbhash.compute_hash_string`):
 * `base64(sha256(json.dumps(MessageToDict(literal), sort_keys=True, separators=(",", ":"))))`.
 *
 * To get the same bytes as Python, the proto3 JSON is printed the way `json.dumps` prints it: keys sorted, no spaces,
 * every non-ASCII character escaped as `\uXXXX`, and numbers as Python floats (`1.0`, `1e+16`), since every number in
 * a literal's JSON is a `double` (`float_value`, `Struct` values; integers are int64 strings).
 */
import { createHash } from "node:crypto";
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Literal, LiteralSchema } from "../idl/gen/flyteidl/core/literals_pb.js";

/** Python's `repr(float)`: the shortest round-trip digits, fixed notation for exponents in [-5, 16). */
export function pythonFloat(x: number): string {
  if (Object.is(x, -0)) return "-0.0";
  if (x === 0) return "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, expText] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || "0"}`;
}

/** A string as `json.dumps` (with `ensure_ascii`) prints it. */
function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** JSON as `json.dumps(v, sort_keys=True, separators=(",", ":"))` prints it, numbers as Python floats. */
export function pythonJson(v: JsonValue): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      // NaN and infinities never reach here: proto JSON writes them as strings.
      return pythonFloat(v);
    case "string":
      return pythonString(v);
  }
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(",")}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${pythonString(k)}:${pythonJson((v as Record<string, JsonValue>)[k]!)}`).join(",")}}`;
}

/**
 * The hash flytekit gives an offloaded literal that has none of its own.
 *
 * @example
 * literalHash(lit); // "0XUsZ...=" (base64 of a SHA-256)
 */
export function literalHash(lit: Literal): string {
  const json = pythonJson(toJson(LiteralSchema, lit));
  return createHash("sha256").update(json, "utf8").digest("base64");
}
