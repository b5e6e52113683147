"""Python side of the dataframe conformance suite (test/conformance/dataframes.test.ts).

    python dataframes_oracle.py WORKDIR

WORKDIR/ts.pb is a flyteidl.core.LiteralMap written by flytekit-ts, one literal per case. This script writes:
  report.json  {case: {"ok": bool, "diff"?: ..., "error"?: ...}}: flytekit reads every literal with the case's
               Python type and compares the pandas DataFrames with the expected ones (columns, dtypes, values)
  py.pb        a LiteralMap flytekit writes from the same DataFrames (TypeEngine.to_literal)
  types.json   {case: base64 of TypeEngine.to_literal_type(py_type)}, plus the types-only cases
It prints one JSON line: the flytekit, pandas and pyarrow versions.
"""

import base64
import datetime as dt
import json
import os
import sys
import traceback
import typing
from dataclasses import dataclass
from typing import Annotated

import flytekit
import pandas as pd
import pyarrow
from flyteidl.core import literals_pb2
from flytekit import StructuredDataset, kwtypes
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.structured.structured_dataset import PARQUET


@dataclass
class Holder:
    df: StructuredDataset
    n: int


Cols = Annotated[pd.DataFrame, kwtypes(a=int, b=str)]


def frame() -> pd.DataFrame:
    """The table both sides write: one column per column type, with nulls."""
    return pd.DataFrame(
        {
            "a": pd.Series([1, 2, -(2**40)], dtype="int64"),
            "b": pd.Series(["x", "héllo ✓", None], dtype="str"),
            "c": pd.Series([1.5, -0.25, None], dtype="float64"),
            "d": pd.Series([True, False, True], dtype="bool"),
            "t": pd.Series(
                pd.to_datetime(
                    ["2024-01-02T03:04:05.123Z", "1969-12-31T23:59:59.500Z", "2000-02-29T00:00:00.000Z"], utc=True, format="ISO8601"
                ),
            ).astype("datetime64[us, UTC]"),
        }
    )


def second() -> pd.DataFrame:
    return pd.DataFrame({"a": pd.Series([7], dtype="int64"), "b": pd.Series(["y"], dtype="str")})


def cases() -> typing.Dict[str, typing.Tuple[typing.Any, typing.Any]]:
    """case -> (Python type, expected value as flytekit reads it)."""
    return {
        "df": (pd.DataFrame, frame()),
        "df_columns": (Cols, frame()[["a", "b"]]),
        "df_list": (typing.List[pd.DataFrame], [frame(), second()]),
        "df_struct": (Holder, Holder(df=StructuredDataset(dataframe=frame()), n=3)),
    }


#: Types compared without values.
TYPES_ONLY = {
    "type_plain": StructuredDataset,
    "type_parquet": Annotated[StructuredDataset, PARQUET],
    "type_columns": Annotated[
        StructuredDataset,
        kwtypes(i=int, f=float, s=str, b=bool, t=dt.datetime, d=dt.timedelta, l=typing.List[int]),
    ],
    "type_list": typing.List[pd.DataFrame],
    "type_map": typing.Dict[str, Cols],
    "type_struct": Holder,
    "type_optional": typing.Optional[pd.DataFrame],
}


def frame_difference(expected: pd.DataFrame, got: typing.Any, where: str) -> typing.Optional[str]:
    if isinstance(got, StructuredDataset):
        got = got.open(pd.DataFrame).all()
    if not isinstance(got, pd.DataFrame):
        return f"{where}: expected a DataFrame, got {type(got).__name__}"
    try:
        pd.testing.assert_frame_equal(expected.reset_index(drop=True), got.reset_index(drop=True), check_exact=True)
    except AssertionError as e:
        return f"{where}: {e}\nexpected dtypes {dict(expected.dtypes.astype(str))}, got {dict(got.dtypes.astype(str))}"
    return None


def difference(expected: typing.Any, got: typing.Any, where: str) -> typing.Optional[str]:
    if isinstance(expected, pd.DataFrame):
        return frame_difference(expected, got, where)
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{where}: expected a list of {len(expected)}, got {got!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = difference(e, g, f"{where}[{i}]")
            if d:
                return d
        return None
    if isinstance(expected, Holder):
        if not isinstance(got, Holder):
            return f"{where}: expected Holder, got {type(got).__name__}"
        if got.n != expected.n:
            return f"{where}.n: expected {expected.n}, got {got.n}"
        return frame_difference(expected.df.dataframe, got.df, f"{where}.df")
    return None if expected == got else f"{where}: expected {expected!r}, got {got!r}"


def main() -> int:
    workdir = sys.argv[1]
    ctx = FlyteContextManager.current_context()
    table = cases()
    pb = literals_pb2.LiteralMap()
    with open(os.path.join(workdir, "ts.pb"), "rb") as f:
        pb.ParseFromString(f.read())
    ts = LiteralMap.from_flyte_idl(pb)
    report = {}
    for name, (py_type, expected) in table.items():
        if name not in ts.literals:
            report[name] = {"ok": False, "error": "flytekit-ts wrote no literal for this case"}
            continue
        try:
            got = TypeEngine.to_python_value(ctx, ts.literals[name], py_type)
            diff = difference(expected, got, name)
            report[name] = {"ok": diff is None, **({"diff": diff} if diff else {})}
        except Exception as e:  # noqa: BLE001 - every failure goes to the TypeScript side
            report[name] = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=6)}
    with open(os.path.join(workdir, "report.json"), "w") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)

    lits, types = {}, {}
    written = {
        "df": frame(),
        "df_columns": frame(),
        "df_list": [frame(), second()],
        "df_struct": Holder(df=StructuredDataset(dataframe=frame()), n=3),
    }
    for name, (py_type, _) in table.items():
        lt = TypeEngine.to_literal_type(py_type)
        types[name] = base64.b64encode(lt.to_flyte_idl().SerializeToString()).decode()
        lits[name] = TypeEngine.to_literal(ctx, written[name], py_type, lt)
    for name, py_type in TYPES_ONLY.items():
        types[name] = base64.b64encode(TypeEngine.to_literal_type(py_type).to_flyte_idl().SerializeToString()).decode()
    with open(os.path.join(workdir, "py.pb"), "wb") as f:
        f.write(LiteralMap(literals=lits).to_flyte_idl().SerializeToString())
    with open(os.path.join(workdir, "types.json"), "w") as f:
        json.dump(types, f, indent=1, sort_keys=True)
    print(json.dumps({"flytekit": flytekit.__version__, "pandas": pd.__version__, "pyarrow": pyarrow.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
