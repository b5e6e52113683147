/**
 * `tsflyte init [DIR] [--name NAME]`: a new project that runs and tests out of the box: package.json (this SDK as a
 * dependency, ESM, `run` and `test` scripts), a strict tsconfig, a workflow of two tasks, a test of it with
 * `flytekit-ts/testing` under `node:test`, a .gitignore and a README. It never overwrites a file.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import validateName from "validate-npm-package-name";
import { type Command, type CommandContext, UsageError } from "./command.js";
import { parseOrUsage } from "./serialize.js";

const INIT_HELP = `Usage: tsflyte init [DIR] [--name NAME]

Creates a new flytekit-ts project in DIR (default: the current directory; created when missing):

  package.json          flytekit-ts as a dependency; scripts: run (the workflow), test, typecheck
  tsconfig.json         strict TypeScript, ES modules
  workflows/hello.ts    a workflow of two tasks
  test/hello.test.ts    tests of it with flytekit-ts/testing, under node:test
  .gitignore, README.md

Existing files are never overwritten: if any of these exists, nothing is written and they are listed.

Options:
      --name NAME   the npm package name (default: DIR's name); npm's package name rules apply
`;

/** The files of a new project, by path relative to its directory. */
export function scaffold(name: string, sdk: { version: string; devDependencies: Record<string, string> }) {
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=20" },
    scripts: {
      run: "tsflyte run workflows/hello.ts wf",
      test: "node --import tsx --test test/*.test.ts",
      typecheck: "tsc --noEmit",
    },
    dependencies: { "flytekit-ts": `^${sdk.version}` },
    devDependencies: sdk.devDependencies,
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
    },
    include: ["workflows", "test"],
  };
  return new Map<string, string>([
    ["package.json", `${JSON.stringify(pkg, null, 2)}\n`],
    ["tsconfig.json", `${JSON.stringify(tsconfig, null, 2)}\n`],
    ["workflows/hello.ts", WORKFLOW],
    ["test/hello.test.ts", TEST],
    [".gitignore", GITIGNORE],
    ["README.md", readme(name)],
  ]);
}

const WORKFLOW = `/**
 * A workflow of two tasks. Run it with \`npm run run -- --name Ada --times 3\`, or from code:
 * \`await wf({ name: "Ada" })\`.
 */
import { t, task, workflow } from "flytekit-ts";

/** Greets someone. */
export const greet = task({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => \`Hello, \${name}!\`);

/** Repeats a text; cached locally, so the same inputs run once (see \`tsflyte cache list\`). */
export const repeat = task(
  { inputs: { text: t.str, times: t.int }, outputs: t.str, cache: { version: "1" } },
  ({ text, times }) => {
    if (times < 1) throw new Error(\`times must be at least 1, got \${times}\`);
    return Array.from({ length: times }, () => text).join(" ");
  },
);

export const wf = workflow(
  { inputs: { name: t.str.default("world"), times: t.int.default(2) }, outputs: t.str },
  ({ name, times }) => repeat({ text: greet({ name }), times }),
);
`;

const TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { assertCalledWith, mockTask, snapshotWorkflow, withMocks } from "flytekit-ts/testing";
import { greet, repeat, wf } from "../workflows/hello.js";

test("the workflow greets and repeats", async () => {
  assert.equal(await wf({ name: "Ada", times: 2 }), "Hello, Ada! Hello, Ada!");
});

test("a task runs on its own", async () => {
  assert.equal(await greet({ name: "Grace" }), "Hello, Grace!");
  await assert.rejects(repeat({ text: "x", times: 0 }), /times must be at least 1, got 0/);
});

