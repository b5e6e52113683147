/**
 * A FlyteAdmin stand-in on loopback for the eager backend's tests: a real HTTP/2 gRPC server (Connect) keeping
 * executions as admin does (ALREADY_EXISTS for a taken name, FAILED_PRECONDITION for terminating a finished one,
 * labels read back as execution tags by the list filter). Children of `eg.double` succeed with `2x` after two
 * polls, `eg.boom` fails with a user error, `eg.slow` runs until terminated.
 */
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { t } from "flytekit-ts";
import { localData } from "../../src/core/local-data.js";
import { type Execution, ExecutionSchema } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { AdminService } from "../../src/idl/gen/flyteidl/service/admin_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";

export interface Kept {
  execution: Execution;
  x: number;
  polls: number;
  labels: Record<string, string>;
  envs: Record<string, string>;
}

/** An admin keeping executions: eg.double succeeds after two polls, eg.boom fails, eg.slow runs until terminated. */
export class FakeEagerAdmin {
  server!: Http2Server;
  port = 0;
  readonly executions = new Map<string, Kept>();
  readonly created: string[] = [];
  readonly filters: string[] = [];
  private sessions = new Set<ServerHttp2Session>();

  async start(port = 0): Promise<void> {
    const routes = (router: ConnectRouter) => {
      router.service(AdminService, {
        createExecution: (req) => {
          const name = req.name;
          if (this.executions.has(name)) throw new ConnectError(`execution ${name} already exists`, Code.AlreadyExists);
          this.created.push(name);
          const x = Number(t.int.fromLiteral(req.inputs!.literals.x!, localData(), []));
          const id = { project: req.project, domain: req.domain, name };
          this.executions.set(name, {
            x,
            polls: 0,
            labels: { ...req.spec!.labels?.values },
            envs: Object.fromEntries(req.spec!.envs!.values.map((kv) => [kv.key, kv.value])),
            execution: create(ExecutionSchema, {
              id,
              spec: { launchPlan: req.spec!.launchPlan },
              closure: { phase: WorkflowExecution_Phase.RUNNING },
            }),
          });
          return { id };
        },
        getExecution: (req) => {
          const k = this.executions.get(req.id!.name);
          if (!k) throw new ConnectError("missing", Code.NotFound);
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
          const tag = /value_in\(execution_tag\.value,([^)]*)\)/.exec(req.filters)?.[1];
          const running = [...this.executions.values()].filter(
            (k) => k.labels[EAGER_EXEC_LABEL] === tag && k.execution.closure!.phase === WorkflowExecution_Phase.RUNNING,
          );
          return { executions: running.slice(0, req.limit).map((k) => k.execution) };
        },
      });
    };
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
