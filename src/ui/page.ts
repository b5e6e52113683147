/**
 * The page `tsflyte ui` serves: a shell, a stylesheet and a script, self-contained (nothing from a network). The
 * script reads the JSON API and builds the page with DOM calls only (`textContent`, `setAttribute`), never by
 * parsing HTML, so nothing a run holds (names, values, errors, logs) can become markup. Decks, which are HTML, load
 * in iframes sandboxed without same-origin access.
 */

/** The HTML shell. */
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flytekit-ts runs</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head><body>
<header><a href="#/" id="home">flytekit-ts runs</a><span id="where"></span></header>
<main id="app"><p class="muted">Loading…</p></main>
<script src="/app.js"></script>
</body></html>
`;

/** The stylesheet. */
export const APP_CSS = `
:root{--bg:#fafafa;--fg:#1d2126;--muted:#6b7280;--line:#d9dce1;--ok:#1f9d55;--fail:#d64545;--run:#2b7bd6;--cache:#7b5bd6;--queue:#9aa3ad;--skip:#c2c7ce}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:1em;align-items:baseline;padding:.7em 1.2em;background:#1d2126;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:600}
header #where{color:#aab;font-size:12px}
main{padding:1em 1.2em;max-width:1400px}
h1{font-size:18px;margin:.2em 0 .6em}
h2{font-size:15px;margin:1.4em 0 .5em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid var(--line);padding:.35em .6em;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tr.run{cursor:pointer}
tr.run:hover,tr.node:hover{background:#f1f5fb}
tr.node.selected{background:#e6effa}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 .5em;border-radius:9px;font-size:12px;color:#fff;background:var(--queue)}
.badge.succeeded{background:var(--ok)}.badge.failed{background:var(--fail)}.badge.running{background:var(--run)}
.badge.cached{background:var(--cache)}.badge.skipped{background:var(--skip)}.badge.interrupted{background:#b7791f}
.filters{display:flex;gap:.6em;margin-bottom:.8em}
.filters input,.filters select{font:inherit;padding:.25em .4em}
pre{background:#fff;border:1px solid var(--line);padding:.6em;overflow:auto;max-height:24em;margin:0;white-space:pre-wrap;word-break:break-word}
.error{border-color:var(--fail);color:#8a1f1f}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
.graph{background:#fff;border:1px solid var(--line);overflow:auto}
.graph svg text{font:12px system-ui,sans-serif;pointer-events:none}
.graph .n rect{stroke:#0002;stroke-width:1;cursor:pointer}
.graph .n.queued rect{fill:#eef0f2}.graph .n.running rect{fill:#d5e6fb}.graph .n.succeeded rect{fill:#d3f0df}
.graph .n.failed rect{fill:#f9d7d7}.graph .n.cached rect{fill:#e4dcfa}.graph .n.skipped rect{fill:#f3f4f6}
.graph .n.unknown rect{fill:#eef0f2}.graph .n.pseudo rect{fill:#1d2126}.graph .n.pseudo text{fill:#fff}
.graph .n.selected rect{stroke:#1d2126;stroke-width:2}
.graph path{fill:none;stroke:#8b95a1;stroke-width:1.3}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}
iframe.deck{width:100%;height:32em;border:1px solid var(--line);background:#fff}
button{font:inherit;cursor:pointer}
a.out{color:var(--run)}
`;

/** The script. */
export const APP_JS = `"use strict";
(() => {
const app = document.getElementById("app");
let timer;
const PHASES = ["succeeded", "cached", "running", "queued", "failed", "skipped"];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}
function duration(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1000) return Math.round(ms) + "ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
  return Math.floor(ms / 60000) + "m" + String(Math.round((ms % 60000) / 1000)).padStart(2, "0") + "s";
}
function when(ms) { return new Date(ms).toLocaleString(); }
function badge(phase) { return el("span", { class: "badge " + phase, "data-phase": phase }, phase); }
function json(v) { return JSON.stringify(v, null, 2); }
function safeUrl(u) {
  try { const x = new URL(u); return x.protocol === "http:" || x.protocol === "https:" ? x.href : undefined; }
  catch { return undefined; }
}
async function get(path) {
  const r = await fetch(path, { headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()));
  return r.json();
}
function show(...nodes) { app.replaceChildren(...nodes); }
function fail(e) { show(el("p", { class: "error" }, String(e && e.message || e))); }

async function listPage(params) {
  const status = params.get("status") || "";
  const q = params.get("q") || "";
  const runs = await get("/api/runs");
  const select = el("select", { id: "status", "aria-label": "status" }, el("option", { value: "" }, "any status"),
    ...["running", "succeeded", "failed", "interrupted"].map((s) => el("option", { value: s }, s)));
  select.value = status;
  const input = el("input", { id: "q", type: "search", placeholder: "filter by name", value: q, "aria-label": "name" });
  const update = () => {
    const p = new URLSearchParams();
    if (select.value) p.set("status", select.value);
    if (input.value) p.set("q", input.value);
    history.replaceState(null, "", "#/?" + p);
    render(p);
  };
  select.addEventListener("change", update);
  input.addEventListener("input", update);
  const body = el("tbody");
  const render = (p) => {
    const s = p.get("status") || "", needle = (p.get("q") || "").toLowerCase();
    const shown = runs.filter((r) => (!s || r.status === s) &&
      (!needle || r.entity.name.toLowerCase().includes(needle) || (r.file || "").toLowerCase().includes(needle)));
    body.replaceChildren(...shown.map((r) => {
      const counts = PHASES.filter((p) => r.counts[p]).map((p) => r.counts[p] + " " + p).join(", ");
      const url = r.consoleUrl && safeUrl(r.consoleUrl);
      return el("tr", { class: "run", "data-run-id": r.id, on: { click: (ev) => { if (ev.target.tagName !== "A") location.hash = "#/runs/" + r.id; } } },
        el("td", {}, badge(r.status)),
        el("td", {}, el("a", { href: "#/runs/" + r.id, class: "name" }, r.entity.name), el("div", { class: "muted" }, r.file || "")),
        el("td", {}, r.where === "remote" && url ? el("a", { class: "out", href: url, target: "_blank", rel: "noopener noreferrer" }, "remote ↗") : r.where),
        el("td", {}, when(r.startedAt)),
        el("td", {}, duration(r.durationMs)),
        el("td", {}, counts),
        el("td", { class: "muted" }, r.error || ""));
    }));
    if (shown.length === 0) body.append(el("tr", {}, el("td", { colspan: 7, class: "muted" }, runs.length ? "No run matches." : "No runs recorded yet: run a workflow with tsflyte run.")));
  };
  render(new URLSearchParams(params));
  show(el("h1", {}, "Runs"), el("div", { class: "filters" }, select, input),
    el("table", { id: "runs" }, el("thead", {}, el("tr", {}, ...["status", "name", "where", "started", "duration", "nodes", "error"].map((h) => el("th", {}, h)))), body));
}

function graphView(run, layout, nodesById, select) {
  const W = 170, H = 46, GX = 56, GY = 22, PAD = 16;
  const x = (id) => PAD + layout.positions[id].layer * (W + GX);
  const y = (id) => PAD + layout.positions[id].row * (H + GY);
  const width = PAD * 2 + layout.layers * (W + GX) - GX, height = PAD * 2 + layout.rows * (H + GY) - GY;
  const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "graph" });
  root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0 0L10 5L0 10z", fill: "#8b95a1" }))));
  for (const [a, b] of run.graph.edges) {
    if (!layout.positions[a] || !layout.positions[b]) continue;
    const x1 = x(a) + W, y1 = y(a) + H / 2, x2 = x(b), y2 = y(b) + H / 2, mx = (x1 + x2) / 2;
    root.append(svg("path", { d: "M" + x1 + " " + y1 + "C" + mx + " " + y1 + " " + mx + " " + y2 + " " + x2 + " " + y2, "marker-end": "url(#arrow)", "data-edge": a + "->" + b }));
  }
  for (const g of run.graph.nodes) {
    const rec = nodesById.get(g.id);
    const pseudo = g.kind === "start" || g.kind === "end";
    const phase = pseudo ? "pseudo" : rec ? rec.phase : run.where === "remote" ? "unknown" : run.status === "running" ? "queued" : "unknown";
    const label = g.name.length > 24 ? "…" + g.name.slice(-23) : g.name;
    const sub = pseudo ? "" : g.id + (rec ? " · " + rec.phase + (rec.durationMs !== undefined ? " · " + duration(rec.durationMs) : "") + (rec.cacheHit ? " · cache" : "") : "");
    const group = svg("g", { class: "n " + phase, "data-node-id": g.id, "data-phase": rec ? rec.phase : phase, transform: "translate(" + x(g.id) + " " + y(g.id) + ")" },
      svg("title", {}, g.name + (rec && rec.error ? "\\n" + rec.error.message : "")),
      svg("rect", { width: W, height: H, rx: 7 }),
      svg("text", { x: 9, y: pseudo ? 28 : 19 }, label));
    if (sub) group.append(svg("text", { x: 9, y: 36, fill: "#4b5563" }, sub));
    if (!pseudo) group.addEventListener("click", () => select(g.id));
    root.append(group);
  }
  return el("div", { class: "graph" }, root);
}

async function runPage(id) {
  const data = await get("/api/runs/" + encodeURIComponent(id));
  const run = data.run;
  const byPath = new Map(run.nodes.map((n) => [n.path, n]));
  const top = new Map(run.nodes.filter((n) => n.parent === undefined).map((n) => [n.nodeId, n]));
  const detail = el("div", { id: "node-detail" });
  const rows = new Map();
  const select = (path) => {
    const n = byPath.get(path);
    for (const [p, r] of rows) r.classList.toggle("selected", p === path);
    for (const g of document.querySelectorAll(".graph .n")) g.classList.toggle("selected", g.getAttribute("data-node-id") === path);
    if (!n) { detail.replaceChildren(el("p", { class: "muted" }, "This node has not run.")); return; }
    const parts = [el("h2", {}, "Node " + n.path + " · " + n.name)];
    if (n.error) parts.push(el("pre", { class: "error", id: "node-error" }, n.error.kind + ": " + n.error.message));
    parts.push(el("div", { class: "cols" },
      el("div", {}, el("h2", {}, "Inputs"), el("pre", { id: "node-inputs" }, n.inputs ? json(n.inputs) : "(not recorded)")),
      el("div", {}, el("h2", {}, "Outputs"), el("pre", { id: "node-outputs" }, n.outputs ? json(n.outputs) : "(none)"))));
    const logs = data.logs.filter((l) => l.node === n.path);
    if (logs.length) parts.push(el("h2", {}, "Logs"), el("pre", {}, logs.map((l) => l.line).join("\\n")));
    if (n.deck !== undefined) {
      const src = "/runs/" + encodeURIComponent(run.id) + "/decks/" + n.deck;
      parts.push(el("h2", {}, "Deck ", el("a", { class: "out", href: src, target: "_blank", rel: "noopener" }, "open ↗")),
        el("iframe", { class: "deck", id: "deck", sandbox: "allow-scripts", src, title: "deck of " + n.path }));
    }
    detail.replaceChildren(...parts);
  };
  const table = el("table", { id: "nodes" }, el("thead", {}, el("tr", {}, ...["node", "name", "status", "duration", "attempts", "cache", "deck"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...run.nodes.map((n) => {
      const r = el("tr", { class: "node", "data-node": n.path, on: { click: () => select(n.path) } },
        el("td", {}, n.path), el("td", {}, n.name), el("td", {}, badge(n.phase)), el("td", {}, duration(n.durationMs)),
        el("td", {}, n.attempt + (n.retries ? " of " + (n.retries + 1) : "")), el("td", {}, n.cacheHit ? "hit" : ""),
        el("td", {}, n.deck !== undefined ? el("button", { class: "deck-button", on: { click: (ev) => { ev.stopPropagation(); select(n.path); document.getElementById("deck")?.scrollIntoView(); } } }, "deck") : ""));
      rows.set(n.path, r);
      return r;
    })));
  const meta = el("div", { class: "meta" },
    el("span", { class: "muted" }, "status"), el("span", { id: "run-status" }, badge(run.status)),
    el("span", { class: "muted" }, "entity"), el("span", {}, run.entity.kind + " " + run.entity.name),
    el("span", { class: "muted" }, "file"), el("span", {}, run.file || ""),
    el("span", { class: "muted" }, "started"), el("span", {}, when(run.startedAt)),
    el("span", { class: "muted" }, "duration"), el("span", {}, duration(run.durationMs)),
    el("span", { class: "muted" }, "run id"), el("span", {}, run.id));
  if (run.remote) {
    const url = run.remote.consoleUrl && safeUrl(run.remote.consoleUrl);
    meta.append(el("span", { class: "muted" }, "execution"), el("span", {}, run.remote.project + "/" + run.remote.domain + "/" + run.remote.name + " on " + run.remote.endpoint + " ",
      url ? el("a", { class: "out", id: "console-link", href: url, target: "_blank", rel: "noopener noreferrer" }, "open in the Flyte console ↗") : ""));
  }
  const parts = [el("h1", {}, run.entity.name), meta];
  if (run.error) parts.push(el("h2", {}, "Error"), el("pre", { class: "error", id: "run-error" }, run.error.kind + ": " + run.error.message));
  parts.push(el("h2", {}, "Graph"), graphView(run, data.layout, top, select));
  parts.push(el("div", { class: "cols" },
    el("div", {}, el("h2", {}, "Inputs"), el("pre", { id: "run-inputs" }, json(run.inputs || {}))),
    el("div", {}, el("h2", {}, "Outputs"), el("pre", { id: "run-outputs" }, run.outputs === undefined ? (run.status === "running" ? "(none yet)" : "(none)") : json(run.outputs)))));
  if (run.nodes.length) parts.push(el("h2", {}, "Nodes"), table, detail);
  const runLogs = data.logs;
  if (runLogs.length) parts.push(el("h2", {}, "Logs"), el("pre", { id: "logs" }, runLogs.map((l) => (l.node ? "[" + l.node + "] " : "") + l.line).join("\\n") + (run.logsDropped ? "\\n… " + run.logsDropped + " more records not kept" : "")));
  show(...parts);
  if (run.status === "running") timer = setTimeout(() => route(), 1000);
}

function route() {
  clearTimeout(timer);
  const h = location.hash.slice(1) || "/";
  const [path, query] = h.split("?");
  const m = /^\\/runs\\/([^/]+)$/.exec(path);
  (m ? runPage(decodeURIComponent(m[1])) : listPage(new URLSearchParams(query || ""))).catch(fail);
}
window.addEventListener("hashchange", route);
route();
})();
`;
