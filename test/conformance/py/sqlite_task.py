"""flytekit's serialization of a SQLite3Task, for test/conformance/sql-task.test.ts.

    python sqlite_task.py OUT.json
"""

import sys
from collections import OrderedDict

import pandas as pd
from flytekit import kwtypes
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task
from flytekit.tools.translator import get_serializable
from google.protobuf.json_format import MessageToJson

task = SQLite3Task(
    name="sql.conf",
    query_template="select * from tracks where plays > {{ .inputs.n }}",
    inputs=kwtypes(n=int),
    output_schema_type=pd.DataFrame,
    task_config=SQLite3Config(uri="s3://bucket/music.db", compressed=False),
)
settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="ghcr.io/acme/x", tag="v1")))
with open(sys.argv[1], "w") as f:
    f.write(MessageToJson(get_serializable(OrderedDict(), settings, task).template.to_flyte_idl()))
