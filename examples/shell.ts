/**
 * A shell task: a script over the inputs, with outputs collected from files.
 *
 *   npx tsflyte run examples/shell.ts wf --text "hello shell"
 */
import { shellTask, t, task, workflow } from "flytekit-ts";

export const writeText = task({ inputs: { text: t.str }, outputs: t.file({ format: "txt" }) }, async ({ text }) => {
  const { currentContext } = await import("flytekit-ts");
  const { writeFile } = await import("node:fs/promises");
  const path = `${currentContext().workingDirectory}/input.txt`;
  await writeFile(path, `${text}\n${text}\n`);
  return path;
});

export const countLines = shellTask({
  name: "examples.shell.count_lines",
  inputs: { f: t.file({ format: "txt" }) },
  outputs: { n: t.int, upper: t.file({ format: "txt" }) },
  script: `
    wc -l < {inputs.f} > {outputs.n}
    tr '[:lower:]' '[:upper:]' < {inputs.f} > {outputs.upper}
  `,
  outputLocations: { n: "{ctx.workingDirectory}/n.txt", upper: "{ctx.workingDirectory}/upper.txt" },
});

export const wf = workflow(
  { inputs: { text: t.str }, outputs: t.int },
  ({ text }) => countLines({ f: writeText({ text }) }).n,
);
