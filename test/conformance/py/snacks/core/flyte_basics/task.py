# Twin of flytesnacks core/flyte_basics/task.py (see test/conformance/snacks/task.ts).
from flytekit import task


@task
def square(n: int) -> int:
    return n * n
