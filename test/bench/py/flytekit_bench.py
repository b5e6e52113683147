"""The flytekit side of `npm run bench -- --compare flytekit`: the in-process workloads of test/bench/run.ts, measured
with the project venv's flytekit, printed as one JSON object on the last line of stdout.

flytekit memoises `TypeEngine.to_literal` by value (a second conversion of an equal list takes about 1 ms), so every
timed conversion gets a value no earlier run has seen, and values are built before the clock starts.
"""
import json
import platform
import sys
import time
import typing
from dataclasses import dataclass

import flytekit
from flytekit import task, workflow
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine

N = 1000
BIG = 1_000_000
RECORDS = 10_000


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


def records(k: int) -> typing.List[Rec]:
    return [
        Rec(i + k, f"rec-{i}", i / 3, i % 2 == 0, ["x", "y"], i * 2, 0.5, "c", i if i % 3 else None, [1, 2, 3])
        for i in range(RECORDS)
    ]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def timed(fn, args):
    """Median ms of fn(a) over the prepared arguments."""
    out = []
    for a in args:
        t0 = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t0) * 1000)
    return median(out)


def log(msg):
    print(f"flytekit_bench: {msg}", file=sys.stderr, flush=True)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    ctx = FlyteContextManager.current_context()

    assert chain(x=0) == N
    chain_ms = timed(lambda x: chain(x=x), range(1, runs + 1))
    log(f"per-task {chain_ms * 1000 / N:.0f} us/task")

    # One run each way: a 10^6-int list takes flytekit tens of seconds.
    lt = TypeEngine.to_literal_type(typing.List[int])
    big = list(range(1, BIG + 1))
    lits = []
    to_ms = timed(lambda xs: lits.append(TypeEngine.to_literal(ctx, xs, typing.List[int], lt)), [big])
    assert len(lits[0].collection.literals) == BIG
    from_ms = timed(lambda lit: TypeEngine.to_python_value(ctx, lit, typing.List[int]), lits)
    log(f"10^6 ints: to {to_ms:.0f} ms, from {from_ms:.0f} ms")

    rt = TypeEngine.to_literal_type(typing.List[Rec])
    prepared = [records(k + 1) for k in range(runs)]
    rec_lits = []
    structs_to_ms = timed(lambda rs: rec_lits.append(TypeEngine.to_literal(ctx, rs, typing.List[Rec], rt)), prepared)
    structs_from_ms = timed(lambda lit: TypeEngine.to_python_value(ctx, lit, typing.List[Rec]), rec_lits)
    log(f"10^4 records: to {structs_to_ms:.0f} ms, from {structs_from_ms:.0f} ms")

    print(
        json.dumps(
            {
                "flytekit": flytekit.__version__,
                "python": platform.python_version(),
                "per_task_us": chain_ms * 1000 / N,
                "list_to_ms": to_ms,
                "list_from_ms": from_ms,
                "structs_to_ms": structs_to_ms,
                "structs_from_ms": structs_from_ms,
            }
        )
    )


if __name__ == "__main__":
    main()
