# Twin of flytesnacks core/flyte_basics/decorating_tasks.py (see test/conformance/snacks/decorating_tasks.ts).
import logging
from functools import partial, wraps

from flytekit import task, workflow

logger = logging.getLogger(__file__)


def log_io(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        logger.info(f"task {fn.__name__} called with args: {args}, kwargs: {kwargs}")
        out = fn(*args, **kwargs)
        logger.info(f"task {fn.__name__} output: {out}")
        return out

    return wrapper


def validate_output(fn=None, *, floor=0):
    if fn is None:
        return partial(validate_output, floor=floor)

    @wraps(fn)
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        if out <= floor:
            raise ValueError(f"output of task {fn.__name__} must be a positive number, found {out}")
        return out

    return wrapper


@task
@log_io
def t1(x: int) -> int:
    return x + 1


@task
@validate_output(floor=10)
@log_io
def t2(x: int) -> int:
    return x + 2


@workflow
def wf(x: int) -> int:
    return t2(x=t1(x=x))
