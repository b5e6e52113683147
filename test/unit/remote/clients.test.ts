import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type AdminRetryEvent,
  createAdminClients,
  FlyteAdminConnectionError,
  FlyteAdminUnavailableError,
  FlyteConfigError,
  resolveEndpoint,
} from "../../../src/remote/index.js";
import { type AdminServer, makeTestCertificates, startAdminServer } from "../../helpers/admin-server.js";

describe("resolveEndpoint", () => {
  test("reads the forms flytectl and flytekit write", () => {
    assert.equal(resolveEndpoint("dns:///localhost:30080", true).baseUrl, "http://localhost:30080");
    assert.equal(resolveEndpoint("localhost:30080", false).baseUrl, "https://localhost:30080");
    assert.equal(resolveEndpoint("flyte.example.com", false).baseUrl, "https://flyte.example.com:443");
    assert.equal(resolveEndpoint("flyte.example.com", true).baseUrl, "http://flyte.example.com:80");
    const https = resolveEndpoint("https://flyte.example.com/", true);
    assert.equal(https.insecure, false);
    assert.equal(https.authority, "flyte.example.com:443");
    assert.equal(resolveEndpoint("http://127.0.0.1:8089", false).insecure, true);
    const v6 = resolveEndpoint("dns:///[::1]:8089", true);
    assert.equal(v6.host, "::1");
    assert.equal(v6.baseUrl, "http://[::1]:8089");
  });

  test("names the key, the source and the value of a bad endpoint", () => {
    for (const bad of ["", "grpc://x:1", "host:port", "host:99999", "host/path", "user@host:1", "dns://auth/x:1"]) {
      assert.throws(
        () => resolveEndpoint(bad, true, "/home/u/.flyte/config.yaml"),
        (err: unknown) =>
          err instanceof FlyteConfigError &&
          err.key === "admin.endpoint" &&
          err.message.includes("/home/u/.flyte/config.yaml") &&
          err.message.includes(JSON.stringify(bad)),
        bad,
      );
    }
  });
});

