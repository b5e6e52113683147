"""The flytekit twin of fixtures/conditions_twin.ts: the same conditionals, serialized by pyflyte for comparison."""

import datetime
import typing

from flytekit import conditional, task, workflow


@task
def square(n: float) -> float:
    return n * n


@task
def double(n: float) -> float:
    return 2 * n


@task
def ident(x: int) -> int:
    return x


@task
def label(s: str) -> str:
    return f"<{s}>"


@task
def stats(x: int) -> typing.NamedTuple("Stats", [("count", int), ("ratio", float), ("ok", bool)]):
    return x, x / 10, x > 0


@workflow
def multiplier(my_input: float) -> float:
    return (
        conditional("fractions")
        .if_((my_input >= 0.1) & (my_input <= 1.0))
        .then(double(n=my_input))
        .elif_((my_input > 1.0) & (my_input <= 10.0))
        .then(square(n=my_input))
        .else_()
        .fail("The input must be between 0 and 10")
    )


@workflow
def nested(my_input: float, x: int) -> float:
    a = ident(x=x)
    return conditional("outer").if_(a == 2).then(multiplier(my_input=my_input)).else_().then(square(n=my_input))


@workflow
def nestedDirect(x: int, y: float) -> float:
    return (
        conditional("outer")
        .if_(x > 0)
        .then(conditional("inner").if_(y < 5.0).then(double(n=y)).else_().then(square(n=y)))
        .else_()
        .then(square(n=y))
    )


@workflow
def mixed(s: str, b: bool, i: int) -> str:
    return (
        conditional("mixed")
        .if_((s == "a") | (b.is_true() & (i < 3)))
        .then(label(s=s))
        .elif_((s != "b") & b.is_false())
        .then(label(s="not b"))
        .else_()
        .then(label(s="other"))
    )


@workflow
def times(d: datetime.datetime, dur: datetime.timedelta) -> int:
    return (
        conditional("times")
        .if_((d > datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)) & (dur <= datetime.timedelta(hours=1)))
        .then(ident(x=1))
        .else_()
        .then(ident(x=2))
    )


@workflow
def outputs(x: int) -> float:
    s = stats(x=x)
    r = (
        conditional("on_outputs")
        .if_(s.ok.is_true() & (s.ratio > 1.0))
        .then(square(n=s.ratio))
        .elif_(s.count >= 5)
        .then(double(n=s.ratio))
        .else_()
        .then(double(n=0.0))
    )
    return double(n=r)
