"""Python side of the literal conformance suite (test/conformance/literals.test.ts).

    python literals_oracle.py WORKDIR

WORKDIR holds what the TypeScript side prepared:
  ts.pb            a flyteidl.core.LiteralMap, one literal per case, written by flytekit-ts
  data.txt         the file of the local-file cases
  folder/          the directory of the local-directory cases (a.txt, sub/b.txt)

and receives what flytekit makes of it:
  py.pb            a LiteralMap written by flytekit: TypeEngine.to_literal of every case's value (plus the
                   "pyonly.*" cases, which only flytekit writes: see python_only_cases)
  types.json       {case: base64 of TypeEngine.to_literal_type(py_type).to_flyte_idl().SerializeToString()}
  report.json      {case: {"ok": bool, "expected": repr, "got": repr, "diff"?: where they differ, "error"?: ...}}
                   for reading every literal of ts.pb with TypeEngine.to_python_value(ctx, literal, py_type)

It prints one JSON line: the flytekit version, the case names and any case flytekit could not write.
"""

import base64
import dataclasses
import datetime as dt
import enum
import json
import os
import sys
import traceback
import typing
from dataclasses import dataclass, field

import flytekit
from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

UTC = dt.timezone.utc
CSV = typing.TypeVar("csv")


# ---- the Python twins of the TypeScript types ----


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@dataclass
class Inner:
    when: dt.datetime
    dur: dt.timedelta


@dataclass
class Item:
    name: str
    qty: int


@dataclass
class Outer:
    x: int
    y: float
    label: str
    ok: bool
    inner: Inner
    items: typing.List[Item]
    by_name: typing.Dict[str, Item]
    color: Color
    doc: FlyteFile
    report: FlyteFile[CSV]
    folder: FlyteDirectory
    counts: typing.Dict[str, int]
    matrix: typing.List[typing.List[float]]
    extra: dict
    choice: typing.Union[int, str]
    maybe_inner: typing.Optional[Inner] = None
    note: typing.Optional[str] = None
    flag: bool = False
    ratio: float = 0.5
    pause: dt.timedelta = dt.timedelta(seconds=5)
    since: dt.datetime = dt.datetime(2024, 1, 1, tzinfo=UTC)
    tags: typing.List[str] = field(default_factory=list)


@dataclass
class Wide:
    """Every msgpack width: fixint, uint8, int8, uint16, uint32, int64, uint64; str16, array16, map16."""

    small: int
    u8: int
    i8: int
    u16: int
    u32: int
    i64: int
    big: int
    tenth: float
    neg_zero: float
    inf: float
    long_text: str
    many: typing.List[int]
    wide_map: typing.Dict[str, int]
    opt_items: typing.Optional[typing.List[Item]] = None
    opt_counts: typing.Dict[str, typing.Optional[int]] = field(default_factory=dict)
    either: typing.Union[Item, int] = 0
    shades: typing.List[Color] = field(default_factory=list)


@dataclass
class Sparse:
    a: typing.Optional[int] = None
    b: str = "x"
    c: typing.List[int] = field(default_factory=lambda: [1])


@dataclass
class Empty:
    pass


# ---- the table: case name -> (Python type, Python value); the same names as the TypeScript table ----


def outer_full() -> Outer:
    return Outer(
        x=1,
        y=2.0,
        label="p ✓",
        ok=True,
        inner=Inner(when=dt.datetime(2025, 6, 7, 8, 9, 10, 250000, tzinfo=UTC), dur=dt.timedelta(seconds=90, microseconds=500)),
        items=[Item(name="a", qty=1), Item(name="b", qty=-2)],
        by_name={"c": Item(name="c", qty=3)},
        color=Color.BLUE,
        doc=FlyteFile("s3://bucket/docs/readme.txt"),
        report=FlyteFile[CSV]("s3://bucket/docs/report.csv"),
        folder=FlyteDirectory("s3://bucket/out/"),
        counts={"a": 1, "b": 2},
        matrix=[[1.5, 2.0], []],
        extra={"k": [1, "x", None], "n": {"deep": 0.25}},
        choice="seven",
        maybe_inner=Inner(when=dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), dur=dt.timedelta(milliseconds=1.5)),
        note=None,
        flag=True,
        ratio=0.25,
        pause=dt.timedelta(minutes=1, seconds=30),
        since=dt.datetime(2020, 2, 29, 12, 0, 0, 1000, tzinfo=UTC),
        tags=["t1", "t2"],
    )


