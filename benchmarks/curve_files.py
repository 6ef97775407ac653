"""Benchmark: how big a curve file is, stored three ways, and what float32 does to a back-test.

Simulates the default compute market's holding once (``--paths`` paths,
default 100), writes it as float64 (today's layout), float64 byte-split and
float32 (byte-split), and prints each file's size.  Then it back-tests three
strategies with a fund (T-bills at 4%) on the float64 and the float32 file
and prints the largest per-path difference of the index and fund figures,
once with whole contracts (the default) and once with fractional ones: a
price rounded by 6e-8 can move a whole-contract count by one, which the
fractional fund does not have.

    python benchmarks/curve_files.py [--paths 100] [--out-dir /tmp/curve_files]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import etfsim
from etfsim.curves.curve import read_curve
from etfsim.curves.io import write_curve_chunks
from etfsim.scenario import read_scenario

LAYOUTS = {
    "float64": ("float64", "plain"),
    "float64 byte-split": ("float64", "byte-split"),
    "float32": ("float32", None),
}
FIGURES = ("er_return", "tr_return", "term_structure", "nav_return", "tracking_difference")


def _write(paths: int, folder: Path) -> dict[str, Path]:
    scenario = read_scenario(None)
    files = {}
    for name, (precision, encoding) in LAYOUTS.items():
        target = folder / f"curve_{name.replace(' ', '_')}.parquet"
        chunks = scenario.iter_chunks(paths=paths, chunk_size=500)
        files[name] = write_curve_chunks(chunks, target, n_paths=paths, precision=precision, encoding=encoding)
        print(f"{name:20s} {target.stat().st_size / 1e6:8.1f} MB")
    return files


def _compare(wide: Path, compact: Path) -> None:
    a, b = read_curve(wide), read_curve(compact)
    ok = np.isfinite(a.prices) & (a.prices != 0)
    print(f"prices: largest relative rounding {np.max(np.abs(b.prices[ok] / a.prices[ok] - 1)):.3g}")
    for fractional in (False, True):
        fund = etfsim.FundConfig(collateral_rate=0.04, fractional_contracts=fractional)
        print(f"-- {'fractional' if fractional else 'whole'} contracts")
        for rule in ("front_month", "gsci", "compute_default"):
            ra, rb = etfsim.run_strategy(a, rule, fund=fund), etfsim.run_strategy(b, rule, fund=fund)
            diffs = ", ".join(
                f"{col} {np.nanmean(ra.stats[col]):+.6%} ({np.nanmax(np.abs(ra.stats[col] - rb.stats[col])):.2g})"
                for col in FIGURES
            )
            nav_a, nav_b = np.asarray(ra.fund.nav_per_share), np.asarray(rb.fund.nav_per_share)
            print(f"{rule:16s} mean a year (largest path difference): {diffs}")
            print(
                f"{'':16s} NAV per share, largest relative difference on any path and date {np.nanmax(np.abs(nav_b / nav_a - 1)):.2g}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100)
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.out_dir or Path(tempfile.mkdtemp(prefix="curve_files_"))
    files = _write(args.paths, folder)
    _compare(files["float64"], files["float32"])


if __name__ == "__main__":
    main()
