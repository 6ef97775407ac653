"""Benchmark: peak memory of ``etfsim backtest --fund`` and ``etfsim compare`` on the README's 1,000-path file.

Both commands read the curve file a chunk of paths at a time (``--chunk-paths``,
default 100) and keep each path's figures only.  Each run here is a new
process; its figures are its wall time and its peak resident memory (the
process's own rusage, from ``wait4``), by chunk size.  The commands are the
README's examples:

    etfsim backtest --curves FILE -s gsci -s usl_strip12 --fund strategies/compute_default.toml
    etfsim compare --curves FILE --strategy compute_default --compute-beta 0.5

Target (issue 15): under 1 GiB for both with the default chunk size, on the
1,000-path, ten-year file of ``etfsim curves simulate`` (about 500 MB).  Before
the commands worked in chunks they peaked at 3.4 GiB (backtest) and 5.4 GiB
(compare) on it.  Memory grows with the chunk size; the figures do not change
with it.  Measured on a 2-core machine (December 2026), peak GiB:

    chunk paths        50    100    250    500   1,000
    backtest --fund  0.57   0.64   0.85   1.17    1.23
    compare          0.58   0.66   0.92   1.35    2.19

    python benchmarks/memory_cli.py [--curves FILE] [--chunk-paths 100 250 ...]

Without ``--curves`` the file is ``data/generated/compute_1000.parquet``,
written first (``etfsim curves simulate``) when it is not there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "data" / "generated" / "compute_1000.parquet"
TARGET_GIB = 1.0


def commands(curves: Path) -> dict[str, list[str]]:
    """The README's two examples on ``curves``."""
    return {
        "backtest --fund": [
            "backtest", "--curves", str(curves), "-s", "gsci", "-s", "usl_strip12",
            "--fund", str(ROOT / "strategies" / "compute_default.toml"),
        ],
        "compare": ["compare", "--curves", str(curves), "--strategy", "compute_default", "--compute-beta", "0.5"],
    }  # fmt: skip


def measured(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of ``python -m etfsim ARGS`` in a new process."""
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "etfsim", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"etfsim {' '.join(args)} failed:\n{err.read()}")
    return wall, usage.ru_maxrss / 1024 / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--curves", type=Path, default=None, help="curve file (default: the README's 1,000-path file)")
    ap.add_argument("--chunk-paths", type=int, nargs="+", default=[100], help="chunk sizes to measure")
    args = ap.parse_args()
    curves = args.curves or DEFAULT_FILE
    if not curves.is_file():
        if args.curves is not None:
            raise SystemExit(f"curve file {curves} does not exist")
        curves.parent.mkdir(parents=True, exist_ok=True)
        print(f"writing {curves} (etfsim curves simulate, 1,000 paths)", flush=True)
        subprocess.run(
            [sys.executable, "-m", "etfsim", "curves", "simulate", "--out", str(curves)], cwd=ROOT, check=True
        )
    print(f"curve file: {curves} ({curves.stat().st_size / 1e6:,.0f} MB); target: peak under {TARGET_GIB:g} GiB")
    print(f"{'command':<18} {'chunk paths':>11} {'wall s':>8} {'peak GiB':>9} {'peak GB':>8}  target")
    for name, cmd in commands(curves).items():
        for size in args.chunk_paths:
            wall, gib = measured([*cmd, "--chunk-paths", str(size)])
            verdict = "ok" if gib < TARGET_GIB else "over"
            print(f"{name:<18} {size:>11,} {wall:>8.1f} {gib:>9.2f} {gib * 1.073741824:>8.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
