# Twin of flytesnacks core/flyte_basics/task_cache_serialize.py (see test/conformance/snacks/task.ts).
from flytekit import task


@task(cache=True, cache_serialize=True, cache_version="1.0")
def square(n: int) -> int:
    return n * n
