/**
 * A dynamic task's graph, compiled at execution time in a container, as the `DynamicJobSpec` propeller runs
 * (`futures.pb`): nodes `dn0…`, every referenced TaskTemplate (deduplicated), subworkflows, output bindings and
 * `min_successes`. Sub-tasks are serialized with the settings registration used (`_F_SS_C`), with the ids and
 * images of the running task.
 */
import { create } from "@bufbuild/protobuf";
import type { DynamicWorkflowSpec } from "../core/dynamic.js";
import type { Entity } from "../core/entity.js";
import { type DynamicJobSpec, DynamicJobSpecSchema } from "../idl/gen/flyteidl/core/dynamic_job_pb.js";
import type { TaskTemplate } from "../idl/gen/flyteidl/core/tasks_pb.js";
import type { WorkflowTemplate } from "../idl/gen/flyteidl/core/workflow_pb.js";
import { type SerializationSettings, serializationSettings } from "./settings.js";
import { Serializer } from "./translate.js";

/**
 * The settings a dynamic task's container serializes with: `_F_SS_C` (written at registration), with empty ids
 * filled from the running task's own id (`FLYTE_INTERNAL_TASK_PROJECT/DOMAIN/VERSION`, set by propeller), and
 * fast-registration locations from the entrypoint's `--dynamic-addl-distro`/`--dynamic-dest-dir`.
 */
export function containerSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SerializationSettings {
  let saved: Partial<SerializationSettings> = {};
  if (env._F_SS_C) {
    try {
      saved = JSON.parse(Buffer.from(env._F_SS_C, "base64").toString("utf8")) as Partial<SerializationSettings>;
    } catch (e) {
      throw new Error(`_F_SS_C is not a serialized settings document: ${(e as Error).message}`, { cause: e });
    }
  }
  const distribution = env.FLYTEKIT_TS_DYNAMIC_DISTRIBUTION;
  const destinationDir = env.FLYTEKIT_TS_DYNAMIC_DEST_DIR;
  return serializationSettings({
    ...saved,
    project: saved.project || env.FLYTE_INTERNAL_TASK_PROJECT || "",
    domain: saved.domain || env.FLYTE_INTERNAL_TASK_DOMAIN || "",
    version: saved.version || env.FLYTE_INTERNAL_TASK_VERSION || "",
    fast: distribution ? { distribution, destinationDir: destinationDir ?? "." } : saved.fast,
  });
}

/** Turns a compiled dynamic graph into a `DynamicJobSpec`. */
export function toDynamicJobSpec(
  spec: DynamicWorkflowSpec,
  settings: SerializationSettings = containerSettings(),
): DynamicJobSpec {
  const s = new Serializer(settings);
  const { nodes, subWorkflows } = s.nodesOf(spec.nodes);
  const tasks: TaskTemplate[] = [];
  for (const e of s.entities) if (e.kind === 1 && e.spec.template) tasks.push(e.spec.template);
  const subs = new Map<string, WorkflowTemplate>();
  for (const w of subWorkflows) subs.set(w.id!.name, w);
  return create(DynamicJobSpecSchema, {
    nodes,
    minSuccesses: BigInt(nodes.length),
    outputs: [...spec.outputs],
    tasks,
    subworkflows: [...subs.values()],
  });
}

/** Serializes what hint entities need registered, for dynamic tasks' `nodeDependencyHints`. */
export function hintEntities(hints: readonly Entity[], settings: SerializationSettings): Serializer {
  const s = new Serializer(settings);
  for (const h of hints) s.add(h);
  return s;
}
