/**
 * `tsflyte run --raw-output-data-prefix` on object stores: the dataframe pipeline of examples/dataframes.ts (a CSV
 * file, three dataframes, a SQLite file) runs locally with its raw outputs on gs:// (fake-gcs-server) and on abfs://
 * (Azurite), each downstream task reading what the one before it wrote to the store. Then Python flytekit reads the
 * CSV file and the dataframes from the emulator through its own fsspec backends (gcsfs, adlfs).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AzureBlobStorage } from "../../src/storage/azure.js";
import { GcsStorage } from "../../src/storage/gcs.js";
import type { Storage } from "../../src/storage/types.js";
import { fakeGcsMissing, startAzurite, startFakeGcs } from "../helpers/object-stores.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "tsflyte.js");
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-rawprefix-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const EXPECTED = "best region: west (66.5); apples=71.75, pears=104.00, plums=87.25";
const PYTHON = join(ROOT, ".venv", "bin", "python");

/** What flytekit reads back: the input table, the filtered table with revenue, and the per-region totals. */
const FRAMES = [
  { columns: ["region", "product", "units", "price"], rows: 40, sums: { units: 180, price: 60 } },
  { columns: ["region", "product", "units", "revenue"], rows: 28, sums: { units: 168, revenue: 263 } },
  { columns: ["region", "revenue", "orders"], rows: 4, sums: { revenue: 263, orders: 28 } },
];

/** Python flytekit (the oracle venv) reads the prefix through its fsspec backend; skipped without the venv. */
async function flytekitReads(prefix: string, env: NodeJS.ProcessEnv, store: Storage): Promise<void> {
  if (!existsSync(PYTHON)) {
    assert.ok(!process.env.FLYTEKIT_TS_REQUIRE_ORACLES, `${PYTHON} is missing: run scripts/setup-oracles.sh`);
    return;
  }
  const r = spawnSync(PYTHON, [join(ROOT, "test/e2e/fixtures/read_store.py"), prefix], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const read = JSON.parse(r.stdout) as { csv: string[]; frames: unknown[] };
  let csvUri = "";
  for await (const u of store.list(prefix)) if (u.endsWith("/sales.csv")) csvUri = u;
  assert.deepEqual(read.csv, [new TextDecoder().decode(await store.get(csvUri))]);
  assert.deepEqual(read.frames, FRAMES);
}

function tsflyte(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const full: NodeJS.ProcessEnv = {
    ...process.env,
    FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
    FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
    ...env,
  };
  delete full.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: full, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

async function listed(store: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const u of store.list(prefix)) out.push(u.slice(prefix.length + 1).replace(/^[0-9a-f]{32}\//, ""));
  return out.sort();
}

async function runPipeline(prefix: string, env: NodeJS.ProcessEnv, store: Storage): Promise<void> {
  const r = await tsflyte(
    env,
    "run",
    "--json",
    "--raw-output-data-prefix",
    prefix,
    "examples/dataframes.ts",
    "wf",
    "--rows",
    "40",
    "--minUnits",
    "3",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { outputs: unknown }).outputs, EXPECTED);
  // The CSV, the SQLite file and one Parquet part for each of the three dataframes the tasks wrote.
  assert.deepEqual(await listed(store, prefix), ["00000", "00000", "00000", "sales.csv", "sales.db"]);
}

describe("tsflyte run --raw-output-data-prefix", () => {
  test("gs:// on fake-gcs-server, read back by flytekit's gcsfs", { skip: fakeGcsMissing() }, async () => {
    const gcs = await startFakeGcs(["flyte"]);
    try {
      const store = new GcsStorage({ endpoint: gcs.endpoint, credentials: null });
      const env = { STORAGE_EMULATOR_HOST: gcs.endpoint };
      await runPipeline("gs://flyte/raw/run-1", env, store);
      await flytekitReads("gs://flyte/raw/run-1", env, store);
    } finally {
      await gcs.stop();
    }
  });

  test("abfs:// on Azurite, from a connection string, read back by flytekit's adlfs", async () => {
    const azurite = await startAzurite(["flyte"]);
    try {
      const store = new AzureBlobStorage({ connectionString: azurite.connectionString() });
      await runPipeline(
        "abfs://flyte/raw/run-1",
        { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() },
        store,
      );
    } finally {
      await azurite.stop();
    }
  });

  test("a local directory, and a scheme with no backend named in the error", async () => {
    const dir = join(scratch, "raw-local");
    const r = await tsflyte(
      {},
      "run",
      "--json",
      "--raw-data-prefix",
      dir,
      "examples/dataframes.ts",
      "wf",
      "--rows",
      "40",
      "--minUnits",
      "3",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { outputs: unknown }).outputs, EXPECTED);
    const bad = await tsflyte({}, "run", "--raw-output-data-prefix", "ftp://host/x", "examples/dataframes.ts", "wf");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--raw-output-data-prefix "ftp:\/\/host\/x": .*no storage backend for scheme ftp:\/\//);
    // With --remote the pods write under the prefix: a local directory is refused before anything is registered.
    const remote = await tsflyte(
      {},
      "run",
      "--remote",
      "--raw-output-data-prefix",
      "out/raw",
      "examples/dataframes.ts",
      "wf",
    );
    assert.equal(remote.code, 1);
    assert.match(remote.stderr, /--raw-output-data-prefix: rawOutputDataPrefix = "out\/raw" is not a URI/);
  });
});
