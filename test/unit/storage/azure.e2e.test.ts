import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AzureBlobStorage,
  azureOptionsFromEnv,
  connectionStringAccount,
  parseAzureUri,
} from "../../../src/storage/azure.js";
import { StorageError } from "../../../src/storage/errors.js";
import { registerStorage, resetStorageRegistry, storageFor } from "../../../src/storage/index.js";
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  type AzuriteEmulator,
  type FaultProxy,
  startAzurite,
  startFaultProxy,
} from "../../helpers/object-stores.js";
import { objectStoreContract } from "./object-store-contract.js";

const fast = { maxAttempts: 4, baseDelayMs: 5, throttleBaseDelayMs: 5 };
const azureErrorBody = (code: string) =>
  `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code} injected</Message></Error>`;

describe("AzureBlobStorage against Azurite", () => {
  let azurite: AzuriteEmulator;
  before(async () => {
    azurite = await startAzurite(["flyte"]);
  });
  after(async () => {
    resetStorageRegistry();
    await azurite?.stop();
  });

  objectStoreContract(async () => {
    const opts = { connectionString: azurite.connectionString(), retry: fast } as const;
    const store = new AzureBlobStorage(opts);
    registerStorage("abfs", () => store);
    return {
      store,
      paged: new AzureBlobStorage({ ...opts, listPageSize: 3 }),
      parts: new AzureBlobStorage({ ...opts, blockThresholdBytes: 64 * 1024, blockSizeBytes: 40 * 1024 }),
      root: "abfs://flyte/contract",
    };
  });

  it("serves every URI form flytekit accepts, listing in the form asked", async () => {
    const saved = { ...process.env };
    try {
      process.env.FLYTE_AZURE_STORAGE_ACCOUNT_NAME = AZURITE_ACCOUNT;
      process.env.FLYTE_AZURE_STORAGE_ACCOUNT_KEY = AZURITE_KEY;
      process.env.FLYTE_AZURE_STORAGE_ENDPOINT = azurite.endpoint;
      resetStorageRegistry();
      const plain = await storageFor("abfs://flyte/forms/a.txt");
      await plain.put("abfs://flyte/forms/a.txt", new TextEncoder().encode("shared key from env"));
      for (const uri of [
        `abfss://flyte@${AZURITE_ACCOUNT}.dfs.core.windows.net/forms/a.txt`,
        `wasbs://flyte@${AZURITE_ACCOUNT}.blob.core.windows.net/forms/a.txt`,
        "wasb://flyte/forms/a.txt",
      ]) {
        const store = await storageFor(uri);
        assert.equal(new TextDecoder().decode(await store.get(uri)), "shared key from env", uri);
        const listed: string[] = [];
        for await (const u of store.list(uri.replace(/a\.txt$/, ""))) listed.push(u);
        assert.deepEqual(listed, [uri]);
      }
    } finally {
      process.env = saved;
      resetStorageRegistry();
    }
  });

  it("accepts a SAS token", async () => {
    const { BlobServiceClient, ContainerSASPermissions } = await import("@azure/storage-blob");
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient("flyte");
    const sasUrl = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse("racwdl"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const store = new AzureBlobStorage({
      accountName: AZURITE_ACCOUNT,
      endpoint: azurite.endpoint,
      sasToken: `?${new URL(sasUrl).search.slice(1)}`,
      retry: fast,
    });
    await store.put("abfs://flyte/sas/x", new TextEncoder().encode("sas"));
    assert.equal(new TextDecoder().decode(await store.get("abfs://flyte/sas/x")), "sas");
  });

  it("names the URI for a missing container and a wrong key", async () => {
    const store = new AzureBlobStorage({ connectionString: azurite.connectionString(), retry: fast });
    await assert.rejects(store.get("abfs://nocontainer/k"), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "not_found");
      assert.equal(e.code, "ContainerNotFound");
      assert.ok(e.message.startsWith("get abfs://nocontainer/k: HTTP 404 ContainerNotFound"), e.message);
      return true;
    });
    const wrong = new AzureBlobStorage({
      accountName: AZURITE_ACCOUNT,
      accountKey: Buffer.from("not the key").toString("base64"),
      endpoint: azurite.endpoint,
      retry: fast,
    });
    await assert.rejects(wrong.put("abfs://flyte/k", new Uint8Array([1])), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "access_denied");
      assert.equal(e.attempts, 1);
      assert.ok(!e.message.includes("not the key"));
      return true;
    });
  });
});

