/**
 * Task resources as Kubernetes quantity strings, with flytekit's rules: `requests`/`limits`, or `resources` where a
 * `[request, limit]` pair sets both and a single value sets only the request.
 */
import { FlyteValidationError } from "../errors.js";

/** A Kubernetes quantity such as `"500m"`, `"2"`, `"1Gi"`, or a number. */
export type Quantity = string | number;

/** Resource values by name. */
export interface ResourceValues {
  cpu?: Quantity;
  mem?: Quantity;
  gpu?: Quantity;
  ephemeralStorage?: Quantity;
}

/** `resources`: each value is a request, or a `[request, limit]` pair. */
export type ResourceSpec = { [K in keyof ResourceValues]?: Quantity | readonly [Quantity, Quantity] };

/** Resolved requests and limits. */
export interface Resources {
  readonly requests: ResourceValues;
  readonly limits: ResourceValues;
}

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const NAMES = ["cpu", "mem", "gpu", "ephemeralStorage"] as const;

/** Checks a quantity and returns it as a string. */
export function quantity(owner: string, name: string, v: unknown): string {
  const s = typeof v === "number" ? String(v) : v;
  if (typeof s !== "string" || !QUANTITY.test(s)) {
    throw new FlyteValidationError(
      `${owner}: resource ${name} = ${JSON.stringify(v)} is not a Kubernetes quantity (e.g. "500m", "2", "1Gi")`,
    );
  }
  return s;
}

function values(owner: string, v: unknown, what: string): ResourceValues {
  if (v === undefined) return {};
  if (v === null || typeof v !== "object")
    throw new FlyteValidationError(`${owner}: ${what} must be an object like { cpu: "1", mem: "1Gi" }`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(NAMES as readonly string[]).includes(k)) {
      throw new FlyteValidationError(
        `${owner}: unknown resource ${JSON.stringify(k)} in ${what}; known: ${NAMES.join(", ")}`,
      );
    }
    out[k] = quantity(owner, k, x);
  }
  return out;
}

/** Resolves `requests`/`limits`/`resources` options. Combining `resources` with the others is an error. */
export function resolveResources(
  owner: string,
  opts: { requests?: unknown; limits?: unknown; resources?: unknown },
): Resources {
  if (opts.resources !== undefined && (opts.requests !== undefined || opts.limits !== undefined)) {
    throw new FlyteValidationError(`${owner}: resources cannot be combined with requests or limits`);
  }
  if (opts.resources === undefined)
    return { requests: values(owner, opts.requests, "requests"), limits: values(owner, opts.limits, "limits") };
  if (opts.resources === null || typeof opts.resources !== "object")
    throw new FlyteValidationError(`${owner}: resources must be an object`);
  const requests: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.resources)) {
    if (Array.isArray(v)) {
      if (v.length !== 2)
        throw new FlyteValidationError(`${owner}: resource ${k} must be a quantity or a [request, limit] pair`);
      requests[k] = v[0];
      limits[k] = v[1];
    } else requests[k] = v;
  }
  return { requests: values(owner, requests, "resources"), limits: values(owner, limits, "resources") };
}
