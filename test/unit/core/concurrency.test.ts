import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Semaphore } from "../../../src/core/concurrency.js";

describe("Semaphore", () => {
  test("runs at most `limit` at once and serves waiters first come, first served", async () => {
    const s = new Semaphore(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        s.run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 1));
          running--;
        }),
      ),
    );
    assert.equal(most, 3);
    assert.deepEqual(
      started,
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  test("keeps order and releases permits across many waiters (the queue compacts as it drains)", async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const n = 20_000;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        s
          .run(async () => {
            order.push(i);
            if (i % 997 === 0) throw new Error(`fails ${i}`);
            return i * 2;
          })
          .catch((e: Error) => e.message),
      ),
    );
    assert.deepEqual(
      order,
      Array.from({ length: n }, (_, i) => i),
    );
    assert.equal(results[5], 10);
    assert.equal(results[997], "fails 997");
    // Every permit came back: two more run at once, at once.
    let both = 0;
    await Promise.all([s.run(async () => both++), s.run(async () => both++)]);
    assert.equal(both, 2);
  });

  test("a limit below 1 is an error naming it", () => {
    assert.throws(() => new Semaphore(0), /at least 1, got 0/);
  });
});
