/**
 * Decks: HTML pages a task renders next to its outputs, shown in the Flyte console (and written to a local
 * deck.html by `tsflyte run`, which prints the path). `enableDeck` turns them on; `deckFields` picks the standard ones
 * (Source Code, Dependencies, Timeline, Input, Output: all five by default). The task adds its own through
 * `currentContext().decks.open(name)` and the renderers: Markdown, tables, frame profiles, box plots and code.
 *
 *   npx tsflyte run examples/decks.ts wf --n 200
 */
import { BoxRenderer, currentContext, FrameProfilingRenderer, MarkdownRenderer, t, task, workflow } from "flytekit-ts";

/** Readings of `n` sensors: a dataframe (an array of records). */
export const readings = task({ inputs: { n: t.int }, outputs: t.dataframe() }, ({ n }) =>
  Array.from({ length: n }, (_, i) => ({
    sensor: `s${i % 4}`,
    celsius: 15 + ((i * 37) % 100) / 10 + (i % 50 === 0 ? 25 : 0),
    ok: i % 7 !== 0,
  })),
);

/** Summarizes the readings, with a report, a profile of every column and the spread of the temperatures. */
export const analyze = task(
  {
    inputs: { df: t.dataframe() },
    outputs: { mean: t.float, outliers: t.int },
    enableDeck: true,
    deckFields: ["Timeline", "Input", "Output", "Source Code"],
  },
  async ({ df }) => {
    const ctx = currentContext();
    const rows = await ctx.timeline.time("read the dataframe", () => df.records<{ celsius: number }>());
    const temps = rows.map((r) => r.celsius);
    const mean = temps.reduce((s, x) => s + x, 0) / temps.length;
    const outliers = temps.filter((x) => x > 30).length;
    ctx.decks
      .open("Report")
      .append(
        new MarkdownRenderer().toHtml(
          `# Sensor readings\n\n${rows.length} readings, mean **${mean.toFixed(2)} °C**, ${outliers} above 30 °C.`,
        ),
      )
      .append(new BoxRenderer("celsius").toHtml(rows));
    ctx.decks.open("Profile").append(new FrameProfilingRenderer().toHtml(rows));
    ctx.defaultDeck.appendTable(rows, { maxRows: 5 });
    return { mean, outliers };
  },
);

export const wf = workflow(
  { inputs: { n: t.int.default(200) }, outputs: { mean: t.float, outliers: t.int } },
  ({ n }) => analyze({ df: readings({ n }) }),
);
