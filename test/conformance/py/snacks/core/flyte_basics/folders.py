# Twin of flytesnacks core/flyte_basics/folders.py (see test/conformance/snacks/folders.ts).
import typing

from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory


@task
def download_files(csv_urls: typing.List[str]) -> FlyteDirectory:
    return FlyteDirectory(path=".")


@task
def normalize_all_files(
    csv_files_dir: FlyteDirectory,
    columns_metadata: typing.List[typing.List[str]],
    columns_to_normalize_metadata: typing.List[typing.List[str]],
) -> FlyteDirectory:
    return csv_files_dir


@workflow
def download_and_normalize_csv_files(
    csv_urls: typing.List[str],
    columns_metadata: typing.List[typing.List[str]],
    columns_to_normalize_metadata: typing.List[typing.List[str]],
) -> FlyteDirectory:
    directory = download_files(csv_urls=csv_urls)
    return normalize_all_files(
        csv_files_dir=directory,
        columns_metadata=columns_metadata,
        columns_to_normalize_metadata=columns_to_normalize_metadata,
    )
