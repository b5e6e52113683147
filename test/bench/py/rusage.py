"""Runs one command and prints its wall time and CPU time (user + system, the kernel's accounting of the reaped
child, from wait4) as JSON: {"wall_ms": ..., "cpu_ms": ..., "status": ..., "stderr": ...}.

usage: rusage.py <command> [args...]

The wall time runs from just before the child is spawned to just after it is reaped, so this script's own start is
not in either figure. The command's standard output is discarded; the end of its standard error is reported.
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def main() -> None:
    argv = sys.argv[1:]
    if not argv:
        sys.exit("usage: rusage.py <command> [args...]")
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()[-4000:].decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "status": child.returncode, "stderr": stderr}))


main()
