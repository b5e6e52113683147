/**
 * Eager workflows: an async body that awaits real values. `Promise.all` fans out (at most FLYTE_EAGER_CONCURRENCY
 * calls at once, default 32), and a failing task is an exception the body catches like any other.
 *
 *   npx tsflyte run examples/eager.ts pipeline --values '["1", "2", "x", "4"]'
 */
import { eager, t, task } from "flytekit-ts";

export const parseInteger = task({ inputs: { s: t.str }, outputs: t.int }, ({ s }) => {
  const n = Number(s);
  if (s.trim() === "" || !Number.isInteger(n)) throw new Error(`not an integer: ${JSON.stringify(s)}`);
  return n;
});

export const double = task({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setTimeout(r, 5));
  return 2 * x;
});

export const pipeline = eager(
  { inputs: { values: t.list(t.str) }, outputs: { total: t.int, rejected: t.list(t.str) } },
  async ({ values }) => {
    const parsed = await Promise.all(
      values.map(async (s) => {
        try {
          return await parseInteger({ s });
        } catch {
          return null;
        }
      }),
    );
    const rejected = values.filter((_, i) => parsed[i] === null);
    const doubled = await Promise.all(parsed.filter((x) => x !== null).map((x) => double({ x })));
    return { total: doubled.reduce((s, x) => s + x, 0), rejected };
  },
);
