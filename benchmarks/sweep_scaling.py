"""Benchmark: a sweep of 8 strategies x 2,000 paths on one Dask worker and on two.

Each run uses a fresh ``dask.distributed`` LocalCluster of worker processes
(one thread each) and a fresh sweep folder; the chunks, and so the results, are
the same in both runs.  Target (issue #6): at least 1.8x faster on two workers.

    python benchmarks/sweep_scaling.py [--paths 2000] [--chunk 250] [--years 10]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def main() -> None:
    from distributed import LocalCluster

    from etfsim.pipeline import default_strategies
    from etfsim.scenario import load_scenario
    from etfsim.sweep import run_sweep

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=2000)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--years", type=float, default=10.0)
    args = ap.parse_args()
    scenario = replace(load_scenario(), years=args.years)
    strategies = default_strategies()
    times = {}
    rows = {}
    for workers in (1, 2):
        folder = Path(tempfile.mkdtemp(prefix=f"etfsim-sweep-{workers}-"))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
            # warm the workers (imports, numba's disk cache) outside the timing
            run_sweep(
                [replace(scenario, years=0.5)],
                strategies[:1],
                2 * workers,
                folder / "warm",
                chunk_size=1,
                scheduler=cl.scheduler_address,
            )
            t0 = time.perf_counter()
            result = run_sweep(
                [scenario],
                strategies,
                args.paths,
                folder / "sweep",
                chunk_size=args.chunk,
                scheduler=cl.scheduler_address,
            )
            times[workers] = time.perf_counter() - t0
        rows[workers] = result.rows.drop(columns="monthly_nav")
        shutil.rmtree(folder, ignore_errors=True)
    same = rows[1].equals(rows[2])
    print(f"sweep: {len(strategies)} strategies x {args.paths:,} paths, {args.years:g} years, chunks of {args.chunk}")
    print(f"  1 worker : {times[1]:7.2f} s")
    print(
        f"  2 workers: {times[2]:7.2f} s   speed-up {times[1] / times[2]:.2f}x (target >= 1.8x); "
        f"results identical: {same}"
    )


if __name__ == "__main__":
    main()
