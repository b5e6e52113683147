# Twin of flytesnacks core/control_flow/subworkflows.py (see test/conformance/snacks/subworkflows.ts).
import typing
from typing import Tuple

from flytekit import LaunchPlan, task, workflow

op = typing.NamedTuple("OutputsBC", t1_int_output=int, c=str)


@task
def t1(a: int) -> op:
    return op(a + 2, "world")


@workflow
def my_subwf(a: int = 42) -> Tuple[str, str]:
    x, y = t1(a=a)
    u, v = t1(a=x)
    return y, v


@workflow
def parent_wf(a: int) -> Tuple[int, str, str]:
    x, y = t1(a=a).with_overrides(node_name="node-t1-parent")
    u, v = my_subwf(a=x)
    return x, u, v


@workflow
def nested_parent_wf(a: int) -> Tuple[int, str, str, str]:
    x, y = my_subwf(a=a)
    m, n, o = parent_wf(a=a)
    return m, n, o, y


@task
def count_freq_words(input_string1: str) -> typing.Dict:
    words = input_string1.lower().split()
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


@workflow
def ext_workflow(my_input: str) -> typing.Dict:
    result = count_freq_words(input_string1=my_input)
    return result


parent_workflow_execution = LaunchPlan.get_or_create(ext_workflow, "parent_workflow_execution")


@task
def count_repetitive_words(word_counter: typing.Dict) -> typing.List[str]:
    return [w for w, n in word_counter.items() if n > 1]
