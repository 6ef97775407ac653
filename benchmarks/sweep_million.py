"""Benchmark: a sweep towards a million paths on a two-worker Dask cluster, per core against one process.

The sweep is ``etfsim sweep``'s: every built-in strategy (eight) on the
built-in scenario (the seven-leg compute market, ten years; ``--scenario
single-chip`` for the single-chip H100 scenario, or a scenario file),
``--paths`` paths each, chunks of ``--chunk`` paths, written chunk by chunk
into a Parquet sweep folder.  Figures:

1. one process, one thread: one chunk of each strategy through ``run_chunk``
   (after a warm-up that compiles and builds each strategy's pricing plan),
   before the cluster starts and again after it stopped (the machine's load
   moves: the load average is printed with each);
2. the sweep on a ``dask.distributed`` cluster: a fresh ``LocalCluster`` of
   ``--workers`` worker processes with one thread and ``--memory-limit`` each
   (Dask pauses a worker at 80% of it and restarts one past 95%), or the
   cluster at ``--scheduler``; the workers are warmed on a small sweep first;
3. the same command again on the same folder: a resumed sweep computes
   nothing that is already there (kill the benchmark with ``--out DIR`` and run
   it again to resume a half-done sweep).

Throughput is in path-years per second per core (a path of ten years counts
ten); the cluster's figure is divided by its worker threads.  With ``--paths``
below ``--target`` the time of the target sweep is extrapolated from the
measured one, and labelled so.  Target (issue #16): 1,000,000 paths
(8 strategies x 125,000) on two workers, memory bounded per worker.

    python benchmarks/sweep_million.py [--paths 5000] [--target 125000] [--chunk 500]
        [--scenario single-chip|FILE] [--workers 2] [--memory-limit 2GiB] [--out DIR]
        [--scheduler tcp://HOST:8786]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one_process(scenario, strategies, chunk: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds to run one chunk of each strategy, in this process on one thread."""
    from etfsim.sweep import ChunkSpec, run_chunk

    for st in strategies:  # compile, load numba's cache, build the pricing plans
        run_chunk(ChunkSpec(scenario, st, st.fund, st.demand, 0, 4))
    t0 = time.perf_counter()
    for st in strategies:
        run_chunk(ChunkSpec(scenario, st, st.fund, st.demand, 0, chunk))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=5000, help="paths per strategy in the measured sweep")
    ap.add_argument("--target", type=int, default=125_000, help="paths per strategy of the sweep extrapolated to")
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GiB", help="per worker of the LocalCluster")
    ap.add_argument("--out", type=Path, default=None, help="sweep folder, kept (default: a temporary one)")
    ap.add_argument("--scheduler", default=None, help="a running dask.distributed scheduler instead")
    ap.add_argument("--scenario", default=None, help="single-chip, or a scenario file (default: etfsim sweep's)")
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    from etfsim.pipeline import default_strategies
    from etfsim.scenario import load_scenario, read_scenario
    from etfsim.sweep import run_sweep

    if args.scenario == "single-chip":
        scenario = load_scenario()
    else:
        scenario = read_scenario(args.scenario) if args.scenario else read_scenario()
    years = float(scenario.years or 0.0)
    strategies = default_strategies()
    n_st = len(strategies)

    load0 = os.getloadavg()[0]
    t_one = one_process(scenario, strategies, args.chunk)
    one_rate = n_st * args.chunk * years / t_one
    one_mib = _peak_mib()
    load1 = os.getloadavg()[0]

    keep = args.out is not None
    folder = args.out if keep else Path(tempfile.mkdtemp(prefix="etfsim-million-"))
    warm = Path(tempfile.mkdtemp(prefix="etfsim-million-warm-"))
    cluster = None
    if args.scheduler is None:
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        )
    address = args.scheduler or cluster.scheduler_address  # type: ignore[union-attr]
    try:
        with Client(address) as client:
            cores = sum(client.nthreads().values())
            limits = {w["memory_limit"] for w in client.scheduler_info()["workers"].values()}
            # each worker imports etfsim, loads the kernels and builds each strategy's plan outside the timing
            run_sweep([scenario], strategies, 2 * cores, warm, chunk_size=1, scheduler=address)
            finished: list[float] = []
            t0 = time.perf_counter()
            result = run_sweep(
                [scenario],
                strategies,
                args.paths,
                folder,
                chunk_size=args.chunk,
                scheduler=address,
                progress=lambda done, total: finished.append(time.perf_counter()),
            )
            t_all = time.perf_counter() - t0
            t_run = (finished[-1] - t0) if finished else 0.0
            t1 = time.perf_counter()
            again = run_sweep([scenario], strategies, args.paths, folder, chunk_size=args.chunk, scheduler=address)
            t_again = time.perf_counter() - t1
            worker_mib = client.run(_peak_mib)
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(warm, ignore_errors=True)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    load2 = os.getloadavg()[0]
    t_after = one_process(scenario, strategies, args.chunk)
    after_rate = n_st * args.chunk * years / t_after
    load3 = os.getloadavg()[0]

    rows = len(result.rows)
    done_paths = n_st * args.paths
    print(
        f"sweep: {n_st} strategies x {args.paths:,} paths = {done_paths:,} paths of {years:g} years on "
        f"{scenario.name}, chunks of "
        f"{args.chunk}, {cores} worker thread(s) at {address if args.scheduler else 'a LocalCluster'}"
    )
    print(
        f"  one process, one thread: {n_st} x {args.chunk} paths in {t_one:.2f} s = {one_rate:,.0f} path-years/s "
        f"per core before the cluster (peak RSS {one_mib:.0f} MiB), {after_rate:,.0f} after it"
    )
    print(
        f"  load average (1 min): {load0:.1f} before, {load1:.1f} at the cluster's start, {load2:.1f} at its end, {load3:.1f} after"
    )
    if result.computed:
        rate = done_paths * years / t_run / cores
        print(
            f"  cluster: {result.computed} chunks computed ({result.skipped} already there) in {t_run:.1f} s, "
            f"{t_all - t_run:.1f} s more to read {rows:,} rows back = {rate:,.0f} path-years/s per core "
            f"({rate / one_rate:.2f}x the one-process figure before, {rate / after_rate:.2f}x after)"
        )
        total = n_st * args.target
        if args.target != args.paths:
            est = total * years / (rate * cores)
            print(
                f"  EXTRAPOLATED, not run: {n_st} x {args.target:,} = {total:,} paths would take about "
                f"{est / 60:.0f} min on these {cores} cores at the measured rate"
            )
    else:
        print(f"  cluster: nothing to compute, {result.skipped} chunks already in {folder}")
    same = again.rows.drop(columns="monthly_nav").equals(result.rows.drop(columns="monthly_nav"))
    print(
        f"  run again on the same folder: {again.computed} chunks computed, {again.skipped} skipped, "
        f"{t_again:.1f} s; rows identical: {same}"
    )
    mibs = ", ".join(f"{m:.0f}" for m in worker_mib.values())
    lim = ", ".join(f"{m / 2**30:.2f} GiB" for m in limits if m)
    print(f"  peak RSS per worker: {mibs} MiB (limit {lim or 'none'}); this process {_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
