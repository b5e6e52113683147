"""Python tasks that pyflyte-execute runs in test/conformance/entrypoint.test.ts.

Each has a TypeScript twin with the same interface in test/conformance/fixtures/entrypoint_tasks.ts.
"""
import typing
from dataclasses import dataclass, field

from flytekit import task
from flytekit.exceptions.user import FlyteRecoverableException


@dataclass
class Point:
    x: int
    y: float
    label: str
    tags: typing.List[str] = field(default_factory=list)


class Summary(typing.NamedTuple):
    total: float
    shout: str
    doubled: typing.List[int]
    scaled: typing.Dict[str, int]
    moved: Point


@task
def summarize(a: int, b: float, s: str, xs: typing.List[int], d: typing.Dict[str, int], p: Point) -> Summary:
    """Named outputs that depend on every input."""
    return Summary(
        total=a + b + sum(xs) + sum(d.values()) + p.x,
        shout=s.upper(),
        doubled=[2 * x for x in xs],
        scaled={k: v * a for k, v in d.items()},
        moved=Point(x=p.x + a, y=p.y * 2, label=p.label + "!", tags=p.tags + [s]),
    )


@task
def pair(a: int, s: str) -> typing.Tuple[int, str]:
    """Positional outputs (o0, o1)."""
    return a * 10, s * 2


@task
def boom(a: int) -> int:
    if a >= 0:  # flytekit rejects a function with a return type and no return statement
        raise ValueError(f"boom {a}")
    return a


@task
def flaky(a: int) -> int:
    if a >= 0:
        raise FlyteRecoverableException(f"try again {a}")
    return a
