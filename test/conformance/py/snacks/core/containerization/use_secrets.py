# Twin of flytesnacks core/containerization/use_secrets.py (see test/conformance/snacks/use_secrets.ts).
import typing

import flytekit
from flytekit import Secret, task, workflow

SECRET_GROUP = "user-info"
SECRET_NAME = "user_secret"


@task(secret_requests=[Secret(group=SECRET_GROUP, key=SECRET_NAME)])
def secret_task() -> str:
    return flytekit.current_context().secrets.get(SECRET_GROUP, SECRET_NAME)


USERNAME_SECRET = "username"
PASSWORD_SECRET = "password"


@task(secret_requests=[Secret(group=SECRET_GROUP, key=USERNAME_SECRET), Secret(group=SECRET_GROUP, key=PASSWORD_SECRET)])
def user_info_task() -> typing.Tuple[str, str]:
    secrets = flytekit.current_context().secrets
    return secrets.get(SECRET_GROUP, USERNAME_SECRET), secrets.get(SECRET_GROUP, PASSWORD_SECRET)


@task(secret_requests=[Secret(group=SECRET_GROUP, key=SECRET_NAME, mount_requirement=Secret.MountType.ENV_VAR)])
def secret_file_task() -> typing.Tuple[str, str]:
    return SECRET_GROUP, flytekit.current_context().secrets.get(SECRET_GROUP, SECRET_NAME)


@workflow
def my_secret_workflow() -> typing.Tuple[str, str, str, str, str]:
    x = secret_task()
    y, z = user_info_task()
    f, e = secret_file_task()
    return x, y, z, f, e
