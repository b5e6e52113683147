/**
 * SQL tasks: a query template over the task's inputs (`{{ .inputs.x }}`, flytekit's syntax). `sqlTask` is the shape
 * backend plugins run (a TaskTemplate with a `sql` target and the plugin's configuration, flytekit's `SQLTask`);
 * `sqliteTask` runs the query on a SQLite database in the task's own container and returns the rows as a dataframe
 * (flytekit's `SQLite3Task`).
 */
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { FlyteBlob } from "../types/blob.js";
import type { ColumnTypes } from "../types/dataframe-arrow.js";
import { DataFrameType, StructuredDataset } from "../types/dataframe.js";
import type { AnyType } from "../types/type.js";
import { type Callable, makeCallable } from "./entity.js";
import type { TaskFunction } from "./function-task.js";
import { InstanceTask } from "./instance-task.js";
import type { InputSpec } from "./interface.js";
import { type JsonValue, PluginTask, type PluginTaskOptions } from "./plugin-task.js";
import type { TaskOptions } from "./task.js";

/** flytekit's pattern of a reference to an input in a query template. */
const INPUT_REF = /\{\{\s*\.inputs\.(\w+)\s*\}\}/gi;

/** Raises unless every `{{ .inputs.x }}` of the template names an input. */
function checkTemplate(owner: string, template: string, inputs: Record<string, unknown>): void {
  if (typeof template !== "string" || template.trim() === "")
    throw new FlyteValidationError(`${owner}: a SQL task needs a query template`);
  for (const m of template.matchAll(INPUT_REF)) {
    if (!Object.hasOwn(inputs, m[1]!))
      throw new FlyteValidationError(
        `${owner}: the query refers to {{ .inputs.${m[1]} }}, which is not an input (${Object.keys(inputs).join(", ") || "none"})`,
      );
  }
}

/**
 * A query template with its input references replaced by `?` parameters, and the values to bind to them in order.
 * Values are bound, never spliced into the SQL text, so no input can change the statement.
 */
export function bindQuery(template: string, values: Record<string, unknown>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = template.replace(INPUT_REF, (_m, name: string) => {
    const v = values[name];
    params.push(
      v instanceof Date ? v.toISOString() : typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? null : v,
    );
    return "?";
  });
  return { sql, params };
}

/** Options of a SQL task run by a backend plugin. */
export type SqlTaskOptions<I extends InputSpec, O extends Record<string, AnyType>> = Omit<
  PluginTaskOptions<I, O>,
  "taskConfig"
> & {
  /** The query, with `{{ .inputs.x }}` references; the plugin fills them in. */
  queryTemplate: string;
  /** The SQL dialect written in the TaskTemplate. */
  dialect?: "ansi" | "hive" | "other";
  /** The plugin's configuration, written as the TaskTemplate's `custom` (default `{}`). */
  taskConfig?: { [k: string]: JsonValue };
};

/** A SQL task run by a backend plugin: its TaskTemplate has a `sql` target, the plugin's type and configuration. */
export class SqlTask<I extends InputSpec, O extends Record<string, AnyType>> extends PluginTask<I, O> {
  readonly queryTemplate: string;
  readonly dialect: "ansi" | "hive" | "other";

  constructor(options: SqlTaskOptions<I, O>, localFn?: TaskFunction<I, O>) {
    const { queryTemplate, dialect, ...rest } = options;
    super({ ...rest, taskConfig: options.taskConfig ?? {} } as PluginTaskOptions<I, O>, localFn);
    checkTemplate(this.name, queryTemplate, this.interface.inputTypes);
    if (dialect !== undefined && !["ansi", "hive", "other"].includes(dialect))
      throw new FlyteValidationError(`${this.name}: dialect must be ansi, hive or other, got ${dialect}`);
    this.queryTemplate = queryTemplate;
    this.dialect = dialect ?? "ansi";
  }

  /** The TaskTemplate's `sql` target. */
  getSql(): { statement: string; dialect: "ansi" | "hive" | "other" } {
    return { statement: this.queryTemplate, dialect: this.dialect };
  }
}

/**
 * Declares a SQL task for a backend plugin (its `taskType`, e.g. a query engine's).
 *
 * @example
 * export const q = sqlTask({ name: "daily", taskType: "bigquery_query_job_task", inputs: { ds: t.str },
 *   outputs: { results: t.dataframe() }, queryTemplate: "select * from t where ds = '{{ .inputs.ds }}'" });
 */
export function sqlTask<I extends InputSpec = {}, O extends Record<string, AnyType> = {}>(
  options: SqlTaskOptions<I, O>,
  localFn?: TaskFunction<I, O>,
): SqlTask<I, O> & Callable<I, O> {
  return makeCallable<SqlTask<I, O>, Callable<I, O>>(new SqlTask(options, localFn));
}

