"""flytekit's TypeEngine side of test/conformance/entrypoint.test.ts: writes inputs.pb, reads outputs.pb and error.pb.

  python conformance_io.py write-inputs TASK JSON FILE   TASK's inputs, from the JSON values, as a LiteralMap
  python conformance_io.py read-outputs TASK FILE        TASK's outputs, as JSON (dataclasses as objects)
  python conformance_io.py read-error FILE               the ErrorDocument's code, kind, origin and message, as JSON
"""
import dataclasses
import json
import sys
import typing

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap

import conformance_tasks


def interface(name):
    return conformance_tasks.__dict__[name].python_interface


def native(value, py_type):
    """A JSON value as the Python value of py_type (dataclasses built from objects)."""
    if dataclasses.is_dataclass(py_type):
        hints = typing.get_type_hints(py_type)
        return py_type(**{k: native(v, hints[k]) for k, v in value.items()})
    if py_type is float:
        return float(value)
    return value


def plain(value):
    """A Python value as JSON (dataclasses as objects)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def main():
    ctx = FlyteContextManager.current_context()
    mode = sys.argv[1]
    if mode == "write-inputs":
        name, values, path = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
        types = interface(name).inputs
        literals = {}
        for k, py_type in types.items():
            lt = TypeEngine.to_literal_type(py_type)
            literals[k] = TypeEngine.to_literal(ctx, native(values[k], py_type), py_type, lt)
        with open(path, "wb") as f:
            f.write(LiteralMap(literals=literals).to_flyte_idl().SerializeToString())
    elif mode == "read-outputs":
        name, path = sys.argv[2], sys.argv[3]
        pb = literals_pb2.LiteralMap()
        with open(path, "rb") as f:
            pb.ParseFromString(f.read())
        lm = LiteralMap.from_flyte_idl(pb)
        types = interface(name).outputs
        assert sorted(lm.literals) == sorted(types), f"outputs {sorted(lm.literals)} != {sorted(types)}"
        print(json.dumps({k: plain(TypeEngine.to_python_value(ctx, lm.literals[k], t)) for k, t in types.items()}))
    elif mode == "read-error":
        doc = errors_pb2.ErrorDocument()
        with open(sys.argv[2], "rb") as f:
            doc.ParseFromString(f.read())
        e = doc.error
        print(json.dumps({
            "code": e.code,
            "kind": errors_pb2.ContainerError.Kind.Name(e.kind),
            "origin": execution_pb2.ExecutionError.ErrorKind.Name(e.origin),
            "message": e.message,
        }))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
