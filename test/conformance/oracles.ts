// Helpers for tests that hold flytekit-ts to Flyte's own tools ("oracles"), installed by scripts/setup-oracles.sh:
// - the Go compiler harness .tools/bin/flyte-compiler (flytepropeller's compiler, see tools/flyte-compiler)
// - the Python venv .venv with the pinned flytekit (see tools/flytekit-oracle/requirements.txt)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Reference files kept beside the repository on some machines (../shared/conformance), made by an older flytekit.
 * Tests use them as an extra check only where present: see {@link sharedConformanceFile}.
 */
export const sharedConformanceDir = join(repoRoot, "..", "shared", "conformance");

/** A file or directory under {@link sharedConformanceDir}, or `undefined` when it is not there. */
export function sharedConformanceFile(name: string): string | undefined {
  const file = join(sharedConformanceDir, name);
  return existsSync(file) ? file : undefined;
}

/** Path of the compiler harness binary (it may not exist: see {@link oracleSkip}). */
export function compilerPath(): string {
  return join(repoRoot, ".tools", "bin", "flyte-compiler");
}

/** Path of the venv interpreter that has the pinned flytekit (it may not exist: see {@link oracleSkip}). */
export function pythonPath(): string {
  return join(repoRoot, ".venv", "bin", "python");
}

