"""The flytekit side of one point of `npm run bench`'s scaling curves (test/bench/scaling.ts), the same workflows in
Python flytekit, run locally:

    python scaling_bench.py chain|fanout|map N

Prints {"compileMs", "runMs", "peakMB"} on the last line: peakMB is the growth of the resident set's high-water mark
(reset after a warm-up run of a tiny one) over what the process held before the workflow was defined.
"""

import json
import resource
import sys
import time
import typing

from flytekit import map_task, task, workflow


@task
def inc(x: int) -> int:
    return x + 1


def define(shape, n):
    if shape == "chain":

        def chain(x: int) -> int:
            cur = inc(x=x)
            for _ in range(n - 1):
                cur = inc(x=cur)
            return cur

        return workflow(chain)
    if shape == "fanout":

        def fanout(x: int) -> typing.List[int]:
            return [inc(x=x) for _ in range(n)]

        return workflow(fanout)

    def mapped(xs: typing.List[int]) -> typing.List[int]:
        return map_task(inc)(x=xs)

    return workflow(mapped)


def rss_bytes():
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def run_once(shape, n):
    t0 = time.perf_counter()
    wf = define(shape, n)
    compile_ms = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    out = wf(xs=list(range(n))) if shape == "map" else wf(x=0)
    run_ms = (time.perf_counter() - t1) * 1000
    expected = n if shape == "chain" else [1] * n if shape == "fanout" else list(range(1, n + 1))
    if out != expected:
        raise SystemExit(f"{shape} of {n} returned a wrong result")
    return compile_ms, run_ms


def peak_reader():
    """Resets the high-water mark (Linux: 5 to /proc/self/clear_refs) so the peak is the workload's, not start-up's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def vm_hwm():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc/self/status")

    return vm_hwm


def main():
    shape, n = sys.argv[1], int(sys.argv[2])
    run_once(shape, 3)
    read_peak = peak_reader()
    before = rss_bytes()
    compile_ms, run_ms = run_once(shape, n)
    peak = read_peak()
    print(json.dumps({"compileMs": compile_ms, "runMs": run_ms, "peakMB": max(0, peak - before) / 1e6}))


if __name__ == "__main__":
    main()
