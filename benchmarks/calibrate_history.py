"""Benchmark: Kalman-filter maximum likelihood on the Schwartz & Smith (2000) weekly WTI panel.

Prints the wall time of ``calibrate_history`` (six local searches after the
global step, the Hessian and the standard errors) on the complete five-series
panel (268 dates, dt = 1/52) and on the incomplete 82-contract panel, for the
two-factor and the one-factor model, next to a reference measured in the same
run: one evaluation of the same log-likelihood by the filter written as plain
Python (the kernel's ``py_func``).  The ratio says how many pure-Python
likelihood evaluations a whole fit costs.  Each setting runs in its own
process, once with the machine's threads and once with one thread for every
pool (BLAS, OpenMP, numba).

Target (issue #12): the two-factor fit on the complete panel under 5 s.

    python benchmarks/calibrate_history.py [--repeat 3] [--reference-dir ../shared/data/reference]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_REF = Path(__file__).resolve().parents[2] / "shared" / "data" / "reference"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def measure(ref: Path, repeat: int) -> dict[str, float]:
    """Time every fit (best of ``repeat``, after one warm-up that compiles and loads the kernels)."""
    import numpy as np
    import pandas as pd

    from etfsim.curves import history as hist
    from etfsim.curves.history_kernels import kalman_filter

    ss = ref / "schwartz_smith_2000"
    stitched = pd.read_csv(ss / "stitched_futures.csv", index_col=0, parse_dates=True)
    contracts = pd.read_csv(ss / "contracts.csv.gz", index_col=0, parse_dates=True)
    tau = pd.read_csv(ss / "contract_maturities.csv.gz", index_col=0, parse_dates=True)
    mats = [1 / 12, 5 / 12, 9 / 12, 13 / 12, 17 / 12]
    cases = {
        "two-factor, complete panel": lambda: hist.calibrate_history(stitched, mats, dt=1 / 52),
        "two-factor, incomplete panel": lambda: hist.calibrate_history(contracts, tau, dt=1 / 52),
        "one-factor, complete panel": lambda: hist.calibrate_history(stitched, mats, model="schwartz-1f", dt=1 / 52),
    }
    out: dict[str, float] = {}
    for name, fit in cases.items():
        fit()
        best = min(_timed(fit) for _ in range(repeat))
        out[name] = best
    panel = hist.prepare_panel(stitched, mats, 1 / 52, None)
    obj = hist._Objective(panel, "schwartz-smith", {}, ())
    x = np.array([1.49, 0.286, 0.157, -0.0125, 0.145, 0.3, 0.0115, 0.042, 0.006, 0.003, 0.001, 0.004])
    obj.loglik(x)
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        obj.loglik(x)
    out["compiled likelihood, complete panel"] = (time.perf_counter() - t0) / n
    args = (obj.a0, obj.p0, obj.states, obj.covs, obj.ll_t)
    theta, errors = x[:7], x[7:]
    t0 = time.perf_counter()
    kalman_filter.py_func(theta, errors, panel.y, panel.tau, panel.bucket, panel.dt, *args)
    out["reference: one likelihood in plain Python"] = time.perf_counter() - t0
    return out


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REF)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.reference_dir, args.repeat)))
        return
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--repeat",
        str(args.repeat),
        "--reference-dir",
        str(args.reference_dir),
    ]
    for label, env_extra in (("all threads", {}), ("one thread", dict.fromkeys(THREAD_VARS, "1"))):
        env = {**os.environ, **env_extra}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        res = json.loads(proc.stdout.splitlines()[-1])
        ref = res.pop("reference: one likelihood in plain Python")
        per_eval = res.pop("compiled likelihood, complete panel")
        print(f"{label} ({os.cpu_count()} cores on this machine):")
        for name, sec in res.items():
            print(f"  {name:<32} {sec:7.3f} s = {sec / ref:6.1f} plain-Python likelihoods")
        print(f"  one compiled likelihood, complete panel: {per_eval * 1e6:.1f} us ({ref / per_eval:,.0f}x faster)")
        print(f"  reference, one plain-Python likelihood:  {ref * 1e3:.1f} ms")
    print("target: two-factor, complete panel under 5 s")


if __name__ == "__main__":
    main()
