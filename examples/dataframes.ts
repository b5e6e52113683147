/**
 * A dataframe pipeline: a CSV file is read into a table, transformed with Apache Arrow, aggregated by streaming its
 * record batches, and queried with SQL (a SQLite task over a database built from the table).
 *
 *   npx tsflyte run examples/dataframes.ts wf --rows 1000 --minUnits 3
 */
import { currentContext, sqliteTask, t, task, workflow } from "flytekit-ts";

const REGIONS = ["north", "south", "east", "west"];
const PRODUCTS = ["apples", "pears", "plums"];

/** A sales CSV with a header, `rows` deterministic lines. */
export const writeCsv = task({ inputs: { rows: t.int }, outputs: t.file({ format: "csv" }) }, async ({ rows }) => {
  const { writeFile } = await import("node:fs/promises");
  const lines = ["region,product,units,price"];
  for (let i = 0; i < rows; i++)
    lines.push(`${REGIONS[i % 4]},${PRODUCTS[i % 3]},${(i * 7) % 10},${(1 + (i % 5) * 0.25).toFixed(2)}`);
  const path = `${currentContext().workingDirectory}/sales.csv`;
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
});

const Sales = t.dataframe({ columns: { region: t.str, product: t.str, units: t.int, price: t.float } });

/** Reads the CSV into a dataframe with declared column types. */
export const readCsv = task({ inputs: { csv: t.file({ format: "csv" }) }, outputs: Sales }, async ({ csv }) => {
  const { readFile } = await import("node:fs/promises");
  const [header, ...lines] = (await readFile(await csv.download(), "utf8")).trim().split("\n");
  if (header !== "region,product,units,price") throw new Error(`unexpected CSV header: ${header}`);
  return lines.map((line) => {
    const [region, product, units, price] = line.split(",");
    return { region, product, units: Number(units), price: Number(price) };
  });
});

/** Adds a revenue column with Arrow, keeping only rows with at least `minUnits` units. */
export const addRevenue = task(
  { inputs: { sales: Sales, minUnits: t.int }, outputs: t.dataframe() },
  async ({ sales, minUnits }) => {
    const { tableFromArrays } = await import("apache-arrow");
    const table = await sales.table();
    const units = table.getChild("units")!.toArray() as BigInt64Array;
    const price = table.getChild("price")!.toArray() as Float64Array;
    const keep: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (Number(units[i]) >= minUnits) keep.push(i);
    const region = table.getChild("region")!;
    const product = table.getChild("product")!;
    return tableFromArrays({
      region: keep.map((i) => region.get(i) as string),
      product: keep.map((i) => product.get(i) as string),
      units: BigInt64Array.from(keep, (i) => units[i]!),
      revenue: Float64Array.from(keep, (i) => Number(units[i]) * price[i]!),
    });
  },
);

/** Total revenue per product, streaming the table batch by batch (only the two columns it needs). */
export const revenueByProduct = task(
  { inputs: { sales: t.dataframe({ columns: { product: t.str, revenue: t.float } }) }, outputs: t.map(t.float) },
  async ({ sales }) => {
    const totals: Record<string, number> = {};
    for await (const batch of sales.batches({ batchSize: 256 })) {
      const product = batch.getChild("product")!;
      const revenue = batch.getChild("revenue")!;
      for (let i = 0; i < batch.numRows; i++) {
        const p = product.get(i) as string;
        totals[p] = (totals[p] ?? 0) + (revenue.get(i) as number);
      }
    }
    return totals;
  },
);

/** Writes the table into a SQLite database file, table `sales`. */
export const toSqlite = task(
  { inputs: { sales: t.dataframe() }, outputs: t.file({ format: "sqlite" }) },
  async ({ sales }) => {
    const { default: Database } = await import("better-sqlite3");
    const path = `${currentContext().workingDirectory}/sales.db`;
    const db = new Database(path);
    try {
      db.exec("create table sales (region text, product text, units integer, revenue real)");
      const insert = db.prepare("insert into sales values (@region, @product, @units, @revenue)");
      const rows = await sales.records();
      db.transaction(() => {
        for (const r of rows) insert.run(r);
      })();
    } finally {
      db.close();
    }
    return path;
  },
);

/** Revenue per region, in SQL. */
export const regionTotals = sqliteTask({
  name: "examples.dataframes.region_totals",
  databaseInput: "db",
  inputs: { db: t.file({ format: "sqlite" }) },
  queryTemplate:
    "select region, round(sum(revenue), 2) as revenue, count(*) as orders from sales group by region order by revenue desc",
  columns: { region: t.str, revenue: t.float, orders: t.int },
});

/** The best region and the product totals, as a line of text. */
export const report = task(
  {
    inputs: { regions: t.dataframe({ columns: { region: t.str, revenue: t.float } }), products: t.map(t.float) },
    outputs: t.str,
  },
  async ({ regions, products }) => {
    const [best] = await regions.records<{ region: string; revenue: number }>();
    const byProduct = Object.entries(products)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([p, v]) => `${p}=${v.toFixed(2)}`);
    return `best region: ${best?.region ?? "none"} (${best?.revenue ?? 0}); ${byProduct.join(", ")}`;
  },
);

export const wf = workflow(
  { inputs: { rows: t.int.default(1000), minUnits: t.int.default(1) }, outputs: t.str },
  ({ rows, minUnits }) => {
    const sales = addRevenue({ sales: readCsv({ csv: writeCsv({ rows }) }), minUnits });
    const regions = regionTotals({ db: toSqlite({ sales }) }).results;
    return report({ regions, products: revenueByProduct({ sales }) });
  },
);
