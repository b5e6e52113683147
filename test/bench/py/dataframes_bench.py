"""The pandas twin of test/bench/dataframes.ts: the same ROWS x 5 table written through flytekit's TypeEngine
(Parquet in a directory) and read back as a pandas DataFrame. Prints one JSON line like the TypeScript side.

    python dataframes_bench.py ROWS
"""

import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine

rows = int(sys.argv[1])
i = np.arange(rows)
df = pd.DataFrame(
    {
        "id": i.astype("int64"),
        "x": i * 0.5,
        "y": (i % 1000) / 7,
        "k": (i % 97).astype("int32"),
        "z": (i % 13).astype("float32"),
    }
)
ctx = FlyteContextManager.current_context()
lt = TypeEngine.to_literal_type(pd.DataFrame)
t0 = time.perf_counter()
lit = TypeEngine.to_literal(ctx, df, pd.DataFrame, lt)
write_ms = (time.perf_counter() - t0) * 1000
t1 = time.perf_counter()
back = TypeEngine.to_python_value(ctx, lit, pd.DataFrame)
read_ms = (time.perf_counter() - t1) * 1000
assert len(back) == rows
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"writeMs": write_ms, "readMs": read_ms, "peakMB": peak_mb, "checksum": int(back["k"].sum())}))