describe("AzureBlobStorage through a fault-injecting proxy", () => {
  let azurite: AzuriteEmulator;
  let proxy: FaultProxy;
  let dir: string;
  let store: AzureBlobStorage;
  before(async () => {
    azurite = await startAzurite(["flyte"]);
    proxy = await startFaultProxy(`http://127.0.0.1:${azurite.port}`);
    dir = await mkdtemp(join(tmpdir(), "flyte-azure-faults-"));
    store = new AzureBlobStorage({
      connectionString: azurite.connectionString(`${proxy.base}/${AZURITE_ACCOUNT}`),
      retry: fast,
      blockThresholdBytes: 64 * 1024,
      blockSizeBytes: 64 * 1024,
    });
  });
  after(async () => {
    await proxy?.close();
    await azurite?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("honours Retry-After on 503 and 429, and succeeds", async () => {
    await store.put("abfs://flyte/faults/a", new TextEncoder().encode("a"));
    proxy.setRule((_r, i) =>
      i === 0
        ? {
            status: 503,
            retryAfter: "1",
            body: azureErrorBody("ServerBusy"),
            headers: { "x-ms-error-code": "ServerBusy" },
          }
        : i === 1
          ? { status: 429, retryAfter: "0" }
          : "pass",
    );
    proxy.seen.length = 0;
    assert.equal(new TextDecoder().decode(await store.get("abfs://flyte/faults/a")), "a");
    assert.equal(proxy.seen.length, 3);
    const waited = proxy.seen[1]!.at - proxy.seen[0]!.at;
    assert.ok(waited >= 950, `waited ${waited} ms after Retry-After: 1`);
  });

  it("reports exhausted throttling as recoverable, never as a user error", async () => {
    proxy.setRule(() => ({
      status: 503,
      body: azureErrorBody("ServerBusy"),
      headers: { "x-ms-error-code": "ServerBusy" },
    }));
    await assert.rejects(store.stat("abfs://flyte/faults/a"), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "throttled");
      assert.equal(e.recoverable, true);
      assert.equal(e.attempts, 4);
      assert.ok(
        e.message.includes("abfs://flyte/faults/a") && e.message.includes("gave up after 4 attempts"),
        e.message,
      );
      return true;
    });
  });

  it("retries connection resets and bodies cut short", async () => {
    const data = new Uint8Array(50_000).map((_, i) => i % 251);
    proxy.setRule((_r, i) => (i === 0 ? "reset" : "pass"));
    await store.put("abfs://flyte/faults/reset", data);
    proxy.setRule((_r, i) => (i === 0 ? { cutResponseAfter: 10_000 } : "pass"));
    await store.download("abfs://flyte/faults/reset", join(dir, "cut.bin"));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "cut.bin"))), data);
    proxy.setRule((_r, i) => (i === 0 ? { cutResponseAfter: 10_000 } : "pass"));
    assert.deepEqual(await store.get("abfs://flyte/faults/reset"), data);
  });

  it("retries a lost block and shows the blob only after the block list is committed", async () => {
    const data = new Uint8Array(300 * 1024 + 17).map((_, i) => (i * 13) % 256);
    const file = join(dir, "blocks.bin");
    await writeFile(file, data);
    const uri = "abfs://flyte/faults/blocks.bin";
    const probe = new AzureBlobStorage({ connectionString: azurite.connectionString(), retry: fast });
    let visibleBeforeCommit: boolean | undefined;
    let blocks = 0;
    proxy.setRule((r) => {
      if (r.url.includes("comp=block&")) {
        blocks++;
        if (blocks === 2) return "reset";
      }
      return "pass";
    });
    proxy.seen.length = 0;
    const uploading = store.upload(file, uri);
    for (let i = 0; i < 200 && visibleBeforeCommit === undefined; i++) {
      if (proxy.seen.some((s) => s.url.includes("comp=block&"))) visibleBeforeCommit = await probe.exists(uri);
      else await new Promise((r) => setTimeout(r, 5));
    }
    await uploading;
    assert.equal(visibleBeforeCommit, false);
    assert.deepEqual(await probe.get(uri), data);
    assert.equal(proxy.seen.filter((s) => s.url.includes("comp=block&")).length, 6); // 5 blocks + 1 resent
    assert.equal(proxy.seen.filter((s) => s.url.includes("comp=blocklist")).length, 1);
  });

  it("leaves no blob behind when the block list cannot be committed", async () => {
    const uri = "abfs://flyte/faults/never.bin";
    proxy.setRule((r) =>
      r.url.includes("comp=blocklist") ? { status: 400, body: azureErrorBody("InvalidBlockList") } : "pass",
    );
    await assert.rejects(
      store.put(uri, new Uint8Array(200 * 1024)),
      (e: unknown) => e instanceof StorageError && e.kind === "rejected",
    );
    proxy.setRule(() => "pass");
    assert.equal(await store.exists(uri), false);
  });
});