test("with greet mocked, repeat receives the mock's output", () =>
  withMocks(async () => {
    const greetMock = mockTask(greet, ({ name }) => \`Hi \${name}\`);
    const repeatMock = mockTask(repeat, ({ text }) => text.toUpperCase());
    assert.equal(await wf({ name: "Linus" }), "HI LINUS");
    assertCalledWith(greetMock, { name: "Linus" });
    assertCalledWith(repeatMock, { text: "Hi Linus", times: 2 });
  }));

test("the workflow compiles to two nodes", async () => {
  const spec = JSON.parse(await snapshotWorkflow(wf));
  assert.deepEqual(
    spec.template.nodes.map((n: { id: string }) => n.id),
    ["n0", "n1"],
  );
});
`;

const GITIGNORE = `node_modules/
dist/
*.tgz
.flyte-local/
`;

function readme(name: string): string {
  return `# ${name}

Flyte tasks and workflows in TypeScript, with [flytekit-ts](https://www.npmjs.com/package/flytekit-ts).

\`\`\`sh
npm install
npm run run                                # runs workflows/hello.ts's wf locally and prints its output
npm run run -- --name Ada --times 3        # with inputs
npm test                                   # test/*.test.ts under node:test, with flytekit-ts/testing
npm run typecheck
npx tsflyte run workflows/hello.ts --help  # the tasks and workflows in the file, with their inputs
\`\`\`

On a Flyte cluster (the config is read as flytectl reads it: \`--config\`, \`$FLYTECTL_CONFIG\` or
\`~/.flyte/config.yaml\`):

\`\`\`sh
npx tsflyte register workflows/ --project flytesnacks --domain development
npx tsflyte run --remote --wait workflows/hello.ts wf --name Ada
\`\`\`

Cached task outputs live in the local cache: \`npx tsflyte cache list\`, \`npx tsflyte cache clear\`.
`;
}

/**
 * What the scaffolded project pins besides this SDK: the TypeScript compiler, Node's types and tsx (for `node
 * --import tsx --test`), at the versions this SDK is built and tested with.
 */
function sdkPackage(): { version: string; devDependencies: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const all = { ...pkg.devDependencies, ...pkg.dependencies };
  const devDependencies: Record<string, string> = {};
  for (const name of ["@types/node", "tsx", "typescript"]) {
    const v = all[name];
    if (v === undefined) throw new Error(`flytekit-ts's package.json names no version of ${name}`);
    devDependencies[name] = v;
  }
  return { version: pkg.version, devDependencies };
}

/**
 * Why `name` is not a valid npm package name for a new package, or undefined when it is.
 *
 * @example
 * packageNameProblem("My App"); // "name can only contain URL-friendly characters; name can no longer contain capital letters"
 */
export function packageNameProblem(name: string): string | undefined {
  const r = validateName(name);
  if (r.validForNewPackages) return undefined;
  return [...(r.errors ?? []), ...(r.warnings ?? [])].join("; ") || "not a valid package name";
}

/** `tsflyte init [DIR] [--name NAME]`. */
export const initCommand: Command = {
  summary: "Create a new project: a workflow, its test, package.json and tsconfig, ready to run and test",
  async run(args: readonly string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseOrUsage("init", () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: { name: { type: "string" }, help: { type: "boolean", short: "h" } },
      }),
    );
    if (values.help) {
      ctx.out(INIT_HELP);
      return 0;
    }
    if (positionals.length > 1)
      throw new UsageError(`expected one directory, got ${positionals.length}: ${positionals.join(" ")}`, USAGE);
    const dir = resolve(ctx.cwd, positionals[0] ?? ".");
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new UsageError(`${JSON.stringify(dir)} exists and is not a directory`, USAGE);
    const name = values.name ?? basename(dir);
    const problem = packageNameProblem(name);
    if (problem !== undefined) {
      const from =
        values.name === undefined ? `the directory name ${JSON.stringify(name)}` : `--name ${JSON.stringify(name)}`;
      throw new UsageError(
        `${from} is not a valid npm package name: ${problem}`,
        values.name === undefined ? "Pass a name with --name, e.g. --name my-workflows." : USAGE,
      );
    }
    const files = scaffold(name, sdkPackage());
    const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
    if (existing.length > 0) {
      throw new UsageError(
        `not overwriting existing files in ${dir}: ${existing.join(", ")}`,
        "Move them away or choose another directory; nothing was written.",
      );
    }
    for (const [file, text] of files) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { flag: "wx" });
    }
    const where = relative(ctx.cwd, dir) || ".";
    ctx.err(`created ${name} in ${dir}:\n${[...files.keys()].map((f) => `  ${f}\n`).join("")}`);
    ctx.err(
      `\nNext:\n${where === "." ? "" : `  cd ${shellWord(where)}\n`}  npm install\n  npm run run -- --name Ada\n  npm test\n`,
    );
    return 0;
  },
};

const USAGE = "Usage: tsflyte init [DIR] [--name NAME]";

/** A path as one shell word: as it is when plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
