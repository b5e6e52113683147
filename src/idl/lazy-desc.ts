/**
 * Descriptors built on first use. The generated `*_pb.ts` modules describe each `.proto` file with an embedded
 * `FileDescriptorProto`, and protobuf-es builds every file's descriptors (messages, fields, enums, services) when its
 * module is evaluated: for the 60-odd Flyte IDL files that is tens of milliseconds of every process's start, most of
 * it for files the process never touches (a task container needs the literal files, not the admin API's).
 * `scripts/gen-idl.mjs` therefore wraps each generated descriptor in {@link lazyDesc}: the export is a stand-in that
 * builds the real descriptor the first time anything reads it, and forwards every read to it from then on.
 *
 * The stand-in is a `Proxy` because the exports are `const` bindings that protobuf-es functions (`create`,
 * `toBinary`, `fromBinary`, Connect clients) only ever read properties of. Written by hand rather than taken from a
 * library: it is a handful of forwarding traps tied to how the generated modules are shaped.
 *
 * What does not carry over: identity. A descriptor reached through another one (a field's `message`, a file's
 * `messages[0]`) is the real object, not the stand-in, so descriptors are compared by `typeName`, never with `===`.
 */

/** The names of the descriptors built so far, in order (a file's `name`, a message's or enum's `typeName`). */
const built: string[] = [];

/**
 * The descriptors built so far, by name (`flyteidl/core/literals` for a file, `flyteidl.core.Literal` for a
 * message): what a process has paid for. Tests use it to hold a code path to the IDL it needs.
 */
export function builtDescriptors(): readonly string[] {
  return built;
}

/** A read-only stand-in for the value `build` returns, calling `build` once, on the first read. */
export function lazyDesc<T extends object>(build: () => T): T {
  let real: T | undefined;
  const target = (): T => {
    if (real === undefined) {
      real = build();
      const named = real as { typeName?: unknown; name?: unknown };
      built.push(String(named.typeName ?? named.name));
    }
    return real;
  };
  const readOnly = (): never => {
    throw new TypeError("a generated protobuf descriptor is read-only");
  };
  return new Proxy({} as T, {
    get: (_, key) => {
      const r = target();
      return Reflect.get(r, key, r);
    },
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      // The stand-in's own (empty) target holds none of these properties, so each must be reported configurable.
      if (d) d.configurable = true;
      return d;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
  });
}
