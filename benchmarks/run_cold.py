"""Benchmark: ``etfsim run`` end to end in new processes, against the bare numpy pass of the same run.

Each run is a new process writing to a new temporary folder; its figures are
its wall time and peak resident memory, and the wall time as a ratio to the
bare pass (MC-10k's: normal draws and ``exp`` over 10,000 x 2,520 x 24 prices
in chunks of 500, one thread), measured before and after the runs because
this shared machine's speed moves.  The runs:

1. imports only: the interpreter starting and importing the command line;
2. first run after installing: numba's on-disk cache deleted first, so the run
   compiles every kernel;
3. first run after installing the way ``scripts/etfsim`` installs: the cache
   deleted, then the set-up's warm-up (``scripts/_venv.sh``: the main job on a
   few paths into a temporary folder, timed on its own), then the run;
4. new process, kernels cached (twice).

Targets (issue #16): a new process at most 0.6x the bare pass, the first run
after installing at most 0.8x.

    python benchmarks/run_cold.py [--skip-first]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_BARE = """
import numpy as np
rng = np.random.default_rng(0)
for lo in range(0, 10_000, 500):
    cube = rng.standard_normal((500, 2_520, 24))
    np.exp(cube, out=cube)
"""

# the set-up's warm-up, as scripts/_venv.sh runs it: every kernel of the main job compiled into numba's cache
WARM_UP = ["run", "--paths", "8", "--compare-paths", "4"]


def _clear_cache() -> None:
    for cache in list((ROOT / "etfsim").rglob("*.nbi")) + list((ROOT / "etfsim").rglob("*.nbc")):
        cache.unlink()


def _timed(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (GiB) and CPU seconds (user + system) of one new process (its rusage, from ``wait4``).

    The CPU seconds include the processes the run starts and waits for (the PDF renderer); on a
    machine others share they move less than the wall time does.
    """
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"python {' '.join(args)} failed:\n{err.read()}")
    return wall, usage.ru_maxrss / 1024 / 1024, usage.ru_utime + usage.ru_stime


def _run(extra: list[str] | None = None) -> tuple[float, float, float]:
    out = Path(tempfile.mkdtemp(prefix="etfsim-run-"))
    try:
        return _timed(["-m", "etfsim", *(extra or ["run"]), "--out-dir", str(out)])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-first", action="store_true", help="leave out the two first-run figures")
    args = ap.parse_args()
    bare0, _, _ = _timed(["-c", _BARE])
    rows: list[tuple[str, float, float, float]] = []
    rows.append(("imports only (import etfsim.cli.main)", *_timed(["-c", "import etfsim.cli.main"])))
    if not args.skip_first:
        _clear_cache()
        rows.append(("first run after installing (compiles)", *_run()))
        _clear_cache()
        warm, _, _ = _run(WARM_UP)
        rows.append(("first run after the set-up's warm-up", *_run()))
    rows.append(("new process, kernels cached", *_run()))
    rows.append(("again", *_run()))
    bare1, _, _ = _timed(["-c", _BARE])
    bare = (bare0 + bare1) / 2
    print("etfsim run (built-in market, 1,000 paths, fact sheet and rule sheet, HTML and PDF), new processes:")
    print(f"  bare numpy pass (MC-10k's, one thread)   {bare0:6.1f} s before the runs, {bare1:.1f} s after")
    for label, wall, peak, cpu in rows:
        print(
            f"  {label:<40s} {wall:6.1f} s  {wall / bare:5.2f}x the bare pass   peak RSS {peak:5.2f} GiB"
            f"   CPU {cpu:5.1f} s"
        )
    if not args.skip_first:
        print(f"  (the set-up's warm-up, {' '.join(WARM_UP)}: {warm:.1f} s, {warm / bare:.2f}x)")
    print("  targets: a new process at most 0.6x the bare pass, the first run after installing at most 0.8x")


if __name__ == "__main__":
    main()
