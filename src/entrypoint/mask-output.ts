/**
 * Masking secrets in what the container's process writes to stdout and stderr: once user code has read a secret
 * through the SDK, `console.log(secret)` (or a child process whose output the SDK forwards) shows `***` instead.
 * A value split across writes is caught too: the tail of a write that could begin a secret is held back until the
 * next write (or a few milliseconds) tells whether it does.
 */
/** How long a held-back tail waits for the write that may complete a secret. */
const HOLD_MS = 25;

type Write = typeof process.stdout.write;

const STARS = Buffer.from("***");

/** The secrets as bytes, longest first (cached while the set's size stays the same: values are only ever added). */
function secretBytes(secrets: ReadonlySet<string>, cache: { size: number; bytes: Buffer[] }): Buffer[] {
  if (cache.size !== secrets.size) {
    cache.bytes = [...secrets]
      .filter((v) => v.length > 0)
      .map((v) => Buffer.from(v))
      .sort((a, b) => b.length - a.length);
    cache.size = secrets.size;
  }
  return cache.bytes;
}

/** `buf` with every occurrence of each secret replaced by `***`; bytes that are no secret are kept as they are. */
function maskBytes(buf: Buffer, secrets: readonly Buffer[]): Buffer {
  let out = buf;
  for (const v of secrets) {
    let at = out.indexOf(v);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), STARS);
      from = at + v.length;
      at = out.indexOf(v, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** The length of the longest tail of `buf` that is a proper prefix of some secret. */
function heldTail(buf: Buffer, secrets: readonly Buffer[]): number {
  let best = 0;
  for (const v of secrets) {
    for (let n = Math.min(v.length - 1, buf.length); n > best; n--) {
      if (buf.subarray(buf.length - n).equals(v.subarray(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}

function maskStream(stream: NodeJS.WriteStream, secrets: ReadonlySet<string>): () => void {
  const original = stream.write;
  const write = original.bind(stream) as (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean;
  const cache = { size: -1, bytes: [] as Buffer[] };
  let held: Buffer = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rest = held;
    held = Buffer.alloc(0);
    if (rest.length > 0) write(rest);
  };
  stream.write = function maskedWrite(
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | ((err?: Error | null) => void),
    cb?: (err?: Error | null) => void,
  ): boolean {
    if (secrets.size === 0 && held.length === 0) return original.call(stream, chunk, encoding as BufferEncoding, cb);
    const done = typeof encoding === "function" ? encoding : cb;
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const values = secretBytes(secrets, cache);
    const masked = maskBytes(held.length > 0 ? Buffer.concat([held, bytes]) : bytes, values);
    const keep = heldTail(masked, values);
    // Held bytes are copied: the caller may reuse its buffer once write returns.
    held = Buffer.from(masked.subarray(masked.length - keep));
    if (timer) clearTimeout(timer);
    timer = keep > 0 ? setTimeout(flush, HOLD_MS).unref() : undefined;
    return write(masked.subarray(0, masked.length - keep), done);
  } as Write;
  return () => {
    flush();
    stream.write = original;
  };
}

/**
 * Masks `secrets` (a live set: values added later are masked from then on) in everything written through
 * `process.stdout` and `process.stderr` until the returned function is called, which writes what is held back and
 * restores the streams.
 *
 * @example
 * const restore = maskProcessOutput(secrets.readValues);
 * try { await run(); } finally { restore(); }
 */
export function maskProcessOutput(secrets: ReadonlySet<string>): () => void {
  const restores = [maskStream(process.stdout, secrets), maskStream(process.stderr, secrets)];
  return () => {
    for (const r of restores) r();
  };
}
