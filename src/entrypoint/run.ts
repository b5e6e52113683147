/**
 * One task attempt in a container, from `inputs.pb` to `outputs.pb` (or `error.pb`): the engine behind
 * `tsflyte-execute` and `tsflyte-map-execute`.
 *
 * The commit order is what makes a crash at any point harmless: raw data, offloaded literals, the deck and the
 * checkpoint are uploaded first, and `outputs.pb` (or `error.pb`) is written last, whole, with one `put`. A reader
 * that finds `outputs.pb` therefore finds everything it points at, and never a partial file.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ContextState,
  type ExecutionParameters,
  keepLocalRuns,
  makeParams,
  runInContext,
  SecretsManager,
} from "../core/context.js";
import { setDynamicCompiler } from "../core/dynamic.js";
import { type EagerBackend, setClusterEagerBackend } from "../core/eager/controller.js";
import { EAGER_FAILURE_HANDLER_TASK_TYPE } from "../core/eager/failure-handler.js";
import { createLogger, type Logger } from "../core/logger.js";
import { isTask, loadResolver, projectRootFromEnv } from "../core/resolver.js";
import type { Task } from "../core/task.js";
import { renderDecks } from "../deck/deck.js";
import { FlyteUserError } from "../errors.js";
import { storageFor } from "../storage/registry.js";
import { joinUri } from "../storage/types.js";
import type { ExecuteArgs } from "./args.js";
import { type ContainerCheckpoint, containerCheckpoint } from "./checkpoint.js";
import { containerData, prefetchBlobs } from "./data.js";
import { classifyError, type ErrorReport, TaskLoadError, unknownOutputReport } from "./errors.js";
import { faultPoint } from "./faults.js";
import { decodeLiteralMap, encodeOutputs, inputReadError, mapTaskInputs, resolveOffloaded } from "./literals-io.js";
import { maskProcessOutput } from "./mask-output.js";
import { pinOwnCopy } from "./one-copy.js";
import { arrayIndex, type Env, readErrorSettings, readSettings } from "./settings.js";

/** What to run. */
export interface RunOptions {
  /** The command-line arguments. */
  readonly args: ExecuteArgs;
  /** Environment settings are read from; `process.env` by default. */
  readonly env?: Env;
  /** Run one element of a map task: inputs not in `bound` are lists indexed by the array index. */
  readonly map?: { readonly bound: readonly string[] };
  /** Aborted when the pod is asked to stop (SIGTERM); handed to the task as `currentContext().signal`. */
  readonly signal?: AbortSignal;
  /** The secrets manager user code reads through; the values it reads are masked in everything written. */
  readonly secrets?: SecretsManager;
  /** Loads the task instead of the resolver named in `args` (tests). */
  readonly loadTask?: () => Promise<Task>;
  /**
   * The backend eager tasks and their failure handlers use; by default one launching executions through the admin
   * the platform config and `FLYTE_PLATFORM_*` variables of the pod name.
   */
  readonly eagerBackend?: EagerBackend;
}

/** How an attempt ended. */
export interface RunResult {
  /** `succeeded`: outputs written; `failed`: an error document written; `ignored`: `IgnoreOutputs`, nothing written; `loaded`: `--test`. */
  readonly status: "succeeded" | "failed" | "ignored" | "loaded";
  /** The URI of the outputs or error document written. */
  readonly written?: string;
  /** The error written, when `failed`. */
  readonly error?: ErrorReport;
}

/**
 * The eager backend of a container: children launched through the admin the platform config names (loaded only for
 * eager tasks and their failure handlers, so other tasks start without the remote client).
 */
async function clusterEagerBackend(env: Env, id: { project: string; domain: string }): Promise<EagerBackend> {
  const [{ remoteEagerBackend }, { connectRemote }] = await Promise.all([
    import("../remote/eager.js"),
    import("../remote/connect.js"),
  ]);
  return remoteEagerBackend({
    remote: () =>
      connectRemote({
        ...(id.project ? { project: id.project } : {}),
        ...(id.domain ? { domain: id.domain } : {}),
      }),
    env: env as NodeJS.ProcessEnv,
  });
}

async function put(uri: string, bytes: Uint8Array, contentType?: string): Promise<void> {
  await (await storageFor(uri)).put(uri, bytes, contentType ? { contentType } : {});
}

/**
 * Loads the task the args name through their resolver; any failure is a {@link TaskLoadError}. User code (and a
 * resolver of its own) imports `flytekit-ts` as this entrypoint's copy: one context store per process.
 */
async function loadTaskFromArgs(args: ExecuteArgs): Promise<Task> {
  const what = `${args.resolver} ${args.loaderArgs.join(" ")}`;
  let task: unknown;
  try {
    // The resolvers find user modules under the same root, read from the process environment.
    await pinOwnCopy(projectRootFromEnv());
    task = await (await loadResolver(args.resolver)).loadTask(args.loaderArgs);
  } catch (e) {
    const message = `cannot load the task (${what}): ${e instanceof Error ? e.message : String(e)}`;
    // The resolver's own diagnostics say it all; an import failure's cause carries the stack that matters.
    throw new TaskLoadError(message, e instanceof FlyteUserError ? {} : { cause: e });
  }
  if (!isTask(task)) throw new TaskLoadError(`the resolver returned something that is not a task for ${what}`);
  return task;
}

