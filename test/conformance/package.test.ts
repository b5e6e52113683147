/**
 * `tsflyte package` end to end, held to the real Flyte compiler (flytepropeller's, through .tools/bin/flyte-compiler):
 * every entity of the examples' package compiles, with no unknown protobuf fields; with `--copy all` the package also
 * carries a `fast<md5>.tar.gz` code bundle and every task is prefixed with `tsflyte-fast-execute` (the compiler, like
 * `flytectl compile`, is run on the package without the bundle).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { type CompilerRun, oracleSkip, readTarGz, repoRoot, runCompiler, writeTarGz } from "./oracles.js";

const scratch = mkdtempSync(join(tmpdir(), "tsflyte-package-conformance-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const IMAGE = "ghcr.io/acme/flytekit-ts-examples:v1";
const MEMBER = /^\d{2}_.+_[123]\.pb$/;

/** Runs `node bin/tsflyte.js package examples/ …` in the repository; fails with a hint when dist/ is not built. */
function tsflytePackage(out: string, ...extra: string[]): string[] {
  assert.ok(
    existsSync(join(repoRoot, "dist", "cli", "main.js")),
    "dist/ is missing: run `npm run build` first (bin/tsflyte.js runs the compiled CLI)",
  );
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, "bin", "tsflyte.js"), "package", "examples/", "-o", out, "--image", IMAGE, ...extra],
    { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
  );
  assert.equal(r.status, 0, `tsflyte package failed:\n${r.stderr}`);
  assert.ok(existsSync(out), `${out} was not written`);
  return r.stdout.trim().split("\n");
}

function assertAllCompile(run: CompilerRun, expected: number): void {
  const failed = run.results.filter((x) => !x.ok || (x.warnings?.length ?? 0) > 0);
  assert.deepEqual(failed, [], `${run.stdout}${run.stderr}`);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.results.length, expected, `${run.stdout}${run.stderr}`);
}

describe("tsflyte package examples/ compiles with the Flyte compiler", { skip: oracleSkip("compiler") }, () => {
  test("every task, workflow and launch plan compiles, strictly (no unknown fields)", async () => {
    const out = join(scratch, "pkg.tgz");
    const listed = tsflytePackage(out);
    const members = readTarGz(out);
    assert.deepEqual(
      members.map((m) => m.name),
      listed,
      "stdout lists the members, in archive order",
    );
    assert.ok(
      members.every((m) => MEMBER.test(m.name)),
      members.map((m) => m.name).join("\n"),
    );
    const kinds = new Set(members.map((m) => m.name.slice(-4, -3)));
    assert.deepEqual([...kinds].sort(), ["1", "2", "3"]);
    const run = await runCompiler(out, { strict: true });
    assertAllCompile(run, members.length);
    const byKind = (k: string) => run.results.filter((r) => r.kind === k).length;
    assert.equal(byKind("task"), members.filter((m) => m.name.endsWith("_1.pb")).length);
    assert.equal(byKind("workflow"), members.filter((m) => m.name.endsWith("_2.pb")).length);
    assert.equal(byKind("launch_plan"), members.filter((m) => m.name.endsWith("_3.pb")).length);
    // Registration fills empty ids: the package compiles hydrated too, as flytectl register would see it.
    assertAllCompile(await runCompiler(out, { hydrate: true, strict: true }), members.length);
    // The image given on the command line is every container's, but a raw container's, which names its own.
    for (const m of members.filter((x) => x.name.endsWith("_1.pb"))) {
      const tt = fromBinary(TaskSpecSchema, m.data).template!;
      if (tt.type === "raw-container") {
        assert.equal(tt.target.case, "container", m.name);
        assert.notEqual(tt.target.value?.image, IMAGE, `${m.name}: a raw container keeps the image it names`);
        continue;
      }
      if (tt.target.case === "container") assert.equal(tt.target.value.image, IMAGE, m.name);
    }
  });

  test("--copy all: a fast<md5>.tar.gz member with the sources, fast-execute args; compiles without the bundle", async () => {
    const plain = readTarGz(tsflytePackageAt("plain.tgz"));
    const out = join(scratch, "fast.tgz");
    const listed = tsflytePackage(out, "--copy", "all");
    const members = readTarGz(out);
    const bundles = members.filter((m) => /^fast[0-9a-f]{32}\.tar\.gz$/.test(m.name));
    assert.equal(bundles.length, 1, members.map((m) => m.name).join("\n"));
    assert.equal(members.at(-1)!.name, bundles[0]!.name, "the bundle comes after the entities");
    const pbs = members.filter((m) => m !== bundles[0]);
    assert.deepEqual(
      pbs.map((m) => m.name),
      listed,
    );
    assert.deepEqual(
      pbs.map((m) => m.name),
      plain.map((m) => m.name),
      "the same entities as without --copy",
    );

    // The bundle holds the sources the container loads tasks from, and neither dependencies nor VCS data.
    const bundleFile = join(scratch, bundles[0]!.name);
    writeFileSync(bundleFile, bundles[0]!.data);
    assert.deepEqual([...gunzipSync(bundles[0]!.data).subarray(257, 262)], [...Buffer.from("ustar")]);
    const files = readTarGz(bundleFile).map((m) => m.name);
    assert.ok(files.includes("examples/hello.ts"), files.slice(0, 20).join("\n"));
    assert.ok(files.includes("package.json"));
    assert.ok(!files.some((f) => f.startsWith("node_modules/") || f.startsWith(".git/")), "no dependencies, no VCS");

    // Every task that runs code runs through tsflyte-fast-execute with the placeholders flytectl fills at
    // registration; plugin tasks have no container.
    for (const m of pbs.filter((x) => x.name.endsWith("_1.pb"))) {
      const tt = fromBinary(TaskSpecSchema, m.data).template!;
      if (tt.target.case === undefined) {
        assert.equal(tt.type, "sensor", `${m.name}: only the plugin task example has no container`);
        continue;
      }
      if (tt.type === "raw-container") {
        // A raw container runs its own command in its own image: no bundle to fetch, nothing of ours to run.
        assert.ok(
          tt.target.case === "container" && !tt.target.value.args.includes("tsflyte-fast-execute"),
          `${m.name}: a raw container's command is its own`,
        );
        continue;
      }
      const args =
        tt.target.case === "container"
          ? tt.target.value.args
          : tt.target.case === "k8sPod"
            ? ((tt.target.value.podSpec as { containers?: { args?: string[] }[] } | undefined)?.containers?.[0]?.args ??
              [])
            : [];
      assert.deepEqual(
        args.slice(0, 6),
        [
          "tsflyte-fast-execute",
          "--additional-distribution",
          "{{ .remote_package_path }}",
          "--dest-dir",
          "{{ .dest_dir }}",
          "--",
        ],
        m.name,
      );
      assert.match(args[6] ?? "", /^tsflyte-(map-)?execute$/, m.name);
    }

    // flytectl compile takes the .pb files only: compile the package without its bundle.
    const withoutBundle = join(scratch, "fast-without-bundle.tgz");
    writeTarGz(withoutBundle, pbs);
    assertAllCompile(await runCompiler(withoutBundle, { strict: true }), pbs.length);
  });
});

function tsflytePackageAt(name: string): string {
  const out = join(scratch, name);
  tsflytePackage(out);
  return out;
}
