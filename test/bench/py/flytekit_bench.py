"""The flytekit side of `npm run bench -- --compare flytekit`: the same workloads as test/bench/run.ts, as JSON."""
import json
import time
import typing
from dataclasses import dataclass

from flytekit import task, workflow
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine

N = 1000


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def chain(x: int) -> int:
    cur = inc(x=x)
    for _ in range(N - 1):
        cur = inc(x=cur)
    return cur


@dataclass
class Rec:
    id: int
    name: str
    score: float
    ok: bool
    tags: typing.List[str]
    a: int
    b: float
    c: str
    d: typing.Optional[int]
    e: typing.List[int]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def timed(fn, runs):
    """Median ms of fn(i) over runs; fn gets the run index so that each run converts a fresh value (flytekit
    memoises conversions of equal values, which would otherwise measure a cache lookup)."""
    out = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return median(out)


def main():
    ctx = FlyteContextManager.current_context()
    assert chain(x=0) == N
    chain_ms = timed(lambda i: chain(x=i), 3)
    lt = TypeEngine.to_literal_type(typing.List[int])
    lits = []
    to_ms = timed(lambda i: lits.append(TypeEngine.to_literal(ctx, list(range(i, i + 1_000_000)), typing.List[int], lt)), 1)
    from_ms = timed(lambda i: TypeEngine.to_python_value(ctx, lits[0], typing.List[int]), 1)
    rt = TypeEngine.to_literal_type(typing.List[Rec])

    def recs(k):
        return [Rec(i + k, f"rec-{i}", i / 3, i % 2 == 0, ["x", "y"], i * 2, 0.5, "c", i if i % 3 else None, [1, 2, 3]) for i in range(10_000)]

    struct_ms = timed(lambda i: TypeEngine.to_literal(ctx, recs(i), typing.List[Rec], rt), 3)
    print(json.dumps({
        "per_task_us": chain_ms * 1000 / N,
        "list_to_ms": to_ms,
        "list_from_ms": from_ms,
        "structs_ms": struct_ms,
    }))


if __name__ == "__main__":
    main()
