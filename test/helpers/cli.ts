/** The built CLI as end-to-end tests run it: `node bin/tsflyte.js` from the checkout, in a scratch directory of its own. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The CLI's launcher, run on the built dist/. */
export const BIN = join(ROOT, "bin", "tsflyte.js");

/**
 * A fresh scratch directory (named with `prefix`) and the CLI's environment: its local sandbox, cache and home in the
 * scratch directory, and nothing of the test runner's. The caller removes the directory when its tests end.
 */
export function cliScratch(prefix: string): { scratch: string; env: NodeJS.ProcessEnv } {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
    FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
    FLYTEKIT_TS_HOME: join(scratch, "home"),
  };
  delete env.NODE_TEST_CONTEXT;
  return { scratch, env };
}
