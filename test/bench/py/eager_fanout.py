"""The cluster eager benchmark's workload in flytekit: one eager task awaiting `n` calls of a trivial task."""
import asyncio

from flytekit import eager, task


@task
def trivial(x: int) -> int:
    return x + 1


@eager
async def fanout(n: int) -> int:
    xs = await asyncio.gather(*[trivial(x=i) for i in range(n)])
    return sum(xs)
