"""Smoke test of the Python oracle: flytekit's TypeEngine writes a LiteralMap that flytekit-ts decodes.

Usage: python flytekit_smoke.py OUT_PATH
Writes a serialized flyteidl.core.LiteralMap to OUT_PATH and prints a one-line JSON summary.
"""

import json
import sys

import flytekit
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: flytekit_smoke.py OUT_PATH", file=sys.stderr)
        return 2
    out_path = sys.argv[1]
    ctx = FlyteContextManager.current_context()
    values = {"count": 42, "greeting": "hello from flytekit"}
    hints = {"count": int, "greeting": str}
    literal_map = TypeEngine.dict_to_literal_map(ctx, values, type_hints=hints)
    data = literal_map.to_flyte_idl().SerializeToString()
    with open(out_path, "wb") as f:
        f.write(data)
    print(json.dumps({"flytekit": flytekit.__version__, "bytes": len(data), "keys": sorted(values)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