def outer_defaults() -> Outer:
    # Only the fields without defaults: the rest take the dataclass defaults.
    return Outer(
        x=0,
        y=-0.5,
        label="",
        ok=False,
        inner=Inner(when=dt.datetime(1970, 1, 1, tzinfo=UTC), dur=dt.timedelta(0)),
        items=[],
        by_name={},
        color=Color.RED,
        doc=FlyteFile("s3://bucket/a"),
        report=FlyteFile[CSV]("s3://bucket/b.csv"),
        folder=FlyteDirectory("s3://bucket/c"),
        counts={},
        matrix=[],
        extra={},
        choice=7,
    )


def cases(workdir: str) -> typing.Dict[str, typing.Tuple[typing.Any, typing.Any]]:
    local_file = os.path.join(workdir, "data.txt")
    local_dir = os.path.join(workdir, "folder")
    return {
        "int": (int, 42),
        "int_negative": (int, -7),
        "int_zero": (int, 0),
        "int_max_safe": (int, 2**53 - 1),
        "bigint_max": (int, 2**63 - 1),
        "bigint_min": (int, -(2**63)),
        "float": (float, 3.25),
        "float_whole": (float, 2.0),
        "float_tiny": (float, -1.5e-300),
        "str": (str, "héllo ✓ 🚀"),
        "str_empty": (str, ""),
        "bool_true": (bool, True),
        "bool_false": (bool, False),
        "datetime": (dt.datetime, dt.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)),
        "datetime_before_epoch": (dt.datetime, dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)),
        "datetime_year_1": (dt.datetime, dt.datetime(1, 1, 1, tzinfo=UTC)),
        "duration": (dt.timedelta, dt.timedelta(hours=1, minutes=30, milliseconds=250)),
        "duration_negative": (dt.timedelta, dt.timedelta(seconds=-1.5)),
        "duration_microsecond": (dt.timedelta, dt.timedelta(microseconds=1)),
        "duration_days": (dt.timedelta, dt.timedelta(days=10, seconds=1)),
        "none": (type(None), None),
        "list_int": (typing.List[int], [1, 2, 3]),
        "list_empty": (typing.List[int], []),
        "list_of_lists": (typing.List[typing.List[str]], [["a"], []]),
        "list_optional": (typing.List[typing.Optional[int]], [1, None]),
        "map_str": (typing.Dict[str, str], {"a": "x", "b": "y"}),
        "map_empty": (typing.Dict[str, int], {}),
        "nested": (
            typing.Dict[str, typing.List[typing.Dict[str, dt.timedelta]]],
            {"k": [{"d": dt.timedelta(seconds=1.5)}, {}], "e": []},
        ),
        "enum": (Color, Color.GREEN),
        "optional_some": (typing.Optional[int], 5),
        "optional_none": (typing.Optional[int], None),
        "union_int": (typing.Union[int, str], 3),
        "union_str": (typing.Union[int, str], "hi"),
        "union_float": (typing.Union[float, str], 1.5),
        "union_lists_int": (typing.Union[typing.List[int], typing.List[str]], [1, 2]),
        "union_lists_str": (typing.Union[typing.List[int], typing.List[str]], ["a", "b"]),
        "union_enum": (typing.Union[Color, int], Color.RED),
        "union_file_dir": (typing.Union[FlyteFile, FlyteDirectory], FlyteFile("s3://bucket/either.txt")),
        "optional_list": (typing.Optional[typing.List[str]], ["x"]),
        "list_enum": (typing.List[Color], [Color.BLUE, Color.GREEN]),
        "dict": (dict, {"a": 1, "b": [1, 2], "c": {"d": "e"}, "f": 1.5, "g": None, "h": True}),
        "dict_empty": (dict, {}),
        "struct": (Outer, outer_full()),
        "struct_defaults": (Outer, outer_defaults()),
        "struct_wide": (
            Wide,
            Wide(
                small=7,
                u8=200,
                i8=-100,
                u16=60000,
                u32=70000,
                i64=-(2**40),
                big=2**63 - 1,
                tenth=0.1,
                neg_zero=-0.0,
                inf=float("inf"),
                long_text="x" * 300,
                many=list(range(20)),
                wide_map={f"k{i:02d}": i for i in range(17)},
                opt_items=[Item(name="i", qty=1)],
                opt_counts={"a": 1, "b": None},
                either=Item(name="e", qty=2),
                shades=[Color.GREEN, Color.RED],
            ),
        ),
        "struct_sparse": (Sparse, Sparse()),
        "struct_empty": (Empty, Empty()),
        "struct_list": (typing.List[Item], [Item(name="a", qty=1), Item(name="b", qty=2)]),
        "struct_map": (typing.Dict[str, Item], {"k": Item(name="k", qty=0)}),
        "struct_optional": (typing.Optional[Item], Item(name="o", qty=9)),
        "struct_optional_none": (typing.Optional[Item], None),
        "file_local": (FlyteFile, FlyteFile(local_file)),
        "file_remote": (FlyteFile, FlyteFile("s3://bucket/key.txt")),
        "file_csv": (FlyteFile[CSV], FlyteFile[CSV]("s3://bucket/table.csv")),
        "dir_local": (FlyteDirectory, FlyteDirectory(local_dir)),
        "dir_remote": (FlyteDirectory, FlyteDirectory("s3://bucket/folder/")),
    }