/** True when FLYTEKIT_TS_REQUIRE_ORACLES is set: a missing oracle is then a test failure, not a skip. */
export function oraclesRequired(): boolean {
  const v = process.env.FLYTEKIT_TS_REQUIRE_ORACLES;
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/**
 * Value for node:test's `skip` option. A skip message when the oracle is not installed and oracles are not required;
 * otherwise false, so the test runs (and fails with a clear message if the oracle is missing).
 */
export function oracleSkip(oracle: "compiler" | "python"): string | false {
  const file = oracle === "compiler" ? compilerPath() : pythonPath();
  if (existsSync(file) || oraclesRequired()) return false;
  const what = oracle === "compiler" ? "Go compiler harness" : "flytekit venv";
  return `${what} not installed (${relative(repoRoot, file)}); run scripts/setup-oracles.sh, or set FLYTEKIT_TS_REQUIRE_ORACLES=1 to make this a failure`;
}

function assertInstalled(file: string): void {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run scripts/setup-oracles.sh first`);
  }
}

/** One JSON line printed by flyte-compiler. */
export interface CompilerResult {
  entity: string;
  kind: "task" | "workflow" | "launch_plan" | "dynamic_job" | "unknown";
  file?: string;
  ok: boolean;
  errors: string[];
  /** compiler error codes (e.g. "MismatchingTypes"), when the errors come from the compiler */
  codes?: string[];
  /** references that are not in the input (so the input is not self-contained) */
  missing?: string[];
  /** e.g. unknown protobuf fields */
  warnings?: string[];
  /** which k8s transform ran after compiling: "flyteworkflow" (full resource) or "closure" */
  crd?: string;
}

export interface CompilerOptions {
  /** files to decode as core.DynamicJobSpec whatever their names */
  dynamic?: string[];
  /** TaskSpec/TaskTemplate of the dynamic task; its outputs type the dynamic workflow */
  dynamicInterface?: string;
  /** skip the k8s transform */
  noCrd?: boolean;
  /** fill empty project/domain/version in identifiers */
  hydrate?: boolean;
  /** warnings (unknown fields) fail the entity */
  strict?: boolean;
  extraArgs?: string[];
  timeoutMs?: number;
}

export interface CompilerRun {
  exitCode: number;
  results: CompilerResult[];
  stdout: string;
  stderr: string;
}

interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runProcess(
  file: string,
  args: string[],
  options: number | { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  const { timeoutMs = 120_000, cwd, env } = typeof options === "number" ? { timeoutMs: options } : options;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, cwd, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === null) {
        reject(new Error(`${basename(file)} killed by ${signal}\n${stderr}`));
        return;
      }
      resolve({ exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

/**
 * Runs the compiler harness on a package (.tgz/.tar.gz/.tar), a directory of .pb files, single files, or a list of
 * those. Resolves with the parsed JSON lines and the exit code (0 all OK, 1 something failed, 2 usage/I-O error).
 */
export async function runCompiler(pathOrPaths: string | string[], opts: CompilerOptions = {}): Promise<CompilerRun> {
  const bin = compilerPath();
  assertInstalled(bin);
  const args: string[] = [];
  for (const d of opts.dynamic ?? []) args.push("--dynamic", d);
  if (opts.dynamicInterface) args.push("--dynamic-interface", opts.dynamicInterface);
  if (opts.noCrd) args.push("--no-crd");
  if (opts.hydrate) args.push("--hydrate");
  if (opts.strict) args.push("--strict");
  args.push(...(opts.extraArgs ?? []));
  args.push(...(Array.isArray(pathOrPaths) ? pathOrPaths : [pathOrPaths]));
  const { exitCode, stdout, stderr } = await runProcess(bin, args, opts.timeoutMs);
  const results = stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as CompilerResult);
  return { exitCode, results, stdout, stderr };
}

/** Runs a script with the venv's Python (flytekit installed). */
export async function runPython(script: string, args: string[] = [], timeoutMs = 120_000): Promise<ProcessResult> {
  const py = pythonPath();
  assertInstalled(py);
  return runProcess(py, [script, ...args], timeoutMs);
}

/** The flytekit version installed in the venv, from its dist-info directory (no interpreter start). */
export function installedFlytekit(): string {
  const lib = join(repoRoot, ".venv", "lib");
  for (const py of existsSync(lib) ? readdirSync(lib).sort() : []) {
    const site = join(lib, py, "site-packages");
    if (!existsSync(site)) continue;
    const info = readdirSync(site).find((d) => /^flytekit-[^-]+\.dist-info$/.test(d));
    if (info) return info.slice("flytekit-".length, -".dist-info".length);
  }
  throw new Error(`flytekit is not installed in ${join(repoRoot, ".venv")}: run scripts/setup-oracles.sh first`);
}

function sourceFiles(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .filter((d) => d.name !== "__pycache__")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => (d.isDirectory() ? sourceFiles(dir, join(rel, d.name)) : [join(rel, d.name)]));
}

/**
 * The registration files `pyflyte package` writes for the Python package `pkg` under `sourceDir`, with the venv's
 * flytekit: a directory of `<index>_<name>_<kind>.pb`. Made once and cached under `.cache/pyflyte/`, keyed by a hash
 * of the sources and the flytekit version, so a changed twin or another flytekit makes them again. Concurrent test
 * files may make the same entry: each writes a private directory and renames it into place.
 */
export async function pyflytePackage(sourceDir: string, pkg: string, image: string): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`flytekit ${installedFlytekit()}\0pkg ${pkg}\0image ${image}\0`);
  for (const f of sourceFiles(sourceDir)) {
    hash.update(`${f}\0`);
    hash.update(readFileSync(join(sourceDir, f)));
    hash.update("\0");
  }
  const cacheRoot = join(repoRoot, ".cache", "pyflyte");
  const dir = join(cacheRoot, `${pkg}-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(join(dir, ".complete"))) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  const scratch = mkdtempSync(join(cacheRoot, `.${pkg}-`));
  try {
    const out = join(scratch, "package.tgz");
    const pyflyte = join(repoRoot, ".venv", "bin", "pyflyte");
    assertInstalled(pyflyte);
    const run = await runProcess(pyflyte, ["--pkgs", pkg, "package", "--image", image, "--output", out, "--force"], {
      cwd: sourceDir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (run.exitCode !== 0)
      throw new Error(`pyflyte package failed (exit ${run.exitCode}):\n${run.stdout}${run.stderr}`);
    const files = join(scratch, "files");
    mkdirSync(files);
    for (const e of readTarGz(out)) writeFileSync(join(files, basename(e.name)), e.data);
    writeFileSync(join(files, ".complete"), `${installedFlytekit()}\n`);
    try {
      renameSync(files, dir);
    } catch (e) {
      // Another test file made it first: theirs is as good as ours.
      if (!existsSync(join(dir, ".complete"))) throw e;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

// ---- minimal tar.gz reading/writing, enough for registration packages (flat or nested regular files) ----

export interface ArchiveEntry {
  name: string;
  data: Uint8Array;
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString("utf8");
}

function paxPath(data: Uint8Array): string | undefined {
  // records: "<len> <key>=<value>\n"
  const text = Buffer.from(data).toString("utf8");
  for (const record of text.split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(record);
    if (m) return m[1];
  }
  return undefined;
}

/** Regular files of a .tar or .tar.gz/.tgz, in archive order (ustar, with pax and GNU long names). */
export function readTarGz(file: string): ArchiveEntry[] {
  let buf: Uint8Array = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const entries: ArchiveEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(cString(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const data = buf.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x" || type === "L") {
      longName = type === "x" ? paxPath(data) : cString(data, 0, data.length);
      continue;
    }
    let name = cString(header, 0, 100);
    const prefix = cString(header, 257, 6) === "ustar" ? cString(header, 345, 155) : "";
    if (prefix) name = `${prefix}/${name}`;
    if (longName !== undefined) name = longName;
    longName = undefined;
    if (type === "0" || type === "\0") {
      entries.push({ name: name.replace(/^\/+/, ""), data: Uint8Array.from(data) });
    }
  }
  return entries;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** Writes a gzipped ustar archive of regular files (names up to 100 bytes, like `pyflyte package` output). */
export function writeTarGz(file: string, entries: ArchiveEntry[]): void {
  const blocks: Uint8Array[] = [];
  const mtime = Math.floor(Date.UTC(2024, 0, 1) / 1000);
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    if (nameBytes.length > 100) throw new Error(`tar entry name too long: ${name}`);
    const header = Buffer.alloc(512);
    nameBytes.copy(header, 0);
    header.write(octal(0o644, 8), 100, "ascii");
    header.write(octal(0, 8), 108, "ascii");
    header.write(octal(0, 8), 116, "ascii");
    header.write(octal(data.length, 12), 124, "ascii");
    header.write(octal(mtime, 12), 136, "ascii");
    header.write("        ", 148, "ascii");
    header.write("0", 156, "ascii");
    header.write("ustar\0", 257, "ascii");
    header.write("00", 263, "ascii");
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    blocks.push(header, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}
