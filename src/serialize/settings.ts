/**
 * Serialization settings: ids, images, env, default resources and fast registration, with flytekit's image
 * template rules (`{{.image.NAME.fqn}}`, `{{.image.NAME.version}}`, `{{.image.NAME}}`, `{{.image.default}}`).
 */
import { FlyteValidationError } from "../errors.js";
import type { Resources } from "../core/resources.js";

/** Named container images; `default` is used by tasks that name no image. */
export interface ImageConfig {
  readonly default?: string;
  readonly images?: Readonly<Record<string, string>>;
}

/** Fast registration: task commands are prefixed so the container first fetches the code bundle. */
export interface FastSettings {
  /** Where the bundle is downloaded from; flytectl fills `{{ .remote_package_path }}` at registration. */
  readonly distribution: string;
  /** Where the bundle is unpacked in the container; flytectl fills `{{ .dest_dir }}`. */
  readonly destinationDir: string;
}

/** Everything serialization needs beyond the entities themselves. */
export interface SerializationSettings {
  /** Left empty in packages, as pyflyte does: registration fills them. */
  readonly project: string;
  readonly domain: string;
  readonly version: string;
  readonly image: ImageConfig;
  /** Added to every task container's env (a task's own env wins). */
  readonly env: Readonly<Record<string, string>>;
  /** Used by tasks that declare no resources. */
  readonly defaultResources?: Resources;
  /** Fast registration, when on. */
  readonly fast?: FastSettings;
}

/** The version of this SDK, recorded in task metadata. */
export const SDK_VERSION = "0.1.0";

/** The image used when nothing else is configured. */
export const DEFAULT_IMAGE = `ghcr.io/flyteorg/flytekit-ts:${SDK_VERSION}`;

/**
 * Settings with defaults: empty ids (for registration to fill), the default image from `FLYTEKIT_TS_DEFAULT_IMAGE`
 * or `FLYTE_INTERNAL_IMAGE`, else the SDK's image.
 */
export function serializationSettings(over: Partial<SerializationSettings> = {}): SerializationSettings {
  const image = over.image ?? {};
  return {
    project: over.project ?? "",
    domain: over.domain ?? "",
    version: over.version ?? "",
    image: {
      default:
        image.default ?? process.env.FLYTEKIT_TS_DEFAULT_IMAGE ?? process.env.FLYTE_INTERNAL_IMAGE ?? DEFAULT_IMAGE,
      images: image.images ?? {},
    },
    env: over.env ?? {},
    defaultResources: over.defaultResources,
    fast: over.fast,
  };
}

/** Splits an image reference into its name and version (tag or digest). */
export function splitImage(image: string): { fqn: string; version: string | undefined } {
  const at = image.indexOf("@");
  if (at >= 0) return { fqn: image.slice(0, at), version: image.slice(at + 1) };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon > slash) return { fqn: image.slice(0, colon), version: image.slice(colon + 1) };
  return { fqn: image, version: undefined };
}

const TEMPLATE = /\{\{\s*\.images?\.([A-Za-z0-9_-]+)(?:\.(fqn|version))?\s*\}\}/g;

/**
 * Resolves a task's image against the settings. No image means the default image; templates name configured images;
 * a digest version is joined with `@`.
 *
 * @example
 * resolveImage("{{.image.spark.fqn}}:{{.image.spark.version}}", { images: { spark: "r/spark:3" } }); // "r/spark:3"
 */
export function resolveImage(spec: string | undefined, config: ImageConfig): string {
  const lookup = (name: string): string => {
    if (name === "default") {
      if (!config.default)
        throw new FlyteValidationError("no default image is configured (use --image or FLYTEKIT_TS_DEFAULT_IMAGE)");
      return config.default;
    }
    const img = config.images?.[name];
    if (!img) {
      throw new FlyteValidationError(
        `image ${JSON.stringify(name)} is not configured; known images: ${["default", ...Object.keys(config.images ?? {})].join(", ")}`,
      );
    }
    return img;
  };
  if (!spec) return lookup("default");
  if (!spec.includes("{{")) return spec;
  const defaultVersion = config.default ? splitImage(config.default).version : undefined;
  let out = spec.replace(TEMPLATE, (_m, name: string, attr: string | undefined) => {
    const full = lookup(name);
    if (!attr) return full;
    const { fqn, version } = splitImage(full);
    if (attr === "fqn") return fqn;
    const v = version ?? defaultVersion;
    if (!v)
      throw new FlyteValidationError(
        `image ${JSON.stringify(name)} has no version and the default image has none either`,
      );
    return v;
  });
  if (out.includes("{{")) throw new FlyteValidationError(`cannot resolve the image template ${JSON.stringify(spec)}`);
  // A digest (sha256:...) is joined with "@", also when the template wrote ":".
  out = out.replace(/:(sha256:[0-9a-f]+)$/, "@$1");
  return out;
}
