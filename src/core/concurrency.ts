/**
 * A counting semaphore bounding how many tasks run at once locally.
 */

/** Limits concurrent work to `limit` permits. */
export class Semaphore {
  private available: number;
  private readonly waiters: (() => void)[] = [];
  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be at least 1, got ${limit}`);
    this.available = limit;
  }
  /** Runs `fn` holding a permit. */
  async run<R>(fn: () => Promise<R>): Promise<R> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.available++;
    }
  }
}

/** The local task concurrency bound: `FLYTE_LOCAL_CONCURRENCY`, default 16. */
export const localTaskSlots = new Semaphore(Number(process.env.FLYTE_LOCAL_CONCURRENCY ?? "16") || 16);
