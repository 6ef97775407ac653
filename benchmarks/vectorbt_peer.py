"""Benchmark: the futures leg on many paths, etfsim's ledger against vectorbt with all paths in one call.

The leg of MC-10k (the default compute scenario over 2,520 business days, the
GSCI-style roll, only the contracts it touches priced, commission and half
spread, no flows or fees) on ``--paths`` paths:

1. etfsim: ``simulate_fund`` on every path (the whole daily ledger kept), and
   ``summarise_fund`` keeping only the NAV per share of every date (what
   vectorbt's ``value()`` gives);
2. vectorbt: ``Portfolio.from_orders`` once, every path a group of columns
   with its own cash (``etfsim.check.vectorbt_leg.vectorbt_values``; the
   contracts packed into a few columns a path), then ``value()``; the table
   building is timed apart from vectorbt's own call;
3. for scale, vectorbt called once per path (``vectorbt_value``) on
   ``--per-path`` paths, extrapolated to ``--paths``.

Both engines are compiled by a run on two paths before timing, and each timed
call runs ``--repeat`` times, the fastest reported for both (one run of either
moved by a quarter from one run to the next on this shared machine).  Both run
with glibc's defaults, as a library caller's program does: each large block is
mapped afresh and the system zeroes its pages on first use (etfsim's ledger is
340 MB on 1,000 paths).  ``--keep-freed-memory`` runs both as etfsim's command
line runs instead (``etfsim._memory``: freed blocks kept for the next call).
Target (issue #16): etfsim at least 10x faster than the one-call vectorbt figure.

    python benchmarks/vectorbt_peer.py [--paths 1000] [--dates 2520] [--per-path 10] [--repeat 3] [--keep-freed-memory]
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--dates", type=int, default=2520)
    ap.add_argument("--per-path", type=int, default=10, help="paths for the one-call-per-path figure (0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timed call; the fastest is reported")
    ap.add_argument("--keep-freed-memory", action="store_true", help="freed blocks kept for reuse, as `etfsim` runs")
    args = ap.parse_args()

    import numpy as np

    from etfsim._memory import keep_freed_memory

    kept = keep_freed_memory() if args.keep_freed_memory else False
    import vectorbt  # noqa: F401 - imported before timing: its import alone takes seconds

    from etfsim.check.vectorbt_leg import packed_columns, vectorbt_value, vectorbt_values
    from etfsim.contracts.calendars import business_days
    from etfsim.fund import FundConfig, simulate_fund, summarise_fund
    from etfsim.pipeline import load_strategy
    from etfsim.roll import restrict, roll_schedule
    from etfsim.scenario import load_scenario

    sc = load_scenario()
    grid = business_days(sc.contract.calendar, sc.start, "2045-12-31")
    sc = replace(sc, years=None, end=str(grid[args.dates - 1]))
    rule = load_strategy(Path(__file__).resolve().parents[1] / "strategies" / "gsci.toml").rule
    cfg = FundConfig(expense_ratio=0.0, commission=0.25, half_spread_ticks=0.5)
    (mc,) = list(sc.iter_chunks(paths=args.paths, chunk_size=args.paths, lazy_prices=True))
    curve, sched, slots = restrict(mc, roll_schedule(mc, rule))
    res = simulate_fund(curve, sched, cfg, slots=slots)  # compiles the ledger
    every = np.arange(res.start, curve.n_dates)
    summarise_fund(curve, sched, cfg, slots=slots, keep=every)
    vectorbt_values(res, curve.prices, np.arange(2))  # compiles vectorbt's kernels
    vectorbt_value(res, curve.prices, 0)
    base_mib = _peak_mib()

    def fastest(call):  # type: ignore[no-untyped-def]
        """The call's result and its fastest and slowest time over --repeat runs (this machine's speed moves)."""
        times, out = [], None
        for _ in range(args.repeat):
            out = None  # the last run's result freed first: one result in memory at a time, as a single run has
            t0 = time.perf_counter()
            out = call()
            times.append(time.perf_counter() - t0)
        return out, min(times), max(times)

    res, t_etf, slow_etf = fastest(lambda: simulate_fund(curve, sched, cfg, slots=slots))
    navps, t_sum, slow_sum = fastest(lambda: summarise_fund(curve, sched, cfg, slots=slots, keep=every).navps)
    (price, _, members), t_pack, _ = fastest(lambda: packed_columns(res, curve.prices))
    values, t_vbt, slow_vbt = fastest(lambda: vectorbt_values(res, curve.prices))
    nav = res.nav[:, res.start :]
    worst = float(np.max(np.abs(values / nav - 1)))
    worst_abs = float(np.max(np.abs(values - nav)))
    worst_sum = float(np.max(np.abs(values / (navps * cfg.initial_shares) - 1)))

    n, p, m = price.shape
    held = sum(len(c) for c in members)
    print(
        f"futures leg: {p:,} paths x {n:,} dates from inception, GSCI roll, {held} contracts held "
        f"in {m} columns a path ({p * m:,} vectorbt columns in one call)"
    )
    if kept:
        memory = "freed memory kept for reuse"
    elif args.keep_freed_memory:  # not glibc: etfsim._memory leaves the allocator as it is
        memory = "the allocator's defaults (not glibc: nothing kept)"
    else:
        memory = "glibc's defaults (large blocks mapped afresh)"
    print(f"fastest of {args.repeat} runs each (slowest in brackets), both engines with {memory}:")
    print(f"  etfsim simulate_fund, every path                 {t_etf:8.3f} s   ({slow_etf:.3f} s)")
    print(f"  etfsim summarise_fund, daily NAV per share only   {t_sum:8.3f} s   ({slow_sum:.3f} s)")
    print(
        f"  vectorbt from_orders + value(), one call          {t_vbt:8.3f} s   ({slow_vbt:.3f} s; "
        f"of which building the packed tables {t_pack:.3f} s)"
    )
    print(
        f"  vectorbt / etfsim: {t_vbt / t_etf:.1f}x (target >= 10x); vectorbt's call alone: "
        f"{(t_vbt - t_pack) / t_etf:.1f}x; against the daily NAV only: {t_vbt / t_sum:.1f}x"
    )
    print(
        f"  largest NAV difference: {worst:.1e} relative, {worst_abs:.1e} dollars "
        f"(daily NAV only: {worst_sum:.1e} relative)"
    )
    if args.per_path:
        k = min(args.per_path, p)
        t0 = time.perf_counter()
        for path in range(k):
            vectorbt_value(res, curve.prices, path)
        t_one = (time.perf_counter() - t0) / k
        print(
            f"  vectorbt once per path (a column per contract), {k} paths: {t_one:.3f} s a path, "
            f"{t_one * p:.1f} s for {p:,} ({t_one * p / t_etf:.0f}x etfsim)"
        )
    print(f"  peak RSS {_peak_mib():.0f} MiB (after compiling, before timing: {base_mib:.0f} MiB)")


if __name__ == "__main__":
    main()