/**
 * Runs one task attempt and writes its outputs or its error document. Resolves once the final file is written;
 * rejects only when even the error document cannot be written.
 *
 * @example
 * const r = await runContainerTask({ args: parseExecuteArgs(process.argv.slice(2)) });
 * process.exitCode = r.status === "failed" && failOnError ? 1 : 0;
 */
export async function runContainerTask(opts: RunOptions): Promise<RunResult> {
  const secrets = opts.secrets ?? new SecretsManager({ local: false });
  // User code's own output (console.log, a shell task's child) must not show a secret it has read either.
  const restore = maskProcessOutput(secrets.readValues);
  try {
    return await runAttempt(opts, secrets);
  } finally {
    restore();
  }
}

async function runAttempt(opts: RunOptions, secrets: SecretsManager): Promise<RunResult> {
  const { args } = opts;
  const env = opts.env ?? process.env;
  const signal = opts.signal ?? new AbortController().signal;
  const redact = secrets.readValues;
  const errorSettings = readErrorSettings(env);
  let logger: Logger = createLogger({
    executionName: env.FLYTE_INTERNAL_EXECUTION_ID ?? env._F_NM ?? "",
    taskName: "",
    redact,
  });
  let params: ExecutionParameters | undefined;
  let checkpoint: ContainerCheckpoint | undefined;
  let finished = false;
  let localRoot: string | undefined;
  const finish = (p: ExecutionParameters) => {
    finished = true;
    return finishAttempt(p, args, checkpoint, logger);
  };

  try {
    const settings = readSettings(env);
    const root = mkdtempSync(join(tmpdir(), "tsflyte-"));
    localRoot = root;
    checkpoint = containerCheckpoint(join(root, "checkpoint"), args.checkpointPath, args.prevCheckpoint);
    const paramsFor = (taskName: string, enableDeck: boolean) =>
      makeParams({
        localRoot: root,
        workingDirectory: join(root, "user_space"),
        local: false,
        executionId: settings.executionId,
        taskId: { ...settings.taskId, name: settings.taskId.name || taskName },
        rawOutputPrefix: args.rawOutputDataPrefix,
        checkpoint,
        enableDeck,
        publishDecks: (p) => putDeck(p, args),
        secrets,
        signal,
      });

    // inputs.pb loads while the user's module is imported. Module top-level code already sees the container's
    // context, so secrets it reads are masked too.
    const inputBytes = storageFor(args.inputs).then((s) => s.get(args.inputs, { signal }));
    inputBytes.catch(() => {});
    const loading: ContextState = { mode: "task", localRoot: root, params: paramsFor("", false) };
    const task = await runInContext(loading, () => (opts.loadTask ? opts.loadTask() : loadTaskFromArgs(args)));
    faultPoint("after-load");
    if (args.test) return { status: "loaded" };

    params = paramsFor(task.name, task.metadata?.generatesDeck ?? false);
    logger = params.logger;
    const state: ContextState = { mode: "task", localRoot: root, params };
    const inputs = opts.map
      ? await mapTaskInputs(await inputBytes, args.inputs, arrayIndex(env), new Set(opts.map.bound), signal, task.name)
      : await resolveOffloaded(decodeLiteralMap(await inputBytes, args.inputs), signal, task.name, args.inputs);
    const prefetched = new Map<string, Uint8Array>();
    await Promise.all(
      Object.entries(inputs.literals).map(async ([k, lit]) => {
        const uris: string[] = [];
        task.interface.inputTypes[k]?.collectBlobUris(lit, uris);
        try {
          for (const [uri, bytes] of await prefetchBlobs(uris, signal)) prefetched.set(uri, bytes);
        } catch (e) {
          throw inputReadError(task.name, k, uris.length === 1 ? uris[0]! : `${uris.length} blobs`, e);
        }
      }),
    );
    const data = containerData(args.rawOutputDataPrefix, root, prefetched);
    faultPoint("after-inputs");

    // A dynamic task serializes its sub-tasks with the registration settings, and the fast bundle it was run from.
    const dynamicEnv = {
      ...env,
      FLYTEKIT_TS_DYNAMIC_DISTRIBUTION: args.dynamicAddlDistro,
      FLYTEKIT_TS_DYNAMIC_DEST_DIR: args.dynamicDestDir,
    };
    setDynamicCompiler(async (spec) => {
      const { containerSettings, toDynamicJobSpec } = await import("../serialize/dynamic.js");
      return toDynamicJobSpec(spec, containerSettings(dynamicEnv));
    });
    if (task.metadata?.isEager || task.taskType === EAGER_FAILURE_HANDLER_TASK_TYPE) {
      setClusterEagerBackend(opts.eagerBackend ?? (await clusterEagerBackend(env, settings.executionId)));
    }
    const result: unknown = await runInContext(state, () => task.dispatchExecute(inputs, data));
    faultPoint("after-execute");

    const typeName = (result as { $typeName?: string } | null)?.$typeName;
    if (typeName === "flyteidl.core.LiteralMap") {
      const lm = result as import("../idl/gen/flyteidl/core/literals_pb.js").LiteralMap;
      const types = Object.fromEntries(task.interface.outputs.map(([k, t]) => [k, t.literalType]));
      // Size checks come first: an oversize output fails before anything is uploaded.
      const { outputs, offloaded } = encodeOutputs(lm, types, args.outputPrefix, settings, task.name);
      await data.flush(signal);
      faultPoint("after-raw-upload");
      await Promise.all(offloaded.map((f) => put(f.uri, f.bytes)));
      faultPoint("after-offload");
      await finish(params);
      faultPoint("before-outputs");
      const uri = joinUri(args.outputPrefix, "outputs.pb");
      await put(uri, outputs);
      return { status: "succeeded", written: uri };
    }
    if (typeName === "flyteidl.core.DynamicJobSpec") {
      const [{ toBinary }, { DynamicJobSpecSchema }] = await Promise.all([
        import("@bufbuild/protobuf"),
        import("../idl/gen/flyteidl/core/dynamic_job_pb.js"),
      ]);
      const bytes = toBinary(
        DynamicJobSpecSchema,
        result as import("../idl/gen/flyteidl/core/dynamic_job_pb.js").DynamicJobSpec,
      );
      await data.flush(signal);
      await finish(params);
      faultPoint("before-outputs");
      const uri = joinUri(args.outputPrefix, "futures.pb");
      await put(uri, bytes);
      return { status: "succeeded", written: uri };
    }
    return await writeError(unknownOutputReport(result));
  } catch (e) {
    const report = classifyError(e, { redact, terminated: signal.aborted });
    if (report === "ignore") {
      logger.warn("the task threw IgnoreOutputs: nothing is written");
      return { status: "ignored" };
    }
    // The deck and the checkpoint help the next attempt and the user; they must not hide the error.
    if (params && !finished) {
      await finish(params).catch((err: unknown) => logger.warn("could not save the checkpoint", err));
    }
    return await writeError(report);
  } finally {
    // Everything the attempt wrote locally is uploaded by now; the scratch directory goes unless it is asked for.
    if (localRoot && !keepLocalRuns(env)) {
      await rm(localRoot, { recursive: true, force: true }).catch((err: unknown) =>
        logger.warn(`could not remove the scratch directory ${localRoot}`, err),
      );
    }
  }

  async function writeError(report: ErrorReport): Promise<RunResult> {
    logger.error("task failed", {
      code: report.code,
      recoverable: report.recoverable,
      origin: report.origin,
      error: report.message,
    });
    const [{ create, toBinary }, { ErrorDocumentSchema, ContainerError_Kind }, { ExecutionError_ErrorKind }] =
      await Promise.all([
        import("@bufbuild/protobuf"),
        import("../idl/gen/flyteidl/core/errors_pb.js"),
        import("../idl/gen/flyteidl/core/execution_pb.js"),
      ]);
    const ms = report.timestamp.getTime();
    const doc = create(ErrorDocumentSchema, {
      error: {
        code: report.code,
        message: report.message,
        kind: report.recoverable ? ContainerError_Kind.RECOVERABLE : ContainerError_Kind.NON_RECOVERABLE,
        origin: report.origin === "USER" ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
        timestamp: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 },
        worker: errorSettings.workerName,
      },
    });
    const name = errorSettings.distributedErrors ? `error-${randomUUID().replaceAll("-", "")}.pb` : "error.pb";
    const uri = joinUri(args.outputPrefix, name);
    faultPoint("before-outputs");
    await put(uri, toBinary(ErrorDocumentSchema, doc));
    return { status: "failed", written: uri, error: report };
  }
}

/**
 * What is written before the final file: the deck (when the task renders decks; failures only logged) and the
 * checkpoint directory (when given).
 */
async function finishAttempt(
  params: ExecutionParameters,
  args: ExecuteArgs,
  checkpoint: ContainerCheckpoint | undefined,
  logger: Logger,
): Promise<void> {
  if (params.enableDeck) {
    try {
      await putDeck(params, args);
    } catch (e) {
      logger.warn("could not write deck.html", e);
    }
  }
  await checkpoint?.sync();
}

/** Renders the decks and uploads them as `<output prefix>/deck.html`, where propeller points the node's deck URI. */
function putDeck(params: ExecutionParameters, args: ExecuteArgs): Promise<void> {
  const html = renderDecks(params.decks, params.secrets.readValues);
  return put(joinUri(args.outputPrefix, "deck.html"), new TextEncoder().encode(html), "text/html");
}
