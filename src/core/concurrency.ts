/**
 * A counting semaphore bounding how many tasks run at once locally.
 */

/** Limits concurrent work to `limit` permits. */
export class Semaphore {
  private available: number;
  // A FIFO as an array and the index of its head: `shift()` on an array of 10^5 waiters copies it every time, which
  // made a wide fan-out or a large map quadratic. Served entries are cut off once they are half of the array.
  private waiters: (() => void)[] = [];
  private head = 0;
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
      this.release();
    }
  }
  /** Hands the permit to the longest waiter, or returns it. */
  private release(): void {
    if (this.head === this.waiters.length) {
      this.available++;
      return;
    }
    const next = this.waiters[this.head]!;
    this.waiters[this.head++] = undefined as never;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    next();
  }
}

/** The local task concurrency bound: `FLYTE_LOCAL_CONCURRENCY`, default 16. */
export const localTaskSlots = new Semaphore(Number(process.env.FLYTE_LOCAL_CONCURRENCY ?? "16") || 16);
