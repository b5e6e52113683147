# Twin of flytesnacks core/flyte_basics/hello_world.py (see test/conformance/snacks/hello_world.ts).
from flytekit import task, workflow


@task
def say_hello() -> str:
    return "hello world"


@workflow
def my_wf() -> str:
    res = say_hello()
    return res
