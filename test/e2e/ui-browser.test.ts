/**
 * `tsflyte ui` in a real headless Chromium (Debian's chromium, driven by playwright-core, which downloads no browser):
 * two runs recorded by `tsflyte run` (one failing on hostile text), the list, a filter, a run's graph with node
 * statuses, a deck in its sandbox, and hostile values shown as text with no dialog ever opening. Screenshots go to
 * test-results/ui/. Without a chromium (FLYTEKIT_TS_CHROMIUM or /usr/bin/chromium) the tests skip and say why.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, cliScratch, ROOT } from "../helpers/cli.js";

const FIXTURE = "test/e2e/fixtures/ui-runs.ts";
const SHOTS = join(ROOT, "test-results", "ui");
const CHROMIUM = process.env.FLYTEKIT_TS_CHROMIUM ?? "/usr/bin/chromium";
const HOSTILE = `<img src=x onerror=alert(1)>"'&</script><script>alert(2)</script>`;
const { scratch, env } = cliScratch("tsflyte-ui-");

function tsflyte(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Why the browser tests cannot run here, or undefined when they can. */
async function missing(): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (scripts/setup-browser.sh installs Debian's chromium)`;
  try {
    await import("playwright-core");
  } catch (e) {
    return `playwright-core cannot be loaded: ${String(e)}`;
  }
  return undefined;
}

let server: ChildProcess | undefined;
let url = "";
let skipReason: string | undefined;
const runIds: Record<string, string> = {};

before(async () => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` before the e2e tests");
  }
  skipReason = await missing();
  if (skipReason) return;
  const ok = await tsflyte("run", "--json", FIXTURE, "pipeline", "--x", "3", "--ms", "10");
  assert.equal(ok.code, 0, ok.stderr);
  runIds.pipeline = (JSON.parse(ok.stdout) as { run: { id: string } }).run.id;
  const bad = await tsflyte("run", "--json", FIXTURE, "hostile", "--s", HOSTILE);
  assert.equal(bad.code, 1);
  runIds.hostile = (JSON.parse(bad.stdout) as { run: { id: string } }).run.id;
  server = spawn(process.execPath, [BIN, "ui", "--port", "0"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server!.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) resolve(m[0]);
    });
    server!.once("exit", (code) => reject(new Error(`tsflyte ui exited with ${code}`)));
  });
  mkdirSync(SHOTS, { recursive: true });
});

after(() => {
  server?.kill("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
});

describe("tsflyte ui in a headless Chromium", () => {
  test("lists the runs, filters them, shows a run's graph, its values as text and its deck in a sandbox", async (t) => {
    if (skipReason) {
      t.skip(skipReason);
      return;
    }
    const { chromium } = await import("playwright-core");
    const profile = mkdtempSync(join(scratch, "profile-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const dialogs: string[] = [];
    const errors: string[] = [];
    const shots: string[] = [];
    const shot = async (name: string) => {
      const path = join(SHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      shots.push(path);
    };
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(url);
      await page.waitForSelector("tr.run");
      const rows = await page.$$eval("tr.run", (trs) =>
        trs.map((tr) => [tr.getAttribute("data-run-id"), tr.querySelector("[data-phase]")?.getAttribute("data-phase")]),
      );
      assert.deepEqual(rows, [
        [runIds.hostile, "failed"],
        [runIds.pipeline, "succeeded"],
      ]);
      await shot("runs");

      await page.selectOption("#status", "failed");
      assert.equal(await page.locator("tr.run").count(), 1);
      await page.selectOption("#status", "");
      await page.fill("#q", "pipeline");
      assert.deepEqual(await page.$$eval("tr.run", (trs) => trs.map((tr) => tr.getAttribute("data-run-id"))), [
        runIds.pipeline,
      ]);
      await page.fill("#q", "");

      await page.click(`tr.run[data-run-id="${runIds.hostile}"] a.name`);
      await page.waitForSelector(".graph .n");
      const phases = await page.$$eval(".graph .n", (gs) =>
        gs.map((g) => [g.getAttribute("data-node-id"), g.getAttribute("data-phase")]),
      );
      assert.deepEqual(phases, [
        ["start", "pseudo"],
        ["n0", "succeeded"],
        ["n1", "failed"],
        ["n2", "skipped"],
        ["end", "pseudo"],
      ]);
      assert.equal(await page.locator(".graph path[data-edge]").count(), 4);
      assert.equal(JSON.parse((await page.textContent("#run-inputs"))!).s, HOSTILE);
      assert.match((await page.textContent("#run-error"))!, /exploded on <img src=x onerror=alert\(1\)>/);
      await page.click('.graph .n[data-node-id="n0"]');
      assert.equal(JSON.parse((await page.textContent("#node-outputs"))!).o0, HOSTILE);
      assert.equal(await page.locator("main img, main script").count(), 0, "no value became markup");
      await shot("run-failed");

      await page.goto(`${url}#/runs/${runIds.pipeline}`);
      await page.waitForSelector('.graph .n[data-node-id="n2"]');
      const done = await page.$$eval(".graph .n", (gs) => gs.map((g) => g.getAttribute("data-phase")));
      assert.deepEqual(done, ["pseudo", "succeeded", "succeeded", "succeeded", "pseudo"]);
      await page.click('tr.node[data-node="n1"] button.deck-button');
      const frameEl = await page.waitForSelector("iframe#deck");
      assert.equal(await frameEl.getAttribute("sandbox"), "allow-scripts");
      const frame = (await frameEl.contentFrame())!;
      await frame.waitForSelector("#deck-title", { state: "attached" });
      assert.equal(await frame.textContent("#deck-title"), "doubled 6");
      // The deck's own script ran in an opaque origin: it cannot read the page.
      assert.equal(await frame.evaluate("self.origin"), "null");
      await page.waitForTimeout(300);
      await shot("run-deck");
      assert.deepEqual(dialogs, [], "no dialog opened (hostile values and deck scripts stay inert)");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      for (const s of shots) t.diagnostic(`screenshot: ${s}`);
      console.log(shots.map((s) => `screenshot: ${s}`).join("\n"));
    }
  });
});
