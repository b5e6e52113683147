# Twin of flytesnacks core/flyte_basics/decorating_workflows.py (see test/conformance/snacks/decorating_workflows.ts):
# setup and teardown tasks chained around the workflow's tasks without data flow.
from flytekit import task, workflow


@task
def setup():
    print("setting up")


@task
def teardown():
    print("tearing down")


@task
def t1(x: float) -> float:
    return x - 1


@task
def t2(x: float) -> float:
    return x**2


@workflow
def wf(x: float) -> float:
    s = setup()
    a = t1(x=x)
    s >> a
    b = t2(x=a)
    td = teardown()
    b >> td
    return b