describe("createAdminClients", () => {
  let server: AdminServer;
  before(async () => {
    server = await startAdminServer({ version: "v9.9.9" });
  });
  after(() => server.close());

  test("calls AdminService over plaintext HTTP/2", async () => {
    const clients = createAdminClients({ endpoint: server.endpoint, insecure: true });
    try {
      const res = await clients.admin.getVersion({});
      assert.equal(res.controlPlaneVersion?.Version, "v9.9.9");
      assert.deepEqual(server.calls.at(-1), {
        procedure: "flyteidl.service.AdminService/GetVersion",
        authorization: null,
      });
    } finally {
      clients.close();
    }
  });

  test("an unimplemented method is the server's answer, not retried", async () => {
    const clients = createAdminClients({ endpoint: server.endpoint, insecure: true }, { retry: { baseDelayMs: 1 } });
    try {
      await assert.rejects(
        clients.admin.listProjects({}),
        (err: unknown) => err instanceof ConnectError && err.code === Code.Unimplemented,
      );
    } finally {
      clients.close();
    }
  });

  test("TLS with the CA from caCertFilePath; an unknown CA fails unless insecureSkipVerify", async () => {
    const certs = makeTestCertificates();
    const tls = await startAdminServer({ tls: { key: certs.key, cert: certs.cert }, version: "tls" });
    try {
      const good = createAdminClients({ endpoint: `localhost:${tls.port}`, caCertFilePath: certs.caFile });
      assert.equal((await good.admin.getVersion({})).controlPlaneVersion?.Version, "tls");
      good.close();

      const skip = createAdminClients({ endpoint: `https://localhost:${tls.port}`, insecureSkipVerify: true });
      assert.equal((await skip.admin.getVersion({})).controlPlaneVersion?.Version, "tls");
      skip.close();

      const strict = createAdminClients({ endpoint: `localhost:${tls.port}` }, { retry: { maxAttempts: 1 } });
      await assert.rejects(
        strict.admin.getVersion({}),
        (err: unknown) =>
          err instanceof FlyteAdminConnectionError &&
          err.endpoint === `localhost:${tls.port}` &&
          /certificate/.test(err.message) &&
          err.message.includes("admin.caCertFilePath"),
      );
      strict.close();

      const plain = createAdminClients({ endpoint: `localhost:${tls.port}`, insecure: true });
      await assert.rejects(
        plain.admin.getVersion({}),
        (err: unknown) => err instanceof FlyteAdminConnectionError && err.message.includes("admin.insecure: false"),
      );
      plain.close();
    } finally {
      await tls.close();
    }
  });

  test("TLS spoken to a plaintext admin names the insecure setting", async () => {
    const clients = createAdminClients({ endpoint: `127.0.0.1:${server.port}` });
    try {
      await assert.rejects(
        clients.admin.getVersion({}),
        (err: unknown) =>
          err instanceof FlyteAdminConnectionError &&
          err.message.includes(`127.0.0.1:${server.port}`) &&
          err.message.includes("admin.insecure: true"),
      );
    } finally {
      clients.close();
    }
  });

  test("a missing CA file is a config error naming the path", () => {
    assert.throws(
      () => createAdminClients({ endpoint: "localhost:1", caCertFilePath: "/nonexistent/ca.pem" }),
      (err: unknown) =>
        err instanceof FlyteConfigError &&
        err.key === "admin.caCertFilePath" &&
        err.message.includes("/nonexistent/ca.pem"),
    );
  });

  test("an unreachable admin is retried with backoff, then named in the error", async () => {
    const port = await freePort();
    const events: AdminRetryEvent[] = [];
    const clients = createAdminClients(
      { endpoint: `dns:///127.0.0.1:${port}`, insecure: true },
      { retry: { maxAttempts: 3, baseDelayMs: 20 }, onRetry: (e) => events.push(e) },
    );
    await assert.rejects(
      clients.admin.getVersion({}),
      (err: unknown) =>
        err instanceof FlyteAdminUnavailableError &&
        err.attempts === 3 &&
        err.endpoint === `dns:///127.0.0.1:${port}` &&
        err.message.includes(`dns:///127.0.0.1:${port}`) &&
        err.cause instanceof ConnectError,
    );
    assert.deepEqual(
      events.map((e) => [e.attempt, e.procedure]),
      [
        [1, "flyteidl.service.AdminService/GetVersion"],
        [2, "flyteidl.service.AdminService/GetVersion"],
      ],
    );
    clients.close();
  });

  test("the call's deadline covers the retries: DEADLINE_EXCEEDED, no further attempt", async () => {
    const port = await freePort();
    const events: AdminRetryEvent[] = [];
    const clients = createAdminClients(
      { endpoint: `127.0.0.1:${port}`, insecure: true, perRetryTimeoutMs: 400 },
      {
        retry: { maxAttempts: 50, baseDelayMs: 60_000, maxDelayMs: 60_000, totalTimeoutMs: 600_000 },
        onRetry: (e) => events.push(e),
      },
    );
    const started = Date.now();
    try {
      await assert.rejects(
        clients.admin.getVersion({}),
        (err: unknown) => err instanceof ConnectError && err.code === Code.DeadlineExceeded,
      );
    } finally {
      clients.close();
    }
    // Waits of up to a minute were drawn; the deadline cut the wait short instead of letting it run.
    assert.ok(Date.now() - started < 30_000, "the backoff wait ended with the deadline");
    assert.ok(events.length >= 1 && events[0]!.procedure === "flyteidl.service.AdminService/GetVersion");
  });

  test("an admin that comes up during the retries is reached", async () => {
    const port = await freePort();
    const clients = createAdminClients(
      { endpoint: `127.0.0.1:${port}`, insecure: true },
      { retry: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 200 } },
    );
    let late: AdminServer | undefined;
    const first = clients.admin.getVersion({});
    const started = new Promise<void>((resolve) =>
      setTimeout(async () => {
        late = await startAdminServerOn(port);
        resolve();
      }, 150),
    );
    try {
      assert.equal((await first).controlPlaneVersion?.Version, "late");
    } finally {
      await started;
      clients.close();
      await late?.close();
    }
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startAdminServerOn(port: number): Promise<AdminServer> {
  return startAdminServer({ version: "late", port });
}