def python_only_cases() -> typing.Dict[str, typing.Tuple[typing.Any, typing.Any]]:
    """Values only flytekit writes: microseconds (a JavaScript Date holds milliseconds), datetimes that are naive or
    not in UTC, whole floats inside an untyped dict (JavaScript has one number type), and the old struct format."""
    micro = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    plus2 = dt.timezone(dt.timedelta(hours=2))
    return {
        "pyonly.datetime_micro": (dt.datetime, micro),
        "pyonly.struct_micro": (Inner, Inner(when=micro, dur=dt.timedelta(seconds=1))),
        "pyonly.list_micro": (typing.List[dt.datetime], [dt.datetime(2024, 1, 1, tzinfo=UTC), micro]),
        "pyonly.datetime_naive": (dt.datetime, dt.datetime(2024, 1, 1, 12, 30)),
        "pyonly.datetime_offset": (dt.datetime, dt.datetime(2024, 1, 1, 12, 30, tzinfo=plus2)),
        "pyonly.struct_naive": (Inner, Inner(when=dt.datetime(2024, 1, 1, 12, 30), dur=dt.timedelta(0))),
        "pyonly.struct_offset": (Inner, Inner(when=dt.datetime(2024, 1, 1, 12, 30, tzinfo=plus2), dur=dt.timedelta(0))),
        "pyonly.dict_whole_float": (dict, {"f": 2.0}),
        # The old struct format (FLYTE_USE_OLD_DC_FORMAT=true): a protobuf Struct of the JSON, which readers accept.
        "pyonly.struct_json": (Outer, outer_full()),
        "pyonly.dict_json": (dict, {"a": 1, "b": [1, 2], "c": {"d": "e"}, "f": 1.5, "g": None, "h": True}),
    }


#: Cases written in the old struct format.
OLD_FORMAT = {"pyonly.struct_json", "pyonly.dict_json"}


# ---- comparison of what flytekit read with what it should have read ----


def local_tree(path: str) -> typing.Dict[str, str]:
    """The files under a directory (or the file itself, as ".") with their contents."""
    if os.path.isfile(path):
        with open(path) as f:
            return {".": f.read()}
    out = {}
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            with open(full) as f:
                out[os.path.relpath(full, path)] = f.read()
    return out


def blob_difference(expected, got, where: str) -> typing.Optional[str]:
    want_dir = isinstance(expected, FlyteDirectory)
    if not isinstance(got, FlyteDirectory if want_dir else FlyteFile):
        return f"{where}: expected a {type(expected).__name__}, got {type(got).__name__}"
    source = str(expected.path)
    if "://" in source:
        # A remote blob stays where it is: flytekit keeps the URI and downloads lazily.
        remote = got.remote_source if got.remote_source else str(got.path)
        return None if str(remote) == source else f"{where}: expected {source}, got {remote}"
    want = local_tree(source)
    have = local_tree(got.download())
    return None if want == have else f"{where}: expected contents {want}, got {have}"


