/**
 * A FlyteAdmin stand-in on loopback for the eager backend's tests: a real HTTP/2 gRPC server (Connect) keeping
 * executions as admin does (ALREADY_EXISTS for a taken name, FAILED_PRECONDITION for terminating a finished one,
 * labels read back as execution tags by the list filter, except for single-task executions, which admin does not tag).
 * Children of `eg.double` succeed with `2x` after two polls, `eg.boom` fails with a user error, `eg.slow` runs until
 * terminated. It also takes registrations (tasks, workflows, launch plans: ALREADY_EXISTS for an id taken) and code
 * bundles (DataProxy signed URLs served by a plain HTTP server on loopback), and refuses to launch an entity not
 * registered at the requested version (NOT_FOUND).
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { t } from "flytekit-ts";
import { localData } from "../../src/core/local-data.js";
import { type Execution, ExecutionSchema } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../../src/idl/gen/flyteidl/core/identifier_pb.js";
import { AdminService } from "../../src/idl/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../../src/idl/gen/flyteidl/service/dataproxy_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";

export interface Kept {
  execution: Execution;
  x: number;
  polls: number;
  labels: Record<string, string>;
  /** Whether admin wrote the labels as execution tags: not for single-task executions. */
  tagged: boolean;
  envs: Record<string, string>;
}

/** An admin keeping executions: eg.double succeeds after two polls, eg.boom fails, eg.slow runs until terminated. */
export class FakeEagerAdmin {
  server!: Http2Server;
  port = 0;
  readonly executions = new Map<string, Kept>();
  readonly created: string[] = [];
  readonly filters: string[] = [];
  /**
   * Names whose next launch is refused with ALREADY_EXISTS while no execution has the name, as admin does when
   * concurrent first launches of a task race to create its generated workflow.
   */
  readonly raceOnce = new Set<string>();
  /** Registered ids, `task|workflow|launch plan <name>@<version>`, in order. */
  readonly registered: string[] = [];
  /** Uploaded files (code bundles), by name. */
  readonly uploads = new Map<string, Buffer>();
  /**
   * Names whose create finds an earlier create of the same name in flight, as a busy admin's does: the create answers
   * ALREADY_EXISTS and the execution reads NOT_FOUND for the given number of reads.
   */
  readonly inFlight = new Map<string, number>();
  /** Whether launches need the launched entity registered first (tests that register nothing turn it off). */
  requireRegistration = false;
  private sessions = new Set<ServerHttp2Session>();
  private http!: HttpServer;

