/** Helpers for the serialization tests: settings, decoding what was written, wire-level field numbers, archives. */
import assert from "node:assert/strict";
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { gunzipSync } from "node:zlib";
import { bindExports, type Identity } from "../../../src/core/naming.js";
import { readTar } from "../../../src/entrypoint/tar.js";
import { type SerializationSettings, serializationSettings } from "../../../src/serialize/settings.js";

/** Settings with a fixed default image (and whatever else is given). */
export function settings(over: Partial<SerializationSettings> = {}): SerializationSettings {
  return serializationSettings({ image: { default: "ghcr.io/acme/app:v1" }, ...over });
}

/** Fails when a decoded message (or any message inside it) kept fields its schema does not know. */
export function assertNoUnknown(value: unknown, path = "$"): void {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertNoUnknown(v, `${path}[${i}]`);
    return;
  }
  const o = value as Record<string, unknown>;
  if (o.$unknown !== undefined) assert.fail(`unknown fields at ${path}: ${JSON.stringify(o.$unknown)}`);
  for (const [k, v] of Object.entries(o)) if (k !== "$typeName") assertNoUnknown(v, `${path}.${k}`);
}

/** Encodes, decodes (checking for unknown fields) and returns the decoded message. */
export function roundTrip<D extends DescMessage>(schema: D, msg: MessageShape<D>): MessageShape<D> {
  const decoded = fromBinary(schema, toBinary(schema, msg));
  assertNoUnknown(decoded);
  return decoded;
}

/** Decodes bytes (checking for unknown fields). */
export function decode<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  const decoded = fromBinary(schema, bytes);
  assertNoUnknown(decoded);
  return decoded;
}

/** The top-level fields of encoded bytes: field number, wire type and (for length-delimited fields) the payload. */
export function wireFields(bytes: Uint8Array): { no: number; wireType: WireType; payload?: Uint8Array }[] {
  const r = new BinaryReader(bytes);
  const out: { no: number; wireType: WireType; payload?: Uint8Array }[] = [];
  while (r.pos < r.len) {
    const [no, wireType] = r.tag();
    if (wireType === WireType.LengthDelimited) out.push({ no, wireType, payload: r.bytes() });
    else {
      r.skip(wireType, no);
      out.push({ no, wireType });
    }
  }
  return out;
}

/** The members of a gzipped tar (name, type, mode, bytes), in archive order. */
export function members(tgz: Uint8Array): { name: string; type: string; mode: number; data: Uint8Array }[] {
  return [...readTar(new Uint8Array(gunzipSync(tgz)))].map((e) => ({
    name: e.name,
    type: e.type,
    mode: e.mode,
    data: e.data,
  }));
}

/**
 * Names an entity as if its module exported it under `name` (what the CLI does after importing a file), so that it
 * serializes as `<module>.<name>` with loader args `task-module <module> task-name <name>`.
 */
export function exported<T extends object>(name: string, entity: T, file: string): T {
  bindExports({ [name]: entity }, file, (v): v is { identity: Identity } => v === entity);
  return entity;
}

/** The I/O template flags every entrypoint command carries, written out here so the tests pin them independently. */
export const IO_ARGS: readonly string[] = [
  "--inputs",
  "{{.input}}",
  "--output-prefix",
  "{{.outputPrefix}}",
  "--raw-output-data-prefix",
  "{{.rawOutputDataPrefix}}",
  "--checkpoint-path",
  "{{.checkpointOutputPrefix}}",
  "--prev-checkpoint",
  "{{.prevCheckpointPrefix}}",
];
