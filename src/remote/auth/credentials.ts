/**
 * OAuth2 credentials and where they are kept between calls and between processes.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Tokens from an authorization server. */
export interface Credentials {
  /** The bearer token sent to the admin. */
  readonly accessToken: string;
  /** Exchanged for a new access token without the user (PKCE and device flow). */
  readonly refreshToken?: string;
  /** The OpenID Connect ID token, when one was issued. */
  readonly idToken?: string;
  /** When the access token expires, in epoch milliseconds, when known. */
  readonly expiresAt?: number;
}

/**
 * A store of credentials by key (one key per endpoint, auth type and client). Implementations must keep
 * secrets private to the user.
 */
export interface TokenCache {
  /** The stored credentials, or `undefined`. */
  get(key: string): Promise<Credentials | undefined>;
  /** Stores credentials, replacing any under the same key. */
  set(key: string, credentials: Credentials): Promise<void>;
  /** Forgets the credentials under `key`. */
  delete(key: string): Promise<void>;
}

/**
 * Credentials kept in this process only.
 *
 * @example
 * const cache = new MemoryTokenCache();
 */
export class MemoryTokenCache implements TokenCache {
  readonly #map = new Map<string, Credentials>();

  async get(key: string): Promise<Credentials | undefined> {
    return this.#map.get(key);
  }

  async set(key: string, credentials: Credentials): Promise<void> {
    this.#map.set(key, credentials);
  }

  async delete(key: string): Promise<void> {
    this.#map.delete(key);
  }
}

/**
 * The default directory of {@link FileTokenCache}: `$XDG_CACHE_HOME/flytekit-ts/tokens`, else
 * `~/.cache/flytekit-ts/tokens`.
 */
export function defaultTokenCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "flytekit-ts", "tokens");
}

/**
 * Credentials kept in files, one per key, readable by the user only: the directory is created `0700`, each file is
 * written `0600` to a temporary name and renamed into place, so a reader never sees half a file. A file that other
 * users can read, or that does not parse, is ignored (and replaced by the next `set`).
 *
 * @example
 * const cache = new FileTokenCache(defaultTokenCacheDir());
 */
export class FileTokenCache implements TokenCache {
  /** The directory holding the files. */
  readonly dir: string;

  constructor(dir: string = defaultTokenCacheDir()) {
    this.dir = dir;
  }

  /** The file that holds the credentials of `key`. */
  fileFor(key: string): string {
    const readable = key.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);
    const digest = createHash("sha256").update(key).digest("hex").slice(0, 16);
    return join(this.dir, `${readable}-${digest}.json`);
  }

  async get(key: string): Promise<Credentials | undefined> {
    const file = this.fileFor(key);
    try {
      const st = await stat(file);
      if (process.platform !== "win32" && (st.mode & 0o077) !== 0) return undefined;
      const data = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      if (data.key !== key || typeof data.accessToken !== "string" || data.accessToken === "") return undefined;
      return {
        accessToken: data.accessToken,
        ...(typeof data.refreshToken === "string" ? { refreshToken: data.refreshToken } : {}),
        ...(typeof data.idToken === "string" ? { idToken: data.idToken } : {}),
        ...(typeof data.expiresAt === "number" ? { expiresAt: data.expiresAt } : {}),
      };
    } catch {
      return undefined;
    }
  }

  async set(key: string, credentials: Credentials): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileFor(key);
    const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ key, ...credentials }), { mode: 0o600, flag: "wx" });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.fileFor(key), { force: true });
  }
}

/**
 * When an access token expires: from the token response's `expires_in` (seconds) when given, else the `exp` claim
 * of a JWT access token, else unknown.
 */
export function expiryOf(accessToken: string, expiresInSeconds: unknown, now: number = Date.now()): number | undefined {
  if (typeof expiresInSeconds === "number" && Number.isFinite(expiresInSeconds) && expiresInSeconds > 0) {
    return now + expiresInSeconds * 1000;
  }
  if (typeof expiresInSeconds === "string" && /^\d+$/.test(expiresInSeconds)) {
    return now + Number(expiresInSeconds) * 1000;
  }
  const parts = accessToken.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
