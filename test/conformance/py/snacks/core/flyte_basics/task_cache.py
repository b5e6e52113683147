# Twin of the `square` task of flytesnacks core/flyte_basics/task_cache.py (see test/conformance/snacks/task.ts); its
# DataFrame tasks have no TypeScript twin.
from flytekit import task


@task(cache=True, cache_version="1.0")
def square(n: int) -> int:
    return n * n
