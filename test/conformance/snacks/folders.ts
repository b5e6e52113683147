/** Twin of flytesnacks core/flyte_basics/folders.py: directories (multipart blobs) between tasks. */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.folders";

export const download_files = task(
  { name: `${M}.download_files`, inputs: { csv_urls: t.list(t.str) }, outputs: t.dir() },
  () => {
    throw new Error("not run in these tests");
  },
);

export const normalize_all_files = task(
  {
    name: `${M}.normalize_all_files`,
    inputs: {
      csv_files_dir: t.dir(),
      columns_metadata: t.list(t.list(t.str)),
      columns_to_normalize_metadata: t.list(t.list(t.str)),
    },
    outputs: t.dir(),
  },
  ({ csv_files_dir }) => csv_files_dir,
);

export const download_and_normalize_csv_files = workflow(
  {
    name: `${M}.download_and_normalize_csv_files`,
    inputs: {
      csv_urls: t.list(t.str),
      columns_metadata: t.list(t.list(t.str)),
      columns_to_normalize_metadata: t.list(t.list(t.str)),
    },
    outputs: t.dir(),
  },
  ({ csv_urls, columns_metadata, columns_to_normalize_metadata }) =>
    normalize_all_files({
      csv_files_dir: download_files({ csv_urls }),
      columns_metadata,
      columns_to_normalize_metadata,
    }),
);