def difference(expected, got, where: str = "value") -> typing.Optional[str]:
    """None when `got` equals `expected` with the same Python types throughout, else where they first differ."""
    if isinstance(expected, (FlyteFile, FlyteDirectory)):
        return blob_difference(expected, got, where)
    if type(expected) is not type(got):
        return f"{where}: expected {type(expected).__name__} {expected!r}, got {type(got).__name__} {got!r}"
    if dataclasses.is_dataclass(expected):
        for f in dataclasses.fields(expected):
            d = difference(getattr(expected, f.name), getattr(got, f.name), f"{where}.{f.name}")
            if d:
                return d
        return None
    if isinstance(expected, list):
        if len(expected) != len(got):
            return f"{where}: expected {len(expected)} items, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = difference(e, g, f"{where}[{i}]")
            if d:
                return d
        return None
    if isinstance(expected, dict):
        # Key order is not compared: a Flyte map is a protobuf map (msgpack key order is held to by the bytes test).
        if sorted(expected) != sorted(got):
            return f"{where}: expected keys {sorted(expected)}, got {sorted(got)}"
        for k in expected:
            d = difference(expected[k], got[k], f"{where}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(expected, dt.datetime) and expected.utcoffset() != got.utcoffset():
        return f"{where}: expected offset {expected.utcoffset()}, got {got.utcoffset()}"
    return None if expected == got else f"{where}: expected {expected!r}, got {got!r}"


# ---- the two directions ----


def read_typescript(ctx, workdir: str, table) -> typing.Dict[str, typing.Any]:
    pb = literals_pb2.LiteralMap()
    with open(os.path.join(workdir, "ts.pb"), "rb") as f:
        pb.ParseFromString(f.read())
    lm = LiteralMap.from_flyte_idl(pb)
    report: typing.Dict[str, typing.Any] = {}
    for name in sorted(set(lm.literals) - set(table)):
        report[name] = {"ok": False, "error": "flytekit-ts wrote a case this table does not have"}
    for name, (py_type, expected) in table.items():
        if name not in lm.literals:
            report[name] = {"ok": False, "error": "flytekit-ts wrote no literal for this case"}
            continue
        try:
            got = TypeEngine.to_python_value(ctx, lm.literals[name], py_type)
        except Exception as e:  # noqa: BLE001 - every failure goes to the TypeScript side
            report[name] = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=4)}
            continue
        diff = difference(expected, got)
        entry = {"ok": diff is None, "expected": repr(expected), "got": repr(got)}
        if diff:
            entry["diff"] = diff
        report[name] = entry
    return report


def write_python(ctx, workdir: str, table) -> typing.Dict[str, str]:
    lits, types, errors = {}, {}, {}
    for name, (py_type, value) in table.items():
        try:
            lt = TypeEngine.to_literal_type(py_type)
            types[name] = base64.b64encode(lt.to_flyte_idl().SerializeToString()).decode()
            if name in OLD_FORMAT:
                os.environ["FLYTE_USE_OLD_DC_FORMAT"] = "true"
                # TypeEngine memoises literals by value: forget the msgpack ones written for the same values.
                TypeEngine._LITERAL_CACHE.clear()
            try:
                lits[name] = TypeEngine.to_literal(ctx, value, py_type, lt)
            finally:
                os.environ.pop("FLYTE_USE_OLD_DC_FORMAT", None)
        except Exception as e:  # noqa: BLE001
            errors[name] = f"{type(e).__name__}: {e}"
    with open(os.path.join(workdir, "py.pb"), "wb") as f:
        f.write(LiteralMap(literals=lits).to_flyte_idl().SerializeToString())
    with open(os.path.join(workdir, "types.json"), "w") as f:
        json.dump(types, f, indent=1, sort_keys=True)
    return errors


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    workdir = sys.argv[1]
    ctx = FlyteContextManager.current_context()
    table = cases(workdir)
    report = read_typescript(ctx, workdir, table)
    with open(os.path.join(workdir, "report.json"), "w") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
    write_errors = write_python(ctx, workdir, {**table, **python_only_cases()})
    print(json.dumps({"flytekit": flytekit.__version__, "cases": list(table), "write_errors": write_errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
