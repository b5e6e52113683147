/**
 * `ImageSpec`: a container image for TypeScript tasks, described in code (the twin of flytekit's ImageSpec). It renders
 * a Dockerfile for a Node image that holds the project's code, its dependencies and this SDK; its tag is a hash of
 * that description, so the image name changes exactly when what goes into it changes.
 */
import { createHash } from "node:crypto";
import { FlyteValidationError } from "../errors.js";

/** What goes into an image. */
export interface ImageSpecOptions {
  /** The image name, e.g. `my-registry/my-image` (with the registry) or `my-image` with `registry`. */
  name: string;
  /** The registry to push to, joined in front of the name. */
  registry?: string;
  /** The base image (default `node:<nodeVersion>-bookworm-slim`). */
  baseImage?: string;
  /** The Node major version of the default base image (default 22). */
  nodeVersion?: number;
  /** Debian packages to install. */
  aptPackages?: readonly string[];
  /** npm packages to install besides the project's own dependencies (`name@version`). */
  packages?: readonly string[];
  /** Environment variables baked into the image. */
  env?: Readonly<Record<string, string>>;
  /** Shell commands run at the end of the build. */
  commands?: readonly string[];
  /** Where the project's code lives in the image (default `/root`, where fast registration unpacks too). */
  sourceRoot?: string;
  /** An explicit tag instead of the content hash. */
  tag?: string;
}

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * A container image described in code.
 *
 * @example
 * const image = new ImageSpec({ name: "ghcr.io/acme/pipelines", aptPackages: ["git"] });
 * task({ containerImage: image.fullName, ... }); writeFileSync("Dockerfile", image.dockerfile());
 */
export class ImageSpec {
  readonly options: Readonly<ImageSpecOptions>;

  constructor(options: ImageSpecOptions) {
    const full = options.registry ? `${options.registry.replace(/\/+$/, "")}/${options.name}` : options.name;
    const path = full.replace(/^[^/]+\.[^/]+\//, "").replace(/^localhost(:\d+)?\//, "");
    if (!NAME.test(path))
      throw new FlyteValidationError(`image name ${JSON.stringify(options.name)} is not a valid repository name`);
    if (options.tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(options.tag)) {
      throw new FlyteValidationError(`image tag ${JSON.stringify(options.tag)} is not a valid tag`);
    }
    for (const p of options.aptPackages ?? []) {
      if (!/^[a-z0-9][a-z0-9+.:=~-]*$/.test(p))
        throw new FlyteValidationError(`apt package ${JSON.stringify(p)} is not a package name`);
    }
    for (const p of options.packages ?? []) {
      if (/\s/.test(p) || p === "")
        throw new FlyteValidationError(`npm package ${JSON.stringify(p)} is not a package spec`);
    }
    this.options = { ...options };
  }

  /** The repository, with the registry. */
  get repository(): string {
    const o = this.options;
    return o.registry ? `${o.registry.replace(/\/+$/, "")}/${o.name}` : o.name;
  }

  /** The tag: explicit, or the first 20 hex digits of a hash of the Dockerfile. */
  get tag(): string {
    return this.options.tag ?? createHash("sha256").update(this.dockerfile()).digest("hex").slice(0, 20);
  }

  /** `repository:tag`, what tasks use as their container image. */
  get fullName(): string {
    return `${this.repository}:${this.tag}`;
  }

  /** The Dockerfile: base image, system packages, dependencies (cached layer), then the code. No ENTRYPOINT: Flyte's container args are the command. */
  dockerfile(): string {
    const o = this.options;
    const root = o.sourceRoot ?? "/root";
    const lines = [`FROM ${o.baseImage ?? `node:${o.nodeVersion ?? 22}-bookworm-slim`}`];
    if (o.aptPackages?.length) {
      lines.push(
        `RUN apt-get update && apt-get install -y --no-install-recommends ${[...o.aptPackages].sort().join(" ")} && rm -rf /var/lib/apt/lists/*`,
      );
    }
    lines.push(
      `WORKDIR ${root}`,
      "COPY package.json package-lock.json* ./",
      "RUN npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund",
    );
    if (o.packages?.length)
      lines.push(`RUN npm install --no-save --no-audit --no-fund ${[...o.packages].sort().join(" ")}`);
    lines.push("COPY . .");
    const env: Record<string, string> = {
      FLYTE_PROJECT_ROOT: root,
      PATH: `${root}/node_modules/.bin:$PATH`,
      NODE_OPTIONS: "--enable-source-maps",
      ...(o.env ?? {}),
    };
    lines.push(
      ...Object.keys(env)
        .sort()
        .map((k) => `ENV ${k}=${JSON.stringify(env[k])}`),
    );
    for (const c of o.commands ?? []) lines.push(`RUN ${c}`);
    return `${lines.join("\n")}\n`;
  }
}
