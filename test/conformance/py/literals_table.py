"""The Python side of the literal conformance table: the same cases as test/conformance/literals-roundtrip.test.ts.

  python literals_table.py write OUT.pb TYPES.json   flytekit writes every case; prints nothing
  python literals_table.py read IN.pb REPORT.json    flytekit reads every case written by TypeScript and compares
"""
import base64
import datetime as dt
import enum
import json
import os
import sys
import tempfile
import typing
from dataclasses import dataclass, field

from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from flyteidl.core import literals_pb2

UTC = dt.timezone.utc


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Inner:
    when: dt.datetime
    dur: dt.timedelta


@dataclass
class Point:
    x: int
    y: float
    label: str
    tags: typing.List[str]
    inner: Inner
    color: Color
    maybe: typing.Optional[int] = None


SCRATCH = os.environ.get("CONFORMANCE_SCRATCH") or tempfile.mkdtemp()
FILE = os.path.join(SCRATCH, "data.txt")
DIR = os.path.join(SCRATCH, "folder")


def cases():
    os.makedirs(DIR, exist_ok=True)
    with open(FILE, "w") as f:
        f.write("file contents\n")
    with open(os.path.join(DIR, "a.txt"), "w") as f:
        f.write("a\n")
    return {
        "int": (int, 42),
        "int_negative": (int, -7),
        "int_max_safe": (int, 2**53 - 1),
        "float": (float, 3.25),
        "str": (str, "héllo ✓"),
        "bool": (bool, True),
        "datetime": (dt.datetime, dt.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)),
        "duration": (dt.timedelta, dt.timedelta(hours=1, minutes=30, milliseconds=250)),
        "none": (type(None), None),
        "list_int": (typing.List[int], [1, 2, 3]),
        "map_str": (typing.Dict[str, str], {"a": "x", "b": "y"}),
        "nested": (typing.Dict[str, typing.List[typing.Dict[str, dt.timedelta]]], {"k": [{"d": dt.timedelta(seconds=1.5)}]}),
        "enum": (Color, Color.GREEN),
        "optional_some": (typing.Optional[int], 5),
        "optional_none": (typing.Optional[int], None),
        "union_str": (typing.Union[int, str], "hi"),
        "union_int": (typing.Union[int, str], 3),
        "union_lists": (typing.Union[typing.List[int], typing.List[str]], ["a", "b"]),
        "dict": (dict, {"a": 1, "b": [1, 2], "c": {"d": "e"}, "f": 1.5}),
        "dataclass": (
            Point,
            Point(
                x=1,
                y=2.5,
                label="p",
                tags=["t1", "t2"],
                inner=Inner(when=dt.datetime(2025, 6, 7, 8, 9, 10, tzinfo=UTC), dur=dt.timedelta(seconds=90)),
                color=Color.RED,
                maybe=None,
            ),
        ),
        "file": (FlyteFile, FlyteFile(FILE)),
        "directory": (FlyteDirectory, FlyteDirectory(DIR)),
    }


def same(name, expected, got):
    if name == "file":
        return open(got.download()).read() == "file contents\n"
    if name == "directory":
        return open(os.path.join(got.download(), "a.txt")).read() == "a\n"
    if isinstance(expected, dt.datetime) and isinstance(got, dt.datetime):
        return expected == got.replace(tzinfo=got.tzinfo or UTC)
    return expected == got and type(expected) is type(got)


def main():
    mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ctx = FlyteContextManager.current_context()
    table = cases()
    if mode == "write":
        lits, types = {}, {}
        for name, (py_type, value) in table.items():
            lt = TypeEngine.to_literal_type(py_type)
            lits[name] = TypeEngine.to_literal(ctx, value, py_type, lt)
            types[name] = base64.b64encode(lt.to_flyte_idl().SerializeToString()).decode()
        with open(path, "wb") as f:
            f.write(LiteralMap(literals=lits).to_flyte_idl().SerializeToString())
        with open(out, "w") as f:
            json.dump(types, f)
        return
    pb = literals_pb2.LiteralMap()
    with open(path, "rb") as f:
        pb.ParseFromString(f.read())
    lm = LiteralMap.from_flyte_idl(pb)
    report = {}
    for name, (py_type, expected) in table.items():
        if name not in lm.literals:
            report[name] = {"ok": False, "error": "missing"}
            continue
        try:
            got = TypeEngine.to_python_value(ctx, lm.literals[name], py_type)
            report[name] = {"ok": bool(same(name, expected, got)), "got": repr(got), "expected": repr(expected)}
        except Exception as e:  # noqa: BLE001 - every failure is reported to the TypeScript side
            report[name] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    with open(out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
