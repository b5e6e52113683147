/**
 * Durations as users write them: milliseconds, or Go-style strings such as `"1h30m"`, `"90s"`, `"1.5s"`, `"250ms"`.
 */

/** A duration string like `"1h30m"`, `"45s"` or `"250ms"`. */
export type DurationString = `${number}${"ns" | "us" | "ms" | "s" | "m" | "h" | "d"}${string}`;

/** A duration: milliseconds, or a duration string. */
export type DurationInput = number | DurationString;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration into milliseconds. Throws a `RangeError` naming the input when it is not a duration.
 *
 * @example
 * parseDuration("1h30m"); // 5400000
 */
export function parseDuration(input: DurationInput | string): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new RangeError(`duration must be a finite number of milliseconds, got ${input}`);
    return input;
  }
  const s = input.trim();
  let sign = 1;
  let i = 0;
  if (s[0] === "-" || s[0] === "+") {
    sign = s[0] === "-" ? -1 : 1;
    i = 1;
  }
  if (i === s.length) throw new RangeError(`not a duration: ${JSON.stringify(input)} (expected e.g. "1h30m", "45s")`);
  let total = 0;
  PART.lastIndex = i;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) {
      throw new RangeError(`not a duration: ${JSON.stringify(input)} (expected e.g. "1h30m", "45s", "250ms")`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return sign * total;
}

/** Formats milliseconds as a compact duration string, e.g. `5400000` → `"1h30m"`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out = "";
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0) out += rest % 1000 === 0 ? `${rest / 1000}s` : rest >= 1000 ? `${rest / 1000}s` : `${rest}ms`;
  return (neg ? "-" : "") + out;
}

/** Splits milliseconds into protobuf Duration seconds and nanoseconds (same sign). */
export function msToSecondsNanos(ms: number): { seconds: bigint; nanos: number } {
  const totalNanos = BigInt(Math.round(ms * 1e6));
  const seconds = totalNanos / 1_000_000_000n;
  const nanos = Number(totalNanos - seconds * 1_000_000_000n);
  return { seconds, nanos };
}

/** Joins protobuf Duration seconds and nanoseconds into milliseconds. */
export function secondsNanosToMs(seconds: bigint, nanos: number): number {
  return Number(seconds) * 1000 + nanos / 1e6;
}

/**
 * `x × 10^k` computed on the decimal `x` prints as (its shortest round-trip form), so the result is the double
 * nearest the exact decimal product: `shiftDecimal(65.534, 3)` is 65534, where `65.534 * 1000` is 65534.00000000001.
 */
function shiftDecimal(x: number, k: number): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return x * 10 ** k; // NaN, ±Infinity
  const frac = m[3] ?? "";
  return Number(`${m[1]}${m[2]}${frac}e${Number(m[4] ?? 0) + k - frac.length}`);
}

/** Float seconds (a struct's `timedelta.total_seconds()`) to milliseconds, exactly (see `shiftDecimal`). */
export function secondsToMs(seconds: number): number {
  return shiftDecimal(seconds, 3);
}

/** Milliseconds to float seconds as Python's `total_seconds()` computes them: one rounding, from the exact value. */
export function msToSeconds(ms: number): number {
  return shiftDecimal(ms, -3);
}
