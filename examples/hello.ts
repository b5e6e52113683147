/**
 * Hello world: a task and a workflow that calls it.
 *
 *   npx tsflyte run examples/hello.ts wf --name world
 */
import { t, task, workflow } from "flytekit-ts";

export const sayHello = task({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => `Hello, ${name}!`);

export const wf = workflow({ inputs: { name: t.str.default("world") }, outputs: t.str }, ({ name }) =>
  sayHello({ name }),
);
