/**
 * Serialization settings: ids, images, env, default resources and fast registration, with flytekit's image
 * template rules (`{{.image.NAME.fqn}}`, `{{.image.NAME.version}}`, `{{.image.NAME}}`, `{{.image.default}}`, and the
 * same with `.images.`).
 */
import { readFileSync } from "node:fs";
import { FlyteValidationError } from "../errors.js";
import type { Resources } from "../core/resources.js";

/** Named container images; `default` is used by tasks that name no image. */
export interface ImageConfig {
  /** The image of tasks that name none, and of `{{.image.default…}}` templates. */
  readonly default?: string;
  /** Images by name, for `{{.image.NAME…}}` templates. */
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
  /** The project of every id. Left empty in packages, as pyflyte does: registration fills it. */
  readonly project: string;
  /** The domain of every id; empty in packages. */
  readonly domain: string;
  /** The version of every id; empty in packages. */
  readonly version: string;
  /** The images tasks resolve theirs against. */
  readonly image: ImageConfig;
  /** Added to every task container's env, first (a task's own env wins, as a dict merge in flytekit). */
  readonly env: Readonly<Record<string, string>>;
  /** Used by tasks that declare neither requests nor limits. */
  readonly defaultResources?: Resources;
  /** Fast registration, when on. */
  readonly fast?: FastSettings;
}

/** The placeholder flytectl replaces with the uploaded code bundle's location at registration. */
export const REMOTE_PACKAGE_PATH = "{{ .remote_package_path }}";

/** The placeholder flytectl replaces with the destination directory at registration. */
export const DEST_DIR = "{{ .dest_dir }}";

/**
 * Fast-registration settings; by default the placeholders flytectl fills at registration.
 *
 * @example
 * serializationSettings({ fast: fastSettings() }); // args start with tsflyte-fast-execute
 */
export function fastSettings(over: Partial<FastSettings> = {}): FastSettings {
  return { distribution: over.distribution ?? REMOTE_PACKAGE_PATH, destinationDir: over.destinationDir ?? DEST_DIR };
}

function packageVersion(): string {
  try {
    // Two levels up from src/serialize and dist/serialize alike.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: unknown;
    };
    if (typeof pkg.version === "string" && pkg.version) return pkg.version;
  } catch {
    // A bundled copy without package.json: fall through.
  }
  return "0.0.0";
}

/** The version of this SDK (package.json's), recorded in task metadata as `runtime.version`. */
export const SDK_VERSION: string = packageVersion();

/** The image used when nothing else is configured: `ghcr.io/flyteorg/flytekit-ts:<SDK version>`. */
export const DEFAULT_IMAGE = `ghcr.io/flyteorg/flytekit-ts:${SDK_VERSION}`;

/**
 * Settings with defaults: empty ids (for registration to fill), the default image from `FLYTEKIT_TS_DEFAULT_IMAGE`
 * or `FLYTE_INTERNAL_IMAGE`, else {@link DEFAULT_IMAGE}; no env, no default resources, no fast registration.
 *
 * @example
 * serializationSettings({ image: { default: "ghcr.io/acme/app:v1", images: { spark: "ghcr.io/acme/spark:3" } } });
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

/**
 * Splits an image reference into its name and version: the tag after the last `:` of the last path segment, or the
 * digest after `@` (`sha256:…`). No tag or digest gives an undefined version.
 *
 * @example
 * splitImage("ghcr.io/a/b@sha256:00ff"); // { fqn: "ghcr.io/a/b", version: "sha256:00ff" }
 */
export function splitImage(image: string): { fqn: string; version: string | undefined } {
  const at = image.indexOf("@");
  if (at >= 0) return { fqn: image.slice(0, at), version: image.slice(at + 1) };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon > slash) return { fqn: image.slice(0, colon), version: image.slice(colon + 1) };
  return { fqn: image, version: undefined };
}

// The keyword is matched case-insensitively, as flytekit's pattern is (`{{.Image.x.fqn}}` works); names and
// attributes are then compared exactly.
const TEMPLATE = /\{\{\s*\.images?\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?\s*\}\}/gi;

/**
 * Resolves a task's image against the settings, with flytekit's rules:
 * - no image (undefined or `""`) means the default image (an error when there is none);
 * - a string without templates is used as it is;
 * - `{{.image.NAME}}` is the configured image, `{{.image.NAME.fqn}}` its name and `{{.image.NAME.version}}` its tag
 *   or digest (or the default image's version when it has none); `.images.` works too; `NAME` may be `default`;
 * - a digest version (`sha256:…`) is joined with `@`, also when the template wrote `:`;
 * - an unknown name or attribute is an error.
 *
 * @example
 * resolveImage("{{.image.spark.fqn}}:{{.image.spark.version}}", { images: { spark: "r/spark:3" } }); // "r/spark:3"
 */
export function resolveImage(spec: string | undefined, config: ImageConfig): string {
  const known = () => ["default", ...Object.keys(config.images ?? {})].join(", ");
  const lookup = (name: string): string => {
    if (name === "default") {
      if (!config.default)
        throw new FlyteValidationError("no default image is configured (use --image or FLYTEKIT_TS_DEFAULT_IMAGE)");
      return config.default;
    }
    const img = config.images?.[name];
    if (!img)
      throw new FlyteValidationError(`image ${JSON.stringify(name)} is not configured; known images: ${known()}`);
    return img;
  };
  if (!spec) return lookup("default");
  if (!spec.includes("{{")) return spec;
  let out = "";
  let last = 0;
  for (const m of spec.matchAll(TEMPLATE)) {
    out += spec.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[1]!;
    const attr = m[2];
    const full = lookup(name);
    if (attr === undefined) {
      out += full;
      continue;
    }
    const { fqn, version } = splitImage(full);
    if (attr === "fqn") {
      out += fqn;
    } else if (attr === "version") {
      const v = version ?? (config.default ? splitImage(config.default).version : undefined);
      if (!v) {
        throw new FlyteValidationError(
          `image ${JSON.stringify(name)} (${full}) has no version and the default image has none either`,
        );
      }
      // A digest is joined with "@", also when the template separates name and version with ":".
      if (v.includes(":") && out.endsWith(":")) out = `${out.slice(0, -1)}@`;
      out += v;
    } else {
      throw new FlyteValidationError(
        `image template ${JSON.stringify(m[0])}: only .fqn and .version are supported, not .${attr}`,
      );
    }
  }
  out += spec.slice(last);
  if (out.includes("{{")) throw new FlyteValidationError(`cannot resolve the image template ${JSON.stringify(spec)}`);
  return out;
}