/** Options of a SQLite task. */
export interface SqliteTaskOptions<I extends InputSpec, C extends ColumnTypes | undefined>
  extends Omit<TaskOptions<I, { results: DataFrameType<C> }>, "name" | "outputs" | "taskType"> {
  /** The task's name (instance tasks are named explicitly). */
  name: string;
  /** The query; `{{ .inputs.x }}` references are bound as parameters. */
  queryTemplate: string;
  /** The database: a local path or a storage URI. Give this or `databaseInput`. */
  uri?: string;
  /** The name of a `t.file()` input holding the database. */
  databaseInput?: keyof I & string;
  /** Declared columns of the results (flytekit's `output_schema_type` with `kwtypes`). */
  columns?: C;
}

/** A task that runs a query on a SQLite database; its output `results` is a dataframe of the rows. */
export class SqliteTask<I extends InputSpec, C extends ColumnTypes | undefined> extends InstanceTask<
  I,
  { results: DataFrameType<C> }
> {
  readonly queryTemplate: string;
  readonly uri: string | undefined;
  readonly databaseInput: string | undefined;

  constructor(options: SqliteTaskOptions<I, C>) {
    const { queryTemplate, uri, databaseInput, columns, ...rest } = options;
    const results = new DataFrameType<C>(columns === undefined ? {} : { columns });
    super({ ...rest, outputs: { results }, taskType: "sqlite" } as TaskOptions<I, { results: DataFrameType<C> }> & {
      name: string;
    });
    checkTemplate(this.name, queryTemplate, this.interface.inputTypes);
    if ((uri === undefined) === (databaseInput === undefined))
      throw new FlyteValidationError(`${this.name}: give the database as uri or as databaseInput (one of them)`);
    if (uri !== undefined && (typeof uri !== "string" || uri === ""))
      throw new FlyteValidationError(`${this.name}: uri must be a path or URI, got ${JSON.stringify(uri)}`);
    if (databaseInput !== undefined && !Object.hasOwn(this.interface.inputTypes, databaseInput))
      throw new FlyteValidationError(`${this.name}: databaseInput ${databaseInput} is not an input`);
    this.queryTemplate = queryTemplate;
    this.uri = uri;
    this.databaseInput = databaseInput;
  }

  /** The TaskTemplate's `custom`, as flytekit writes a SQLite3Task's. */
  getCustom(): { [k: string]: JsonValue } {
    return { query_template: this.queryTemplate, compressed: false, uri: this.uri ?? "" };
  }

  private async databasePath(inputs: Record<string, unknown>): Promise<string> {
    if (this.databaseInput !== undefined) {
      const f = inputs[this.databaseInput];
      if (!(f instanceof FlyteBlob))
        throw new FlyteUserError(`${this.name}: input ${this.databaseInput} should be the database file`);
      return f.download();
    }
    return new FlyteBlob(this.uri!, false).isRemote
      ? (await import("./remote-data.js")).downloadToLocal(this.uri!, false, (await import("node:os")).tmpdir())
      : this.uri!.replace(/^file:\/\//, "");
  }

  /** The query template, shown in the Source Code deck. */
  protected override sourceCode(): { code: string; language: string } {
    return { code: this.queryTemplate, language: "sql" };
  }

  async execute(inputs: Record<string, unknown>): Promise<{ results: StructuredDataset }> {
    const path = await this.databasePath(inputs);
    const { default: Database } = await import("better-sqlite3");
    let db: InstanceType<typeof Database>;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new FlyteUserError(`${this.name}: cannot open the database ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const values = { ...inputs };
      if (this.databaseInput !== undefined) delete values[this.databaseInput];
      const { sql, params } = bindQuery(this.queryTemplate, values);
      let rows: Record<string, unknown>[];
      try {
        rows = db.prepare(sql).all(...params) as Record<string, unknown>[];
      } catch (e) {
        throw new FlyteUserError(`${this.name}: the query failed: ${(e as Error).message}`, { cause: e });
      }
      return { results: StructuredDataset.fromRecords(rows) };
    } finally {
      db.close();
    }
  }
}

/**
 * Declares a SQLite query task.
 *
 * @example
 * export const top = sqliteTask({ name: "top", uri: "data/music.db", inputs: { n: t.int },
 *   queryTemplate: "select name from tracks order by plays desc limit {{ .inputs.n }}" });
 */
export function sqliteTask<I extends InputSpec = {}, const C extends ColumnTypes | undefined = undefined>(
  options: SqliteTaskOptions<I, C>,
): SqliteTask<I, C> & Callable<I, { results: DataFrameType<C> }> {
  return makeCallable<SqliteTask<I, C>, Callable<I, { results: DataFrameType<C> }>>(new SqliteTask(options));
}
