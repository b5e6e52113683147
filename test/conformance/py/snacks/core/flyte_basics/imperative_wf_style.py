# Twin of the tasks of flytesnacks core/flyte_basics/imperative_wf_style.py (see
# test/conformance/snacks/imperative_wf_style.ts); its workflow is built imperatively and is not twinned.
import typing

from flytekit import task


@task
def t1(a: str) -> str:
    return a + " world"


@task
def t2():
    print("side effect")


@task
def t3(a: typing.List[str]) -> str:
    return ",".join(a)
