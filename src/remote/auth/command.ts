/**
 * Tokens printed by an external command (`authType: ExternalCommand`), e.g. a cloud CLI.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { FlyteAuthenticationError } from "../errors.js";
import { type Credentials, expiryOf } from "./credentials.js";

/**
 * Runs `command` (argv, no shell) and takes its trimmed stdout as the access token.
 *
 * @example
 * await commandToken("dns:///flyte:443", ["gcloud", "auth", "print-identity-token"]);
 */
export function commandToken(endpoint: string, command: readonly string[], timeoutMs = 120_000): Promise<Credentials> {
  const shown = JSON.stringify(command);
  if (command.length === 0 || command[0] === "") {
    return Promise.reject(new FlyteAuthenticationError(endpoint, "the token command is empty"));
  }
  return new Promise((resolve, reject) => {
    execFile(
      command[0]!,
      command.slice(1),
      { timeout: timeoutMs, maxBuffer: 1 << 20, encoding: "utf8", windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why =
            code === "ENOENT"
              ? "the program was not found"
              : err.killed
                ? `it did not finish within ${timeoutMs / 1000} s`
                : `it exited with ${(err as { code?: unknown }).code ?? "an error"}`;
          const tail = stderr.trim().slice(-500);
          reject(
            new FlyteAuthenticationError(
              endpoint,
              `token command ${shown} failed: ${why}${tail ? `; stderr: ${tail}` : ""}. Run it in a terminal to debug.`,
              { cause: err },
            ),
          );
          return;
        }
        const token = stdout.trim();
        if (token === "" || /\s/.test(token)) {
          reject(
            new FlyteAuthenticationError(
              endpoint,
              `token command ${shown} printed ${token === "" ? "nothing" : "more than one word"}; it must print only the token`,
            ),
          );
          return;
        }
        const expiresAt = expiryOf(token, undefined);
        resolve({ accessToken: token, ...(expiresAt === undefined ? {} : { expiresAt }) });
      },
    );
  });
}
