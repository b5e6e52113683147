"""flytekit's serialization of node overrides (with_overrides), the oracle of test/conformance/overrides.test.ts.

Usage: python overrides_oracle.py
Prints the WorkflowSpec of `wf` as protobuf JSON. The TypeScript twin lives in the test.
"""

import datetime
import json
import typing
from collections import OrderedDict

from flytekit import Resources, map_task, task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.core.cache import Cache
from flytekit.extras.accelerators import A100, T4
from flytekit.tools.translator import get_serializable
from google.protobuf.json_format import MessageToDict


@task
def add(a: int, b: int) -> int:
    return a + b


@task(retries=2, timeout=60, interruptible=True)
def sub(a: int, b: int) -> int:
    return a - b


@workflow
def inner(a: int) -> int:
    return add(a=a, b=a)


@workflow
def wf(a: int, xs: typing.List[int]) -> int:
    x = add(a=a, b=a).with_overrides(
        node_name="First Add",
        retries=3,
        timeout=datetime.timedelta(minutes=5),
        interruptible=True,
        name="renamed",
        requests=Resources(cpu="1", mem="1Gi"),
        limits=Resources(cpu="2", mem="2Gi", gpu="1", ephemeral_storage="10Gi"),
        container_image="ghcr.io/acme/other:v2",
        cache=Cache(version="v7", serialize=True),
    )
    y = sub(a=x, b=a).with_overrides(
        timeout=None, retries=0, interruptible=False, accelerator=A100.partition_2g_10gb, shared_memory="2Gi"
    )
    z = add(a=y, b=a).with_overrides(cache=False, accelerator=T4, shared_memory=True)
    w = inner(a=z).with_overrides(name="nested", retries=1, timeout=90)
    map_task(add, concurrency=2)(a=xs, b=w).with_overrides(resources=Resources(cpu=("1", "2")))
    return w


def main() -> None:
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="img", tag="v1")))
    spec = get_serializable(OrderedDict(), settings, wf)
    print(json.dumps(MessageToDict(spec.to_flyte_idl())))


if __name__ == "__main__":
    main()
