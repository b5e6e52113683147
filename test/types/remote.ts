/**
 * Type-level tests of FlyteRemote: execution inputs and outputs are typed by the entity's interface.
 */
import { referenceTask, t, task, workflow } from "flytekit-ts";
import type { FlyteRemote } from "flytekit-ts/remote";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

declare const remote: FlyteRemote;
const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const wf = workflow({ inputs: { a: t.int }, outputs: { s: t.int, l: t.str } }, ({ a }) => ({
  s: add({ a, b: 1 }),
  l: "x",
}));
const pyAdd = referenceTask({
  project: "p",
  domain: "d",
  name: "m.add",
  version: "v",
  inputs: { a: t.int },
  outputs: [t.int, t.str],
});

export async function typed() {
  const wfOut = await (await remote.execute(wf, { a: 1 })).outputs();
  const taskOut = await (await remote.execute(add, { a: 1, b: 2 })).outputs();
  const refOut = await (await remote.execute(pyAdd, { a: 1 })).outputs();
  // @ts-expect-error a is an int
  await remote.execute(add, { a: "1", b: 2 });
  // @ts-expect-error b is required
  await remote.execute(add, { a: 1 });
  return [] as unknown as [
    Expect<Equal<typeof wfOut, { s: number; l: string }>>,
    Expect<Equal<typeof taskOut, number>>,
    Expect<Equal<typeof refOut, [number, string]>>,
  ];
}
