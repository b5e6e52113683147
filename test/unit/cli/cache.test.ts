/**
 * `tsflyte cache list|clear` in-process, over a real cache directory filled by cached tasks.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { formatSize } from "../../../src/cli/cache.js";
import { main } from "../../../src/cli/main.js";
import { LocalCache } from "../../../src/core/cache.js";
import { t, task } from "../../../src/index.js";

let dir: string;
const saved = process.env.FLYTE_LOCAL_CACHE_DIR;

async function cli(argv: string[], confirm?: (q: string) => Promise<boolean>) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    ...(confirm && { confirm }),
  });
  return { code, out, err };
}

const double = task(
  { name: "unit.double", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } },
  ({ x }) => x * 2,
);
const shout = task(
  { name: "unit.shout", inputs: { s: t.str }, outputs: t.str, cache: { version: "2024-01" } },
  ({ s }) => s.toUpperCase(),
);

beforeEach(async () => {
  dir = join(mkdtempSync(join(tmpdir(), "cli-cache-")), "cache");
  process.env.FLYTE_LOCAL_CACHE_DIR = dir;
  await double({ x: 1 });
  await double({ x: 2 });
  await shout({ s: "hi" });
});

afterEach(() => {
  if (saved === undefined) delete process.env.FLYTE_LOCAL_CACHE_DIR;
  else process.env.FLYTE_LOCAL_CACHE_DIR = saved;
});

describe("tsflyte cache list", () => {
  test("a table of entries: task, version, size, created, last used; a count on stderr", async () => {
    const r = await cli(["cache", "list"]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split("\n");
    assert.match(lines[0]!, /^TASK\s+VERSION\s+SIZE\s+CREATED\s+LAST USED$/);
    assert.equal(lines.length, 4);
    assert.equal(lines.filter((l) => /^unit\.double\s+1\s+\d+ B\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/.test(l)).length, 2);
    assert.equal(lines.filter((l) => /^unit\.shout\s+2024-01\s/.test(l)).length, 1);
    assert.match(r.err, new RegExp(`^3 entries, \\d+ B, in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`));
  });

  test("--task and --json", async () => {
    const r = await cli(["cache", "list", "--task", "unit.shout", "--json"]);
    assert.equal(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.task, "unit.shout");
    assert.equal(rows[0]!.version, "2024-01");
    assert.match(String(rows[0]!.key), /^unit\.shout-2024-01-[0-9a-f]{32}$/);
    assert.equal(typeof rows[0]!.size, "number");
    assert.ok(!Number.isNaN(Date.parse(String(rows[0]!.created))));
    assert.ok(!Number.isNaN(Date.parse(String(rows[0]!.lastUsed))));
    assert.equal(r.err, "");
    assert.deepEqual(JSON.parse((await cli(["cache", "list", "--task", "nope", "--json"])).out), []);
  });

  test("an empty or missing cache lists nothing", async () => {
    process.env.FLYTE_LOCAL_CACHE_DIR = join(dir, "missing");
    const r = await cli(["cache", "list"]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "");
    assert.match(r.err, /^0 entries, 0 B, in /);
  });

  test("a damaged file is listed as such", async () => {
    const [first] = new LocalCache(dir).list();
    writeFileSync(first!.path, "junk");
    const r = await cli(["cache", "list"]);
    assert.match(r.out, /^\(not a cache entry\)\s+-\s+4 B\s/m);
  });
});

describe("tsflyte cache clear", () => {
  test("without --yes and no terminal it refuses, naming the count, and removes nothing", async () => {
    const r = await cli(["cache", "clear"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /not removing 3 entries \(\d+ B\) from .* without --yes: standard input is not a terminal/);
    assert.match(r.err, /tsflyte cache clear --yes/);
    assert.equal(new LocalCache(dir).list().length, 3);
  });

  test("asks on a terminal: no keeps everything, yes removes", async () => {
    const asked: string[] = [];
    const no = await cli(["cache", "clear", "--task", "unit.double"], async (q) => {
      asked.push(q);
      return false;
    });
    assert.equal(no.code, 1);
    assert.match(no.err, /nothing removed/);
    assert.match(asked[0]!, /^Remove 2 entries \(\d+ B\) from .*\?$/);
    assert.equal(new LocalCache(dir).list().length, 3);
    const yes = await cli(["cache", "clear", "--task", "unit.double"], async () => true);
    assert.equal(yes.code, 0, yes.err);
    assert.match(yes.err, /^removed 2 entries/);
    assert.deepEqual(
      new LocalCache(dir).list().map((e) => e.task),
      ["unit.shout"],
    );
  });

  test("--older-than selects by last use; a hit makes an entry young again", async () => {
    const cache = new LocalCache(dir);
    const old = new Date(Date.now() - 3 * 86_400_000);
    for (const e of cache.list()) utimesSync(e.path, old, old);
    await double({ x: 1 }); // a hit: used now
    const r = await cli(["cache", "clear", "--older-than", "2d", "--yes"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /removed 2 entries/);
    const left = cache.list();
    assert.equal(left.length, 1);
    assert.equal(left[0]!.task, "unit.double");
    assert.match((await cli(["cache", "clear", "--older-than", "1h", "-y"])).err, /nothing to remove/);
  });

  test("clearing everything leaves the directory and files that are not entries", async () => {
    writeFileSync(join(dir, "README"), "not mine");
    const r = await cli(["cache", "clear", "--yes"]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(dir), ["README"]);
  });

  test("bad arguments name the value", async () => {
    const bad = await cli(["cache", "clear", "--older-than", "soon", "--yes"]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--older-than: not a duration: "soon"/);
    assert.match((await cli(["cache", "clear", "--older-than=-1h", "--yes"])).err, /must not be negative, got -1h/);
    assert.match((await cli(["cache", "purge"])).err, /unknown cache command "purge"; the commands are list, clear/);
    assert.match((await cli(["cache", "list", "--bogus"])).err, /Unknown option '--bogus'/);
    assert.match((await cli(["cache", "list", "--task", ""])).err, /--task needs a task name/);
    assert.equal((await cli(["cache", "--help"])).code, 0);
  });
});

test("formatSize", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(1023), "1023 B");
  assert.equal(formatSize(1536), "1.5 KiB");
  assert.equal(formatSize(50 * 1024 * 1024), "50 MiB");
});
