"""The cluster eager benchmark's workload in flytekit: one eager task awaiting `n` calls of a trivial task.

flytekit runs a call from an eager body concurrently only when the called task is `async def` (a plain task's call
blocks the body until its execution ends), so the trivial task is async here, as flytekit's eager guide writes it.
"""
import asyncio

from flytekit import eager, task


@task
async def trivial(x: int) -> int:
    return x + 1


@eager
async def fanout(n: int) -> int:
    xs = await asyncio.gather(*[trivial(x=i) for i in range(n)])
    return sum(xs)
