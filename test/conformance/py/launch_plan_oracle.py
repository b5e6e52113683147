"""flytekit's serialization of launch plans with every setting, the oracle of test/conformance/launch_plans.test.ts.

Usage: python launch_plan_oracle.py
Prints one JSON line per launch plan: its name and its LaunchPlan as protobuf JSON. The TypeScript twin is
test/conformance/fixtures/launch_plan_twin.ts.
"""

import datetime
import json
from collections import OrderedDict

from flytekit import Annotations, CronSchedule, Email, FixedRate, Labels, LaunchPlan, PagerDuty, Slack, task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.models import security
from flytekit.models.common import AuthRole, RawOutputDataConfig
from flytekit.models.concurrency import ConcurrencyLimitBehavior, ConcurrencyPolicy
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase
from flytekit.tools.translator import get_serializable
from google.protobuf.json_format import MessageToDict


@task
def greet(name: str, when: datetime.datetime) -> str:
    return name


@workflow
def wf(name: str, when: datetime.datetime) -> str:
    return greet(name=name, when=when)


nightly = LaunchPlan.get_or_create(
    wf,
    name="nightly",
    default_inputs={"name": "x"},
    schedule=CronSchedule(schedule="0 3 * * *", kickoff_time_input_arg="when"),
    notifications=[
        Email(phases=[Phase.FAILED, Phase.TIMED_OUT], recipients_email=["a@x.org"]),
        Slack(phases=[Phase.SUCCEEDED], recipients_email=["s@x.org"]),
        PagerDuty(phases=[Phase.ABORTED], recipients_email=["p@x.org"]),
    ],
    labels=Labels({"team": "ml"}),
    annotations=Annotations({"note": "n"}),
    raw_output_data_config=RawOutputDataConfig("s3://bucket/raw"),
    max_parallelism=7,
    security_context=security.SecurityContext(
        run_as=security.Identity(iam_role="arn:role", k8s_service_account="sa"),
        secrets=[security.Secret(group="g", key="k")],
    ),
    overwrite_cache=True,
)

hourly = LaunchPlan.get_or_create(
    wf,
    name="hourly",
    default_inputs={"name": "y"},
    schedule=FixedRate(duration=datetime.timedelta(hours=2), kickoff_time_input_arg="when"),
    auth_role=AuthRole(assumable_iam_role="arn:r2", kubernetes_service_account="sa2"),
)

weekly = LaunchPlan.get_or_create(
    wf,
    name="weekly",
    fixed_inputs={"name": "z"},
    schedule=CronSchedule(schedule="@weekly", offset="PT1H", kickoff_time_input_arg="when"),
    concurrency=ConcurrencyPolicy(max_concurrency=1, behavior=ConcurrencyLimitBehavior.SKIP),
)


def main() -> None:
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="default", fqn="img", tag="v1")))
    for lp in (nightly, hourly, weekly):
        msg = MessageToDict(get_serializable(OrderedDict(), settings, lp).to_flyte_idl())
        print(json.dumps({"name": lp.name, "lp": msg}))


if __name__ == "__main__":
    main()
