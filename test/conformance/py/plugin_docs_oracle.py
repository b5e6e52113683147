"""flytekit's serialization of a container-less plugin task (a sensor), of docstrings as descriptions, and of a map
task with every input bound: the oracle of test/conformance/plugin_docs.test.ts.

Usage: python plugin_docs_oracle.py
Prints one JSON line per entity: its kind, name and spec as protobuf JSON. The TypeScript twin is
test/conformance/fixtures/plugin_docs_twin.ts.
"""

import json
import typing
from collections import OrderedDict

from flytekit import map_task, task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.sensor.file_sensor import FileSensor
from flytekit.tools.translator import get_serializable
from google.protobuf.json_format import MessageToDict

wait_for_file = FileSensor(name="wait_for_file")


@task
def add(a: int, b: int) -> int:
    """Adds two numbers.

    The long description
    spans lines.
    """
    return a + b


@task
def short(a: int) -> int:
    """Only a short one."""
    return a


@workflow
def wf(path: str, a: int, b: int) -> typing.List[int]:
    """A workflow.

    Its long text.
    """
    s = wait_for_file(path=path)
    x = short(a=add(a=a, b=b))
    s >> x
    return map_task(add, bound_inputs={"a", "b"})(a=x, b=b)


def main() -> None:
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="img", tag="v1")))
    for kind, name, entity in (
        ("task", "wait_for_file", wait_for_file),
        ("task", "add", add),
        ("task", "short", short),
        ("workflow", "wf", wf),
    ):
        spec = MessageToDict(get_serializable(OrderedDict(), settings, entity).to_flyte_idl())
        print(json.dumps({"kind": kind, "name": name, "spec": spec}))


if __name__ == "__main__":
    main()
