"""Python tasks run by pyflyte-execute in the entrypoint conformance test."""
import typing

from flytekit import task
from flytekit.exceptions.user import FlyteRecoverableException


@task
def add(a: int, b: float, s: str, xs: typing.List[int]) -> typing.Tuple[float, str]:
    return a + b + sum(xs), s.upper()


@task
def boom(a: int) -> int:
    raise ValueError(f"boom {a}")


@task
def flaky(a: int) -> int:
    raise FlyteRecoverableException(f"try again {a}")
