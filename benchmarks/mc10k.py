"""Benchmark MC-10k: 10,000 paths x 2,520 business days x 24-deep compute curve, GSCI roll, full fund ledger.

Runs, each in its own process so each peak memory is its own:

1. the bare numpy pass: as many normal draws as the cube has prices, and ``exp``
   over a cube of the same size, chunked like the pipeline;
2. etfsim: the default compute scenario as factor paths, the GSCI-style roll,
   only the contracts it touches priced, the index and the full fund ledger
   (the default compute fund's terms: investor demand, creations and
   redemptions, costs, impact and limits), reduced path by path to per-path
   figures and month-end NAV (``summarise_fund``);
3. the futures leg alone (no flows), etfsim's ledger against vectorbt rebuilding
   the same positions and costs, on ``--vbt-paths`` paths in one vectorbt call
   (all paths as columns; ``benchmarks/vectorbt_peer.py`` has the details);
4. the default compute market (seven correlated legs, two families) with the
   default strategy moving from B200 to Rubin to Rubin Ultra, the same fund
   terms: the multi-leg run, reported next to the single-leg run and the bare
   pass.

Targets (issue #16, after #6's): on one thread (``--workers 1``) etfsim at most
0.30x the bare pass, and with both cores at least 1.8x the one-thread speed (run
both and compare); peak memory under 0.5 GiB; the market at most 0.6x the bare
pass (within 2x of the single-leg run, #6); at least 10x faster than vectorbt on
the futures leg.

    python benchmarks/mc10k.py [--paths 10000] [--chunk 500] [--workers CORES] [--vbt-paths 100]

Chunks run on one thread per core by default, as `etfsim sweep` runs them (the numba
kernels release the GIL), with freed memory kept for the next chunk as the command
line keeps it (``etfsim._memory``); `--workers 1` gives the single-thread figure.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bare(paths: int, dates: int, depth: int, chunk: int, out: mp.Queue) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for lo in range(0, paths, chunk):
        cube = rng.standard_normal((min(chunk, paths - lo), dates, depth))
        np.exp(cube, out=cube)
    out.put(("bare numpy pass (normals + exp over the cube)", time.perf_counter() - t0, _peak_mib(), ""))


def _scenario(dates: int):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from etfsim.contracts.calendars import business_days
    from etfsim.scenario import load_scenario

    sc = load_scenario()
    grid = business_days(sc.contract.calendar, sc.start, "2045-12-31")
    return replace(sc, years=None, end=str(grid[dates - 1]))


def pipeline(paths: int, dates: int, depth: int, chunk: int, workers: int, out: mp.Queue) -> None:
    from pathlib import Path

    import numpy as np

    from etfsim._memory import keep_freed_memory
    from etfsim.pipeline import load_strategy
    from etfsim.sweep.montecarlo import ChunkSpec, run_chunk

    keep_freed_memory()  # as `etfsim sweep` does, on its default in-process scheduler
    root = Path(__file__).resolve().parents[1] / "strategies"
    sc = _scenario(dates)
    gsci = load_strategy(root / "gsci.toml")
    terms = load_strategy(root / "compute_default.toml")
    run_chunk(ChunkSpec(sc, gsci, terms.fund, terms.demand, 0, 4))  # compile, and build the shared pricing plan
    from concurrent.futures import ThreadPoolExecutor

    specs = [ChunkSpec(sc, gsci, terms.fund, terms.demand, lo, min(chunk, paths - lo)) for lo in range(0, paths, chunk)]
    t0 = time.perf_counter()
    rows = 0
    navs = []
    # chunks on the machine's cores: the numba kernels release the GIL (a sweep does the same through Dask)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for frame in pool.map(run_chunk, specs):
            rows += len(frame)
            navs.append(np.stack(frame["monthly_nav"].to_numpy()))
    fan = np.nanpercentile(np.concatenate(navs), [5, 50, 95], axis=0)
    elapsed = time.perf_counter() - t0
    assert rows == paths and fan.shape[0] == 3
    out.put(("etfsim: curve + GSCI roll + index + fund ledger with flows", elapsed, _peak_mib(), f"{rows:,} paths"))


def _market(dates: int):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from etfsim.contracts.calendars import business_days
    from etfsim.scenario import load_market

    mk = load_market()
    grid = business_days(mk.legs[0].contract.calendar, mk.start, "2045-12-31")
    return replace(mk, years=None, end=str(grid[dates - 1]))


def market(paths: int, dates: int, chunk: int, workers: int, out: mp.Queue) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from etfsim._memory import keep_freed_memory
    from etfsim.pipeline import load_strategy
    from etfsim.sweep.montecarlo import ChunkSpec, run_chunk

    keep_freed_memory()
    mk = _market(dates)
    head = load_strategy(Path(__file__).resolve().parents[1] / "strategies" / "compute_default.toml")
    run_chunk(ChunkSpec(mk, head, head.fund, head.demand, 0, 4))  # compile, and build the legs' pricing plans
    specs = [ChunkSpec(mk, head, head.fund, head.demand, lo, min(chunk, paths - lo)) for lo in range(0, paths, chunk)]
    t0 = time.perf_counter()
    rows = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for frame in pool.map(run_chunk, specs):
            rows += len(frame)
    elapsed = time.perf_counter() - t0
    assert rows == paths
    legs = len(mk.legs)
    out.put((f"etfsim: {legs}-leg market, generations fund with flows", elapsed, _peak_mib(), f"{rows:,} paths"))


def leg(paths: int, dates: int, vbt_paths: int, out: mp.Queue) -> None:
    from pathlib import Path

    import numpy as np

    from etfsim.check.vectorbt_leg import vectorbt_values
    from etfsim.fund import FundConfig, simulate_fund
    from etfsim.pipeline import load_strategy
    from etfsim.roll import restrict, roll_schedule

    sc = _scenario(dates)
    rule = load_strategy(Path(__file__).resolve().parents[1] / "strategies" / "gsci.toml").rule
    cfg = FundConfig(expense_ratio=0.0, commission=0.25, half_spread_ticks=0.5)
    (mc,) = list(sc.iter_chunks(paths=vbt_paths, chunk_size=vbt_paths, lazy_prices=True))
    curve, sched, slots = restrict(mc, roll_schedule(mc, rule))
    simulate_fund(curve, sched, cfg, slots=slots)  # compile
    t0 = time.perf_counter()
    res = simulate_fund(curve, sched, cfg, slots=slots)
    t_etf = time.perf_counter() - t0
    import vectorbt  # noqa: F401 - imported before timing: its import alone takes seconds

    vectorbt_values(res, curve.prices, np.arange(min(2, vbt_paths)))  # compile vectorbt's kernels
    t0 = time.perf_counter()
    values = vectorbt_values(res, curve.prices)  # every path a group of columns, one call
    t_vbt = time.perf_counter() - t0
    worst = float(np.max(np.abs(values / res.nav[:, res.start :] - 1)))
    out.put(("futures leg", t_etf, t_vbt, worst))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--dates", type=int, default=2_520)
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--vbt-paths", type=int, default=100)
    ap.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="threads running chunks (default: one per core)"
    )
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    results = []
    for fn, fargs in (
        (bare, (args.paths, args.dates, args.depth, args.chunk)),
        (pipeline, (args.paths, args.dates, args.depth, args.chunk, args.workers)),
        (leg, (args.paths, args.dates, args.vbt_paths)),
        (market, (args.paths, args.dates, args.chunk, args.workers)),
    ):
        q: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=fn, args=(*fargs, q))
        proc.start()
        results.append(q.get())
        proc.join()
    (_, t_bare, m_bare, _), (name, t_mc, m_mc, note), (_, t_etf, t_vbt, worst), (m_name, t_mk, m_mk, m_note) = results
    print(
        f"MC-10k: {args.paths:,} paths x {args.dates:,} dates x {args.depth} slots, chunks of {args.chunk}, "
        f"{args.workers} thread(s)"
    )
    print(f"  bare numpy pass                                        {t_bare:8.2f} s   peak RSS {m_bare:7.0f} MiB")
    print(f"  {name:<55s}{t_mc:6.2f} s   peak RSS {m_mc:7.0f} MiB   ({note})")
    one = " on one thread" if args.workers == 1 else ""
    print(
        f"  etfsim / bare pass: {t_mc / t_bare:.2f}x (target <= 0.30x{one}); peak {m_mc / 1024:.2f} GiB (target < 0.5 GiB)"
    )
    print(f"  {m_name:<55s}{t_mk:6.2f} s   peak RSS {m_mk:7.0f} MiB   ({m_note})")
    print(
        f"  market / single leg: {t_mk / t_mc:.2f}x (target <= 2x); market / bare pass: {t_mk / t_bare:.2f}x "
        "(target <= 0.6x)"
    )
    print(
        f"futures leg on {args.vbt_paths} paths: etfsim {t_etf:.3f} s, vectorbt in one call {t_vbt:.2f} s "
        f"-> {t_vbt / t_etf:.1f}x (target >= 10x); largest NAV difference {worst:.1e}"
    )


if __name__ == "__main__":
    main()
