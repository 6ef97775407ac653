"""Benchmark: simulate 10,000 paths x 2,520 business days x 24-deep compute curves.

Prints wall time and peak memory (resident set size) of the simulation, run in
chunks of paths, next to a bare numpy pass measured in the same run: the same
number of normal draws and ``exp`` over a cube of the same size, chunked the
same way.  Each phase runs in its own process so its peak memory is its own.

Targets (issue #2): within 3x of the bare pass, peak memory under 2 GiB.

    python benchmarks/curves.py [--paths 10000] [--dates 2520] [--chunk 500]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bare_pass(paths: int, dates: int, depth: int, chunk: int, out: mp.Queue) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    acc = 0.0
    for lo in range(0, paths, chunk):
        p = min(chunk, paths - lo)
        cube = rng.standard_normal((p, dates, depth))
        np.exp(cube, out=cube)
        acc += float(cube[:, -1, 0].sum())
        del cube
    out.put(("bare numpy pass", time.perf_counter() - t0, _peak_mib(), acc))


def etfsim_pass(paths: int, dates: int, depth: int, chunk: int, out: mp.Queue) -> None:
    import numpy as np

    from etfsim.contracts.calendars import business_days
    from etfsim.curves.simulate import iter_curve_chunks
    from etfsim.scenario import load_scenario

    sc = load_scenario()
    grid = business_days(sc.contract.calendar, sc.start, "2040-12-31")
    end = grid[dates - 1]
    # compile the kernels outside the timed region (numba caches them on disk anyway)
    for _ in iter_curve_chunks(
        sc.model,
        2,
        sc.start,
        end=grid[40],
        seed=1,
        spot=sc.spot,
        chi0=sc.chi0,
        contract=sc.contract,
        depth=depth,
        regime0=sc.regime0,
    ):
        pass
    t0 = time.perf_counter()
    acc = 0.0
    n_dates = 0
    for c in iter_curve_chunks(
        sc.model,
        paths,
        sc.start,
        end=end,
        seed=sc.seed,
        spot=sc.spot,
        chi0=sc.chi0,
        contract=sc.contract,
        depth=depth,
        regime0=sc.regime0,
        chunk_size=chunk,
    ):
        acc += float(np.nansum(c.prices[:, -1, 0]))
        n_dates = c.n_dates
    elapsed = time.perf_counter() - t0
    assert n_dates == dates, n_dates
    out.put(("etfsim compute curve (all overlays, monthly average)", elapsed, _peak_mib(), acc))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--dates", type=int, default=2_520)
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--chunk", type=int, default=500)
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    results = []
    for fn in (bare_pass, etfsim_pass):
        q: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=fn, args=(args.paths, args.dates, args.depth, args.chunk, q))
        proc.start()
        results.append(q.get())
        proc.join()
    cube = args.paths * args.dates * args.depth
    print(
        f"cube: {args.paths:,} paths x {args.dates:,} dates x {args.depth} slots = {cube / 1e6:,.0f}M prices, "
        f"chunks of {args.chunk} paths"
    )
    for name, secs, peak, _ in results:
        print(f"  {name:<55s} {secs:8.2f} s   peak RSS {peak:8.0f} MiB")
    ratio = results[1][1] / results[0][1]
    print(
        f"  etfsim / bare pass: {ratio:.2f}x (target <= 3x); etfsim peak {results[1][2] / 1024:.2f} GiB (target < 2 GiB)"
    )


if __name__ == "__main__":
    main()
