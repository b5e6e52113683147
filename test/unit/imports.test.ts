/**
 * The source tree's imports, read with TypeScript's own pre-processor (type-only imports, re-exports and `import()`
 * types included): no file reaches itself through its imports, and imports between rooms point down the layers of
 * docs/architecture.md (cli, entrypoint, remote -> serialize, ui -> core -> types -> storage, deck -> idl, errors).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

/** The layer of each room: a file may import its own room and rooms of lower layers only. */
const LAYER: Record<string, number> = {
  idl: 0,
  "errors.ts": 0,
  storage: 1,
  deck: 1,
  types: 2,
  core: 3,
  serialize: 4,
  ui: 4,
  cli: 5,
  entrypoint: 5,
  remote: 5,
  testing: 5,
  "index.ts": 6,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return p === join(SRC, "idl", "gen") ? [] : sources(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The graph of relative imports between the sources (generated IDL bindings left out: they only import each other). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith("."))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")))
      .filter((t) => existsSync(t) && !t.startsWith(join(SRC, "idl", "gen") + sep));
    graph.set(rel(file), [...new Set(targets.map(rel))]);
  }
  return graph;
}

const rel = (p: string) => relative(SRC, p).split(sep).join("/");
const room = (file: string) => file.split("/")[0]!;

/** Strongly connected components of more than one file, or of a file importing itself (Tarjan's algorithm). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("imports", () => {
  const graph = importGraph();

  test("the graph is read (sanity: core files import each other)", () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok(graph.get("core/entity.ts")?.includes("core/context.ts"));
  });

  test("no import cycles, type-only imports included", () => {
    assert.deepEqual(cycles(graph), []);
  });

  test("rooms import only their own room and the rooms below", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = LAYER[room(file)];
      assert.ok(from !== undefined, `${file} is in no room of docs/architecture.md`);
      for (const t of targets)
        if ((LAYER[room(t)] ?? 0) > from && room(t) !== room(file)) upward.push(`${file} -> ${t}`);
    }
    assert.deepEqual(upward, []);
  });
});
