# Twin of flytesnacks core/flyte_basics/files.py (see test/conformance/snacks/files.ts).
import typing

from flytekit import task, workflow
from flytekit.types.file import FlyteFile


@task
def normalize_columns(
    csv_url: FlyteFile,
    column_names: typing.List[str],
    columns_to_normalize: typing.List[str],
    output_location: str,
) -> FlyteFile:
    return csv_url


@workflow
def normalize_csv_file(
    csv_url: FlyteFile,
    column_names: typing.List[str],
    columns_to_normalize: typing.List[str],
    output_location: str = "",
) -> FlyteFile:
    return normalize_columns(
        csv_url=csv_url,
        column_names=column_names,
        columns_to_normalize=columns_to_normalize,
        output_location=output_location,
    )
