"""Reads and writes the LiteralMaps of the entrypoint conformance test with flytekit's TypeEngine.

  python interop_io.py write-inputs FILE          inputs of add: a=2, b=0.5, s="py", xs=[1, 2]
  python interop_io.py write-bad-inputs FILE      a is a string where an int is declared
  python interop_io.py read-outputs FILE           prints {"o0": float, "o1": str} as JSON
  python interop_io.py read-error FILE             prints the ErrorDocument's kind, origin and code as JSON
"""
import json
import sys
import typing

from flyteidl.core import errors_pb2, literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap


def lit(value, py_type):
    ctx = FlyteContextManager.current_context()
    return TypeEngine.to_literal(ctx, value, py_type, TypeEngine.to_literal_type(py_type))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode in ("write-inputs", "write-bad-inputs"):
        a = lit("two", str) if mode == "write-bad-inputs" else lit(2, int)
        lm = LiteralMap(literals={"a": a, "b": lit(0.5, float), "s": lit("py", str), "xs": lit([1, 2], typing.List[int])})
        with open(path, "wb") as f:
            f.write(lm.to_flyte_idl().SerializeToString())
    elif mode == "read-outputs":
        pb = literals_pb2.LiteralMap()
        with open(path, "rb") as f:
            pb.ParseFromString(f.read())
        lm = LiteralMap.from_flyte_idl(pb)
        ctx = FlyteContextManager.current_context()
        print(json.dumps({
            "o0": TypeEngine.to_python_value(ctx, lm.literals["o0"], float),
            "o1": TypeEngine.to_python_value(ctx, lm.literals["o1"], str),
        }))
    elif mode == "read-error":
        doc = errors_pb2.ErrorDocument()
        with open(path, "rb") as f:
            doc.ParseFromString(f.read())
        e = doc.error
        print(json.dumps({
            "kind": errors_pb2.ContainerError.Kind.Name(e.kind),
            "origin": e.origin,
            "code": e.code,
            "message": e.message[:400],
        }))


if __name__ == "__main__":
    main()
