"""Benchmark: ``etfsim run`` end to end on the built-in scenario, from a cold and a warm start.

First run: the numba kernels' on-disk cache is deleted first, so the run compiles
them (a fresh installation's first run).  Cold process: the same command in a new
interpreter, kernels loaded from the cache.  Each run is a new process writing to
a new temporary folder; the figures are its wall time and peak resident memory.
Target (issue #6): under 15 s from a cold start.

    python benchmarks/run_cold.py
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(label: str) -> None:
    out = Path(tempfile.mkdtemp(prefix="etfsim-run-"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "etfsim", "run", "--out-dir", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    shutil.rmtree(out, ignore_errors=True)
    print(f"  {label:<34s} {wall:6.1f} s   peak RSS {max(peak, before) / 1024 / 1024:5.2f} GiB")


def main() -> None:
    for cache in list((ROOT / "etfsim").rglob("*.nbi")) + list((ROOT / "etfsim").rglob("*.nbc")):
        cache.unlink()
    print("etfsim run (built-in scenario, 1,000 paths, fact sheet and rule sheet, HTML and PDF):")
    _run("first run (compiles the kernels)")
    _run("new process, kernels cached")
    _run("again")
    print("  target: under 15 s from a cold start")


if __name__ == "__main__":
    main()
