/** Twin of flytesnacks core/flyte_basics/files.py: a file in and a file out, and a workflow input with a default. */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.files";

export const normalize_columns = task(
  {
    name: `${M}.normalize_columns`,
    inputs: {
      csv_url: t.file(),
      column_names: t.list(t.str),
      columns_to_normalize: t.list(t.str),
      output_location: t.str,
    },
    outputs: t.file(),
  },
  ({ csv_url }) => csv_url,
);

export const normalize_csv_file = workflow(
  {
    name: `${M}.normalize_csv_file`,
    inputs: {
      csv_url: t.file(),
      column_names: t.list(t.str),
      columns_to_normalize: t.list(t.str),
      output_location: t.str.default(""),
    },
    outputs: t.file(),
  },
  ({ csv_url, column_names, columns_to_normalize, output_location }) =>
    normalize_columns({ csv_url, column_names, columns_to_normalize, output_location }),
);
