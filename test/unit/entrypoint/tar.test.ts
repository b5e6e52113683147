// The tar reader and extractor of fast registration, and tsflyte-fast-execute run in-process.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { main as fastExecute } from "../../../src/entrypoint/fast-execute.js";
import { extractTar, readTar } from "../../../src/entrypoint/tar.js";
import { filesUnder, quiet, tmp } from "./helpers.js";

/** A tar member header (ustar), for archives `tar` would refuse to write. */
function header(name: string, type: string, size: number, linkName = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write(linkName, 157, 100);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

function archive(members: { name: string; type?: string; data?: string; link?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? "");
    parts.push(header(m.name, m.type ?? "0", data.length, m.link));
    parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

describe("tar", () => {
  it("extracts what GNU tar writes: nested dirs, modes, symlinks, pax long names", async () => {
    const src = tmp();
    const long = `${"d".repeat(80)}/${"f".repeat(120)}.txt`;
    mkdirSync(join(src, "pkg", "sub"), { recursive: true });
    mkdirSync(join(src, "d".repeat(80)));
    writeFileSync(join(src, "pkg", "sub", "a.js"), "export const a = 1;\n");
    writeFileSync(join(src, "pkg", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(src, long), "long");
    symlinkSync("sub/a.js", join(src, "pkg", "link.js"));
    for (const format of ["gnu", "posix"]) {
      const tarFile = join(tmp(), "b.tar");
      execFileSync("tar", ["--format", format, "-cf", tarFile, "-C", src, "."]);
      const dest = tmp();
      await extractTar(readFileSync(tarFile), dest);
      assert.equal(readFileSync(join(dest, "pkg", "sub", "a.js"), "utf8"), "export const a = 1;\n", format);
      assert.equal(readFileSync(join(dest, long), "utf8"), "long", format);
      assert.equal(statSync(join(dest, "pkg", "run.sh")).mode & 0o111, 0o111, format);
      assert.ok(lstatSync(join(dest, "pkg", "link.js")).isSymbolicLink());
      assert.equal(readlinkSync(join(dest, "pkg", "link.js")), "sub/a.js");
    }
  });

  it("reads members in order and checks header checksums", () => {
    const a = archive([
      { name: "x", data: "1" },
      { name: "dir/", type: "5" },
    ]);
    assert.deepEqual(
      [...readTar(a)].map((e) => [e.name, e.type]),
      [
        ["x", "file"],
        ["dir/", "directory"],
      ],
    );
    a[0] = 0x79; // change the name without fixing the checksum
    assert.throws(() => [...readTar(a)], /bad header checksum/);
    assert.throws(() => [...readTar(archive([{ name: "x", data: "12345" }]).subarray(0, 514))], /truncated/);
  });

  it("refuses members that would land outside the destination", async () => {
    const bad: [string, Parameters<typeof archive>[0]][] = [
      ["dot-dot", [{ name: "../evil.txt", data: "x" }]],
      ["nested dot-dot", [{ name: "a/../../evil.txt", data: "x" }]],
      ["absolute", [{ name: "/tmp/evil.txt", data: "x" }]],
      ["symlink out", [{ name: "out", type: "2", link: "../../" }]],
      ["absolute symlink", [{ name: "etc", type: "2", link: "/etc" }]],
      ["hard link out", [{ name: "h", type: "1", link: "../secret" }]],
    ];
    for (const [what, members] of bad) {
      const parent = tmp();
      const dest = join(parent, "dest");
      await assert.rejects(extractTar(archive(members), dest), /refusing tar member/, what);
      assert.deepEqual(filesUnder(parent), [], `${what}: nothing written`);
    }
  });

  it("refuses writing through a symlink that was planted to point elsewhere", async () => {
    const parent = tmp();
    const dest = join(parent, "dest");
    mkdirSync(join(parent, "elsewhere"));
    mkdirSync(dest);
    symlinkSync(join(parent, "elsewhere"), join(dest, "planted"));
    await assert.rejects(extractTar(archive([{ name: "planted/x.txt", data: "x" }]), dest), /resolves outside/);
    assert.equal(existsSync(join(parent, "elsewhere", "x.txt")), false);
  });
});

describe("tar: links that climb out through other links", () => {
  /** `base/outside/secret.txt` beside the destination `base/x/dest`; `dest/../..` is `base`. */
  function layout() {
    const base = tmp();
    mkdirSync(join(base, "outside"));
    writeFileSync(join(base, "outside", "secret.txt"), "SECRET");
    return { base, dest: join(base, "x", "dest") };
  }
  // a/b -> .. is the destination itself; a/b/c -> ../.. reads as <dest> where it is written, but the link really
  // lands in <dest>, so it leads two levels above it.
  const chain = [
    { name: "a/", type: "5" },
    { name: "a/b", type: "2", link: ".." },
    { name: "a/b/c", type: "2", link: "../.." },
  ];

  it("a symlink chain plus a hard link cannot read a file outside", async () => {
    const { base, dest } = layout();
    await assert.rejects(
      extractTar(archive([...chain, { name: "h", type: "1", link: "c/outside/secret.txt" }]), dest),
      /refusing tar member "a\/b\/c"/,
    );
    assert.ok(!existsSync(join(dest, "h")));
    assert.ok(!existsSync(join(dest, "c")));
    assert.deepEqual(filesUnder(join(base, "outside")), ["secret.txt"]);
  });

  it("a hard link through a link planted in the destination cannot read a file outside", async () => {
    const { base, dest } = layout();
    mkdirSync(dest, { recursive: true });
    symlinkSync(join(base, "outside"), join(dest, "planted"));
    await assert.rejects(
      extractTar(archive([{ name: "h", type: "1", link: "planted/secret.txt" }]), dest),
      /hard link target planted\/secret.txt is outside/,
    );
    assert.ok(!existsSync(join(dest, "h")));
  });

  it("a hard link to a link is refused (only files of the archive)", async () => {
    const { dest } = layout();
    await assert.rejects(
      extractTar(
        archive([
          { name: "d/", type: "5" },
          { name: "l", type: "2", link: "d" },
          { name: "h", type: "1", link: "l" },
        ]),
        dest,
      ),
      /is not a file/,
    );
  });

  it("no directory is created outside through a link chain", async () => {
    const { base, dest } = layout();
    await assert.rejects(extractTar(archive([...chain, { name: "c/newdir/f", data: "x" }]), dest), /refusing/);
    assert.ok(!existsSync(join(base, "newdir")));
  });

  it("a link that later members turn into a way out is removed and refused", async () => {
    const { base, dest } = layout();
    // s -> d/x/../.. is <dest> while d does not exist; once d -> . it is <dest>/.., outside.
    await assert.rejects(
      extractTar(
        archive([
          { name: "s", type: "2", link: "d/x/../.." },
          { name: "d", type: "2", link: "." },
        ]),
        dest,
      ),
      /refusing tar member "s"/,
    );
    assert.ok(!existsSync(join(dest, "s")));
    assert.ok(existsSync(join(base, "outside", "secret.txt")));
  });

  it("links that stay inside still work, chains included", async () => {
    const { dest } = layout();
    await extractTar(
      archive([
        { name: "pkg/", type: "5" },
        { name: "pkg/a.js", data: "A" },
        { name: "up", type: "2", link: "pkg" },
        { name: "pkg/self", type: "2", link: "../up/a.js" },
        { name: "copy.js", type: "1", link: "pkg/a.js" },
        { name: "via/", type: "5" },
        { name: "via/h.js", type: "1", link: "up/a.js" },
      ]),
      dest,
    );
    assert.equal(readFileSync(join(dest, "pkg", "self"), "utf8"), "A");
    assert.equal(readFileSync(join(dest, "copy.js"), "utf8"), "A");
    assert.equal(readFileSync(join(dest, "via", "h.js"), "utf8"), "A");
  });
});

describe("tsflyte-fast-execute", () => {
  function bundle(): string {
    const src = tmp();
    mkdirSync(join(src, "app"));
    writeFileSync(join(src, "app", "hello.txt"), "from the bundle");
    const file = join(tmp(), "fast0123.tar.gz");
    writeFileSync(file, gzipSync(execFileSync("tar", ["-cf", "-", "-C", src, "."])));
    return file;
  }

  it("unpacks the bundle and runs the command in it with FLYTE_PROJECT_ROOT set, returning its status", async () => {
    const dest = join(tmp(), "dest");
    const script = `const fs=require("fs");fs.writeFileSync("seen.txt",fs.readFileSync("app/hello.txt","utf8")+"|"+process.env.FLYTE_PROJECT_ROOT);process.exit(3)`;
    const code = await fastExecute([
      "--additional-distribution",
      bundle(),
      "--dest-dir",
      dest,
      "--",
      process.execPath,
      "-e",
      script,
    ]);
    assert.equal(code, 3);
    assert.equal(readFileSync(join(dest, "seen.txt"), "utf8"), `from the bundle|${dest}`);
  });

  it("fails with status 1 when the bundle is missing or not a .tar.gz, and 2 on a bad command line", async () => {
    const dest = tmp();
    assert.equal(
      await quiet(() => fastExecute(["--additional-distribution", join(dest, "none.tar.gz"), "--", "true"])),
      1,
    );
    assert.equal(
      await quiet(() => fastExecute(["--additional-distribution", join(dest, "code.zip"), "--", "true"])),
      1,
    );
    assert.equal(await quiet(() => fastExecute(["--dest-dir", dest])), 2);
  });
});
