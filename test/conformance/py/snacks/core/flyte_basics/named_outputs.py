# Twin of flytesnacks core/flyte_basics/named_outputs.py (see test/conformance/snacks/named_outputs.ts).
import typing

from flytekit import task, workflow

hello_output = typing.NamedTuple("OP", greet=str)
wf_outputs = typing.NamedTuple("OP2", greet1=str, greet2=str)


@task
def say_hello() -> hello_output:
    return hello_output("hello world")


@workflow
def my_wf() -> wf_outputs:
    return wf_outputs(say_hello().greet, say_hello().greet)