  async start(port = 0): Promise<void> {
    const register = (kind: string) => (req: { id?: { name: string; version: string } }) => {
      const key = `${kind} ${req.id!.name}@${req.id!.version}`;
      if (this.registered.includes(key)) throw new ConnectError(`${key} already exists`, Code.AlreadyExists);
      this.registered.push(key);
      return {};
    };
    const routes = (router: ConnectRouter) => {
      router.service(DataProxyService, {
        createUploadLocation: (req) => {
          const url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/${encodeURIComponent(req.filename)}`;
          return { signedUrl: url, nativeUrl: `s3://fake-bucket/${req.project}/${req.filename}` };
        },
      });
      router.service(AdminService, {
        createTask: register("task"),
        createWorkflow: register("workflow"),
        createLaunchPlan: register("launch plan"),
        createExecution: (req) => {
          const name = req.name;
          const lp = req.spec!.launchPlan!;
          const kind = lp.resourceType === 1 ? "task" : "launch plan";
          if (this.requireRegistration && !this.registered.includes(`${kind} ${lp.name}@${lp.version}`))
            throw new ConnectError(`${kind} ${lp.name}@${lp.version} is not registered`, Code.NotFound);
          if (this.executions.has(name)) throw new ConnectError(`execution ${name} already exists`, Code.AlreadyExists);
          if (this.raceOnce.delete(name))
            throw new ConnectError("value with matching already exists", Code.AlreadyExists);
          this.created.push(name);
          const given = req.inputs?.literals.x;
          const x = given ? Number(t.int.fromLiteral(given, localData(), [])) : 0;
          const id = { project: req.project, domain: req.domain, name };
          this.executions.set(name, {
            x,
            polls: 0,
            labels: { ...req.spec!.labels?.values },
            tagged: req.spec!.launchPlan?.resourceType !== ResourceType.TASK,
            envs: Object.fromEntries(req.spec!.envs!.values.map((kv) => [kv.key, kv.value])),
            execution: create(ExecutionSchema, {
              id,
              spec: { launchPlan: req.spec!.launchPlan, labels: req.spec!.labels },
              closure: { phase: WorkflowExecution_Phase.RUNNING },
            }),
          });
          if (this.inFlight.has(name)) throw new ConnectError(`execution ${name} already exists`, Code.AlreadyExists);
          return { id };
        },
        getExecution: (req) => {
          const k = this.executions.get(req.id!.name);
          const hidden = this.inFlight.get(req.id!.name) ?? 0;
          if (hidden > 0) this.inFlight.set(req.id!.name, hidden - 1);
          if (!k || hidden > 0) throw new ConnectError("missing", Code.NotFound);
          const closure = k.execution.closure!;
          k.polls += 1;
          const lp = k.execution.spec!.launchPlan!.name;
          if (closure.phase === WorkflowExecution_Phase.RUNNING && k.polls >= 2) {
            if (lp === "eg.double") closure.phase = WorkflowExecution_Phase.SUCCEEDED;
            if (lp === "eg.boom") {
              closure.phase = WorkflowExecution_Phase.FAILED;
              closure.outputResult = {
                case: "error",
                value: {
                  $typeName: "flyteidl.core.ExecutionError",
                  code: "USER:ValueError",
                  message: `no <good> ${k.x}`,
                  errorUri: "",
                  kind: ExecutionError_ErrorKind.USER,
                  worker: "",
                },
              };
            }
          }
          return k.execution;
        },
        getExecutionData: (req) => {
          const k = this.executions.get(req.id!.name)!;
          return { fullOutputs: literalMap({ o0: t.int.toLiteral(2 * k.x, localData(), []) }) };
        },
        terminateExecution: (req) => {
          const k = this.executions.get(req.id!.name);
          if (!k) throw new ConnectError("missing", Code.NotFound);
          if (k.execution.closure!.phase !== WorkflowExecution_Phase.RUNNING)
            throw new ConnectError("only running executions can be terminated", Code.FailedPrecondition);
          k.execution.closure!.phase = WorkflowExecution_Phase.ABORTED;
          k.execution.closure!.outputResult = {
            case: "abortMetadata",
            value: { $typeName: "flyteidl.admin.AbortMetadata", cause: req.cause, principal: "" },
          };
          return {};
        },
        listExecutions: (req) => {
          this.filters.push(req.filters);
          // Only the filters the eager cleanup sends: the phase, an execution tag, the creation time (not kept here).
          const tag = /value_in\(execution_tag\.value,([^)]*)\)/.exec(req.filters)?.[1];
          const running = [...this.executions.values()].filter(
            (k) =>
              k.execution.closure!.phase === WorkflowExecution_Phase.RUNNING &&
              (tag === undefined || (k.tagged && k.labels[EAGER_EXEC_LABEL] === tag)),
          );
          return { executions: running.slice(0, req.limit).map((k) => k.execution) };
        },
      });
    };
    this.http = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.uploads.set(decodeURIComponent((req.url ?? "/").slice(1)), Buffer.concat(chunks));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.http.listen(0, "127.0.0.1", r));
    this.server = createServer(connectNodeAdapter({ routes }));
    this.server.on("session", (s) => {
      this.sessions.add(s);
      s.on("close", () => this.sessions.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops answering at once: open connections are cut, as when admin's pod restarts. */
  async stop(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise((r) => this.server.close(r));
    if (this.http.listening) {
      this.http.closeAllConnections();
      await new Promise((r) => this.http.close(r));
    }
  }

  phases(tag: string): string[] {
    return [...this.executions.values()]
      .filter((k) => k.labels[EAGER_EXEC_LABEL] === tag)
      .map(
        (k) =>
          Object.keys(WorkflowExecution_Phase).find(
            (n) => WorkflowExecution_Phase[n as "RUNNING"] === k.execution.closure!.phase,
          )!,
      );
  }
}
