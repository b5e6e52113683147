"""flytekit's serialization of a ContainerTask, for test/conformance/container-task.test.ts.

    python container_task.py OUT.json

Writes the TaskTemplate of the same raw container task the TypeScript side declares, as protobuf JSON.
"""

import sys
from collections import OrderedDict

from flytekit import ContainerTask, kwtypes
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from google.protobuf.json_format import MessageToJson

task = ContainerTask(
    name="ct.square",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(val=int, data=FlyteFile),
    outputs=kwtypes(out=int, report=FlyteFile, folder=FlyteDirectory),
    image="alpine:3.20",
    command=["sh", "-c", "echo $(( {{.inputs.val}} * {{.inputs.val}} )) > /var/outputs/out"],
    arguments=["--data", "{{.inputs.data}}"],
    metadata_format=ContainerTask.MetadataFormat.YAML,
)

settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="ghcr.io/acme/x", tag="v1")))
spec = get_serializable(OrderedDict(), settings, task)
with open(sys.argv[1], "w") as f:
    f.write(MessageToJson(spec.template.to_flyte_idl()))
