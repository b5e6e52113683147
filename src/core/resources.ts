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

/** A pod template: a Kubernetes PodSpec (as JSON), labels and annotations, and the primary container's name. */
export interface PodTemplate {
  podSpec: Record<string, unknown>;
  primaryContainerName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A GPU accelerator. */
export interface Accelerator {
  device: string;
  /** A partition size (e.g. MIG `"1g.5gb"`), or `false` to require an unpartitioned device. */
  partitionSize?: string | false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkStringMap(owner: string, what: string, v: unknown): void {
  if (v === undefined) return;
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== "string"))
    throw new FlyteValidationError(`${owner}: ${what} must map names to strings, got ${JSON.stringify(v)}`);
}

/** Checks an accelerator option (`what` names it in errors). */
export function checkAccelerator(owner: string, what: string, v: unknown): asserts v is Accelerator {
  if (!isPlainObject(v) || typeof v.device !== "string" || v.device === "")
    throw new FlyteValidationError(
      `${owner}: ${what} must be { device, partitionSize? } with a device name, got ${JSON.stringify(v)}`,
    );
  const p = v.partitionSize;
  if (p !== undefined && p !== false && (typeof p !== "string" || p === ""))
    throw new FlyteValidationError(
      `${owner}: ${what}.partitionSize must be a size like "1g.5gb" or false, got ${JSON.stringify(p)}`,
    );
  const unknown = Object.keys(v).filter((k) => k !== "device" && k !== "partitionSize");
  if (unknown.length) throw new FlyteValidationError(`${owner}: ${what} has unknown field(s) ${unknown.join(", ")}`);
}

/** Checks a shared memory option: `true` (as large as the memory) or a Kubernetes quantity. */
export function checkSharedMemory(owner: string, what: string, v: unknown): asserts v is true | string {
  if (v === true) return;
  if (typeof v !== "string" || !QUANTITY.test(v))
    throw new FlyteValidationError(
      `${owner}: ${what} must be true or a Kubernetes quantity like "2Gi", got ${JSON.stringify(v)}`,
    );
}

/** Checks a pod template option. */
export function checkPodTemplate(owner: string, what: string, v: unknown): asserts v is PodTemplate {
  if (!isPlainObject(v) || !isPlainObject(v.podSpec))
    throw new FlyteValidationError(
      `${owner}: ${what} must be { podSpec, primaryContainerName?, labels?, annotations? } with a PodSpec object, got ${JSON.stringify(v)}`,
    );
  const containers = v.podSpec.containers;
  if (containers !== undefined && (!Array.isArray(containers) || !containers.every(isPlainObject)))
    throw new FlyteValidationError(`${owner}: ${what}.podSpec.containers must be a list of container objects`);
  const primary = v.primaryContainerName;
  if (primary !== undefined && (typeof primary !== "string" || primary === ""))
    throw new FlyteValidationError(
      `${owner}: ${what}.primaryContainerName must be a non-empty string, got ${JSON.stringify(primary)}`,
    );
  checkStringMap(owner, `${what}.labels`, v.labels);
  checkStringMap(owner, `${what}.annotations`, v.annotations);
  const unknown = Object.keys(v).filter(
    (k) => !["podSpec", "primaryContainerName", "labels", "annotations"].includes(k),
  );
  if (unknown.length) throw new FlyteValidationError(`${owner}: ${what} has unknown field(s) ${unknown.join(", ")}`);
}
