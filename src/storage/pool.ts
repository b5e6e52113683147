/**
 * Bounded-concurrency iteration.
 *
 * @module
 */

/**
 * Calls `fn` for every item of `items` with at most `concurrency` calls in flight, pulling items lazily (an async
 * iterable such as a listing is consumed as work frees up, never buffered whole).
 *
 * On the first failure no further items are started, in-flight calls are awaited, the source iterator is closed,
 * and the first error is rethrown.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failed = false;
  let firstError: unknown;
  let index = 0;
  let done = false;
  // Serialise pulls: an async iterator must not see overlapping next() calls from several workers.
  let pulling: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<T>> => {
    const p = pulling.then(() => it.next());
    pulling = p.catch(() => {});
    return p;
  };
  const worker = async (): Promise<void> => {
    while (!failed && !done) {
      let r: IteratorResult<T>;
      try {
        r = await next();
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
        return;
      }
      if (r.done) {
        done = true;
        return;
      }
      if (failed) return;
      const i = index++;
      try {
        await fn(r.value, i);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failed) {
    try {
      await it.return?.();
    } catch {
      // the original failure matters more
    }
    throw firstError;
  }
}
