"""Python side of test/conformance/primitive-collections.test.ts: flytekit writes lists and maps of primitives.

    python primitive_collections_oracle.py CASES.json OUTDIR

CASES.json is {name: {"type": "list"|"map", "of": "int"|"float"|"str"|"bool", "value": ...}} (floats that JSON cannot
hold are the strings "nan", "inf", "-inf" and "-0.0"). For every case flytekit's TypeEngine.to_literal writes
OUTDIR/<name>.pb, the serialized flyteidl.core.Literal.
"""

import json
import math
import os
import sys
import typing

from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine

SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0.0": -0.0}
PY = {"int": int, "float": float, "str": str, "bool": bool}


def native(of, v):
    if of == "float" and isinstance(v, str):
        return SPECIAL[v]
    if of == "float":
        return float(v)
    return v


def main():
    cases_path, out = sys.argv[1], sys.argv[2]
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    ctx = FlyteContextManager.current_context()
    for name, case in cases.items():
        of = case["of"]
        if case["type"] == "list":
            py_type = typing.List[PY[of]]
            value = [native(of, v) for v in case["value"]]
        else:
            py_type = typing.Dict[str, PY[of]]
            value = {k: native(of, v) for k, v in case["value"].items()}
        lit = TypeEngine.to_literal(ctx, value, py_type, TypeEngine.to_literal_type(py_type))
        with open(os.path.join(out, f"{name}.pb"), "wb") as f:
            f.write(lit.to_flyte_idl().SerializeToString())
    print(json.dumps({"written": len(cases)}))


if __name__ == "__main__":
    main()
