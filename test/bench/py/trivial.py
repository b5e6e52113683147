"""A trivial Python task for the entrypoint cold-start comparison."""
from flytekit import task


@task
def echo(a: int) -> int:
    return a
