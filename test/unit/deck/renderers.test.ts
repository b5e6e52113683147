/**
 * The deck renderers: markdown, tables (records and Arrow), source code, frame summaries and box plots, timelines,
 * the page itself. Every one is fed hostile values (`</script>`, `<img onerror>`, `javascript:` links) and must
 * escape them; the page must load nothing and run nothing.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tableFromArrays } from "apache-arrow";
import { Deck, Decks, mask, renderDecks } from "../../../src/deck/deck.js";
import { BoxRenderer, FrameProfilingRenderer, quantile, summarize } from "../../../src/deck/frame.js";
import { escapeHtml } from "../../../src/deck/html.js";
import { MarkdownRenderer } from "../../../src/deck/markdown.js";
import { SourceCodeRenderer } from "../../../src/deck/source.js";
import { TableRenderer } from "../../../src/deck/table.js";
import { TimelineDeck } from "../../../src/deck/timeline.js";
import { valuesHtml } from "../../../src/deck/values.js";

const HOSTILE = [`</script><script>alert(1)</script>`, `<img src=x onerror="alert(1)">`, `"'><svg onload=alert(1)>`];

/** No tag of the page runs script: no script element, no on* attribute, no javascript: URL. */
function assertInert(html: string): void {
  assert.doesNotMatch(html, /<script/i, "no script element");
  // Quoted attribute values are text (escaped), not attributes.
  const tags = html.replace(/="[^"]*"/g, '=""');
  assert.doesNotMatch(tags, /<[^>]+\son[a-z]+\s*=/i, "no event handler attribute");
  assert.doesNotMatch(html, /(href|src)\s*=\s*["']?\s*javascript:/i, "no javascript: URL");
  assert.doesNotMatch(html, /<img[^>]*\ssrc=["']?(?!data:)/i, "no image from the network");
}

describe("markdown", () => {
  const md = new MarkdownRenderer();
  test("renders CommonMark with tables", () => {
    const html = md.toHtml("# Title\n\n*em* and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<em>em<\/em> and <code>code<\/code>/);
    assert.match(html, /<table>[\s\S]*<td>1<\/td>/);
  });
  test("raw HTML is text, unsafe links are not links, remote images load nothing", () => {
    for (const h of HOSTILE) assertInert(md.toHtml(`hello ${h}\n\n${h}\n`));
    const links = md.toHtml("[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html;base64,PHNjcmlwdD4=)");
    assert.doesNotMatch(links, /<a /);
    assert.match(links, /\[a\]\(javascript:alert\(1\)\)/);
    const img = md.toHtml('![cat "x"](https://example.com/cat.png)');
    assertInert(img);
    assert.match(
      img,
      /<a href="https:\/\/example.com\/cat.png" rel="noopener noreferrer" target="_blank">cat &quot;x&quot;<\/a>/,
    );
    const inline = md.toHtml("![dot](data:image/png;base64,iVBORw0KGgo=)");
    assert.match(inline, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="dot">/);
    assert.match(md.toHtml("[ok](https://flyte.org)"), /<a href="https:\/\/flyte.org" rel="noopener noreferrer"/);
  });
  test("a non-string is a TypeError naming the type", () => {
    assert.throws(() => md.toHtml(3 as never), /MarkdownRenderer: text must be a string, got number/);
  });
});

describe("tables", () => {
  test("records: columns in order of appearance, values escaped, nulls marked", () => {
    const html = new TableRenderer().toHtml([
      { a: 1, b: HOSTILE[0] },
      { b: null, c: 2n, d: new Date(0) },
    ]);
    assertInert(html);
    assert.match(html, /<th>a<\/th><th>b<\/th><th>c<\/th><th>d<\/th>/);
    assert.match(html, /<td>&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/);
    assert.match(html, /<td class="null">null<\/td><td class="num">2<\/td><td>1970-01-01T00:00:00.000Z<\/td>/);
    assert.match(
      new TableRenderer().toHtml([{ [HOSTILE[1]!]: 1 }]),
      /<th>&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;<\/th>/,
    );
  });
  test("big tables are cut to maxRows and maxCols with a note", () => {
    const rows = Array.from({ length: 12_345 }, (_, i) =>
      Object.fromEntries(Array.from({ length: 5 }, (_, c) => [`c${c}`, i])),
    );
    const html = new TableRenderer({ maxRows: 3, maxCols: 2 }).toHtml(rows);
    assert.equal(html.match(/<tr>/g)!.length, 4, "a header and three rows");
    assert.doesNotMatch(html, /<th>c2<\/th>/);
    assert.match(html, /Showing 3 of 12,345 rows and 2 of 5 columns\./);
    assert.doesNotMatch(new TableRenderer().toHtml(rows.slice(0, 10)), /Showing/);
  });
  test("Arrow tables", () => {
    const table = tableFromArrays({ x: Float64Array.from([1.5, 2, 3]), s: ["a", "<b>", "c"] });
    const html = new TableRenderer({ maxRows: 2 }).toHtml(table);
    assert.match(html, /<th>x<\/th><th>s<\/th>/);
    assert.match(html, /<td class="num">1.5<\/td><td>a<\/td>/);
    assert.match(html, /<td>&lt;b&gt;<\/td>/);
    assert.match(html, /Showing 2 of 3 rows\./);
  });
  test("anything else is a TypeError saying what it got; limits are checked", () => {
    assert.throws(
      () => new TableRenderer().toHtml("nope" as never),
      /expected an array of records or an Arrow table, got string/,
    );
    assert.throws(() => new TableRenderer().toHtml([1, 2] as never), /got an array that is not all records/);
    assert.throws(() => new TableRenderer({ maxRows: 0 }), /maxRows must be a positive integer, got 0/);
  });
});

describe("source code", () => {
  test("highlights TypeScript, Python, SQL and shell, escaping the code", () => {
    const ts = new SourceCodeRenderer().toHtml(`const s = "</script><img src=x onerror=alert(1)>";`);
    assertInert(ts);
    assert.match(ts, /<span class="hljs-keyword">const<\/span>/);
    assert.match(ts, /&lt;\/script&gt;/);
    assert.match(
      new SourceCodeRenderer("python").toHtml("def f():\n    return 1"),
      /<span class="hljs-keyword">def<\/span>/,
    );
    assert.match(new SourceCodeRenderer("sql").toHtml("SELECT 1"), /<span class="hljs-keyword">SELECT<\/span>/);
    assert.match(new SourceCodeRenderer("sh").toHtml("echo hi"), /hljs-built_in">echo/);
    assert.equal(new SourceCodeRenderer("").toHtml("<b>").includes("&lt;b&gt;"), true);
  });
  test("an unknown language is an error listing the known ones", () => {
    assert.throws(
      () => new SourceCodeRenderer("cobol"),
      /unknown language "cobol"; known: typescript, javascript, python/,
    );
  });
});

describe("frame profiling and box plots", () => {
  const rows = [
    { n: 1, s: "a", b: true },
    { n: 2, s: "b", b: false },
    { n: 3, s: "a", b: null },
    { n: 4, s: HOSTILE[1], b: true },
    { n: 100, s: "a", b: true },
  ];
  test("quantiles interpolate between ranks as pandas does", () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 100], 0.25), 2);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
  test("per-column statistics", () => {
    const [n, s, b] = summarize(rows);
    assert.deepEqual(
      {
        kind: n!.kind,
        count: n!.count,
        min: n!.min,
        q1: n!.q1,
        median: n!.median,
        q3: n!.q3,
        max: n!.max,
        mean: n!.mean,
      },
      { kind: "number", count: 5, min: 1, q1: 2, median: 3, q3: 4, max: 100, mean: 22 },
    );
    assert.ok(Math.abs(n!.std! - Math.sqrt(((1 - 22) ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2) / 4)) < 1e-9);
    assert.deepEqual(
      { kind: s!.kind, distinct: s!.distinct, top: s!.top, freq: s!.freq },
      { kind: "string", distinct: 3, top: "a", freq: 3 },
    );
    assert.deepEqual(
      { kind: b!.kind, missing: b!.missing, count: b!.count },
      { kind: "boolean", missing: 1, count: 4 },
    );
  });
  test("the profile table escapes values; Arrow tables work the same", () => {
    const html = new FrameProfilingRenderer().toHtml(rows);
    assertInert(html);
    assert.match(html, /5 rows, 3 columns\./);
    assert.match(html, /<th>25%<\/th><th>50%<\/th><th>75%<\/th>/);
    const arrow = summarize(tableFromArrays({ x: Int32Array.from([5, 1, 3]) }));
    assert.deepEqual([arrow[0]!.min, arrow[0]!.median, arrow[0]!.max], [1, 3, 5]);
  });
  test("box plot: SVG with quartiles and the outlier", () => {
    const html = new BoxRenderer("n").toHtml(rows);
    assert.match(html, /<svg [^>]*aria-label="box plot of n"/);
    assert.match(html, /<th>median<\/th><td class="num">3<\/td>/);
    assert.match(html, /<th>outliers<\/th><td class="num">1<\/td>/);
    assert.equal(html.match(/<circle/g)!.length, 1);
  });
  test("box plot errors name the column and what is there", () => {
    assert.throws(() => new BoxRenderer("zz").toHtml(rows), /no column "zz"; the table has "n", "s", "b"/);
    assert.throws(() => new BoxRenderer("s").toHtml(rows), /column "s" must hold numbers, found "a" \(string\)/);
    assert.match(new BoxRenderer("n").toHtml([{ n: null }]), /No values to plot/);
  });
});

describe("timeline", () => {
  test("phases become an SVG chart and a table, escaped", () => {
    const t = new TimelineDeck();
    assert.equal(t.html, "", "nothing recorded, nothing shown");
    t.record({ name: "load", start: 1000, finish: 1500, cpuMs: 100 });
    t.record({ name: HOSTILE[0]!, start: 1500, finish: 2000, cpuMs: 400 });
    const html = t.html;
    assertInert(html);
    assert.match(html, /<svg [^>]*aria-label="timeline"/);
    assert.equal(html.match(/<rect /g)!.length, 2);
    assert.match(
      html,
      /<td>load<\/td><td>1970-01-01T00:00:01.000Z<\/td><td class="num">0.5<\/td><td class="num">0.1<\/td>/,
    );
    assert.match(html, />1000 ms</);
  });
  test("time() records a phase also when the function throws; bad phases are refused", async () => {
    const t = new TimelineDeck();
    assert.equal(await t.time("ok", async () => 7), 7);
    await assert.rejects(
      t.time("boom", () => Promise.reject(new Error("x"))),
      /x/,
    );
    assert.throws(
      () =>
        t.timeSync("sync", () => {
          throw new Error("y");
        }),
      /y/,
    );
    assert.deepEqual(
      t.entries.map((e) => e.name),
      ["ok", "boom", "sync"],
    );
    assert.throws(
      () => t.record({ name: "b", start: 2, finish: 1, cpuMs: 0 }),
      /finishes \(1\) before it starts \(2\)/,
    );
    assert.throws(() => t.record({ name: "", start: 1, finish: 1, cpuMs: 0 }), /non-empty name/);
    assert.throws(
      () => t.record({ name: "n", start: Number.NaN, finish: 1, cpuMs: 0 }),
      /start must be a finite number/,
    );
  });
});

describe("decks and the page", () => {
  test("Deck methods render through the renderers; append keeps HTML; names are checked", () => {
    const d = new Deck("d")
      .append("<b>mine</b>")
      .appendText(HOSTILE[0]!)
      .appendMarkdown("**x**")
      .appendTable([{ a: 1 }])
      .appendCode("let a = 1");
    assert.match(d.html, /^<b>mine<\/b>\n<pre>&lt;\/script&gt;/);
    assert.match(d.html, /<strong>x<\/strong>/);
    assert.match(d.html, /<th>a<\/th>/);
    assert.match(d.html, /hljs-keyword">let/);
    assert.throws(() => new Deck(""), /non-empty name/);
    assert.throws(() => d.append(5 as never), /append takes an HTML string, got number/);
  });
  test("Decks.open creates a named deck once; map() gives a plain array", () => {
    const decks = new Decks();
    const a = decks.open("a");
    assert.equal(decks.open("a"), a);
    decks.open("b");
    assert.deepEqual(
      decks.map((d) => d.name),
      ["a", "b"],
    );
    assert.equal(Array.isArray(decks.filter(() => true)) && !(decks.filter(() => true) instanceof Decks), true);
  });
  test("the page: a tab per deck (names escaped), no script, nothing loaded, CSP", () => {
    const decks = [
      new Deck(HOSTILE[1]!, "<p>one</p>"),
      new Deck("two", valuesHtml({ x: HOSTILE[0], rows: [{ a: HOSTILE[2] }] })),
    ];
    const page = renderDecks(decks);
    assertInert(page);
    assert.match(
      page,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">/,
    );
    assert.match(
      page,
      /<label for="tab-0">&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;<\/label><label for="tab-1">two<\/label>/,
    );
    assert.match(page, /id="tab-0" checked>/);
    assert.doesNotMatch(page, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "no URL but the SVG namespace");
    assert.match(page, /#tab-1:checked~main>#deck-1\{display:block\}/);
  });
  test("decks with one name: the last one wins, as in flytekit", () => {
    const page = renderDecks([new Deck("x", "first"), new Deck("x", "second")]);
    assert.doesNotMatch(page, /first/);
    assert.equal(page.match(/<section /g)!.length, 1);
  });
  test("secrets are masked as written and as escaped", () => {
    const secret = `p<w>"d`;
    const page = renderDecks([new Deck("s").append(`<p>${secret}</p>`).appendText(secret)], new Set([secret]));
    assert.ok(!page.includes(secret) && !page.includes(escapeHtml(secret)));
    assert.equal(page.match(/\*\*\*/g)!.length, 2);
    assert.equal(mask("abc", new Set([""])), "abc");
  });
});