describe("Azure URIs and configuration", () => {
  it("parses every URI form and rejects malformed ones naming the URI", () => {
    assert.deepEqual(parseAzureUri("abfs://c1x/a/b"), {
      scheme: "abfs",
      authority: "c1x",
      container: "c1x",
      account: undefined,
      key: "a/b",
    });
    assert.equal(parseAzureUri("abfss://data@acct.dfs.core.windows.net/x").account, "acct");
    assert.equal(parseAzureUri("wasbs://data@acct.blob.core.windows.net/x").container, "data");
    for (const bad of ["abfs://UP/k", "abfs://a--b/k", "abfs://ok1@Bad_Acct.dfs/x", "gs://b/k", "abfs://ccc/a/../k"]) {
      assert.throws(
        () => parseAzureUri(bad),
        (e: unknown) => e instanceof StorageError && e.kind === "invalid" && e.message.includes(bad),
        bad,
      );
    }
  });

  it("reads flytekit's variables before adlfs' and the Azure CLI's", () => {
    assert.deepEqual(
      azureOptionsFromEnv({
        FLYTE_AZURE_STORAGE_ACCOUNT_NAME: "flyteacct",
        AZURE_STORAGE_ACCOUNT_NAME: "ignored",
        AZURE_STORAGE_KEY: "k2",
        FLYTE_AZURE_TENANT_ID: "t",
        FLYTE_AZURE_CLIENT_ID: "c",
        FLYTE_AZURE_CLIENT_SECRET: "s",
      }),
      { accountName: "flyteacct", accountKey: "k2", tenantId: "t", clientId: "c", clientSecret: "s" },
    );
    assert.deepEqual(azureOptionsFromEnv({ AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" }), {
      connectionString: "UseDevelopmentStorage=true",
    });
    assert.equal(connectionStringAccount("UseDevelopmentStorage=true"), "devstoreaccount1");
    assert.equal(connectionStringAccount("DefaultEndpointsProtocol=https;AccountName=abc;AccountKey=x"), "abc");
    assert.equal(
      connectionStringAccount("BlobEndpoint=https://acct9.blob.core.windows.net/;SharedAccessSignature=sv=1"),
      "acct9",
    );
  });

  it("says how to name the account when none is configured", async () => {
    const store = new AzureBlobStorage({});
    await assert.rejects(store.get("abfs://flyte/k"), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "invalid");
      assert.ok(e.message.startsWith("get abfs://flyte/k: the URI names no storage account"), e.message);
      assert.ok(e.message.includes("FLYTE_AZURE_STORAGE_ACCOUNT_NAME"), e.message);
      return true;
    });
    assert.throws(() => new AzureBlobStorage({ scheme: "s3" }), /Azure scheme must be one of/);
    assert.throws(
      () => new AzureBlobStorage({ endpoint: "acct.blob" }),
      (e: unknown) => e instanceof StorageError && e.message.includes("acct.blob"),
    );
  });
});
