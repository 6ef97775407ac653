"""Sweeps: strategies x scenarios x paths, chunk by chunk, on Dask, into a resumable Parquet dataset.

Layout of a sweep folder::

    sweep.json                                     the settings (refused if a restart differs)
    scenario=<name>/rule=<strategy>/chunk-0000000.parquet   one file per chunk of paths

Each chunk file is written to a hidden temporary name and renamed when
complete, so a sweep killed at any moment leaves only whole files; started
again on the same folder it skips the chunks that exist, recomputes none of
them and duplicates none.  Every path draws from its own child of the seed, so
results do not depend on which worker ran which chunk, or in which order.

Dask runs the chunks: in-process threads by default (the numba kernels release
the GIL), or a ``dask.distributed`` cluster when given a scheduler address.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._io import atomic_path
from etfsim._results import Result
from etfsim.curves.market import Market
from etfsim.exceptions import ConfigError, DataError
from etfsim.pipeline import Strategy, resolve_strategy
from etfsim.pipeline.run import study_memory
from etfsim.scenario import Scenario, read_scenario
from etfsim.sweep.folder import SWEEP_FORMAT, check_chunk, check_scheduler, check_sweep_size, chunk_meta, read_settings
from etfsim.sweep.montecarlo import CHUNK_COLUMNS, ChunkSpec, run_chunk

if TYPE_CHECKING:
    from dask.delayed import Delayed
    from matplotlib.axes import Axes

__all__ = ["SWEEP_FORMAT", "SweepResult", "read_sweep", "run_sweep", "summarise"]


def _chunk_file(out: Path, scenario: str, strategy: str, first: int) -> Path:
    return out / f"scenario={scenario}" / f"rule={strategy}" / f"chunk-{first:07d}.parquet"


def _write_chunk(spec: ChunkSpec, target: str) -> str:
    """Run one chunk and write it atomically (the unit of work a Dask task runs)."""
    frame = run_chunk(spec)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {
        "format": SWEEP_FORMAT,
        "scenario": spec.scenario.name,
        "strategy": spec.strategy.name,
        "first_path": spec.first,
        "paths": spec.count,
        "seed": spec.scenario.seed,
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"etfsim": json.dumps(meta).encode()})
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return target


class SweepResult(Result):
    """The sweep's per-path rows and where they came from.

    ``rows`` holds one row per scenario, strategy and path (the figures of
    ``CHUNK_COLUMNS`` and ``monthly_nav``, the month-end NAV per share, or the
    index's total-return level where the strategy runs no fund).
    """

    folder: Path
    rows: pd.DataFrame
    computed: int
    skipped: int

    def _repr_facts(self) -> dict[str, object]:
        groups = self.rows.groupby(["scenario", "strategy"]).ngroups if len(self.rows) else 0
        return {"folder": str(self.folder), "rows": len(self.rows), "runs": groups, "computed": self.computed}

    def table(self) -> pd.DataFrame:
        """Mean and 5-95% range per scenario and strategy of the headline figures (see :func:`summarise`)."""
        return summarise(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """The per-path rows."""
        return self.rows

    def _repr_frame(self) -> pd.DataFrame:
        return self.table()

    def summary(self) -> str:
        """One line per scenario and strategy: paths, index and NAV return / yr (mean, 5-95%)."""
        lines = [
            f"SweepResult: {len(self.rows):,} path rows in {self.folder} "
            f"({self.computed} chunk(s) computed, {self.skipped} already there)"
        ]

        def pct(v: float) -> str:
            return "n/a" if not np.isfinite(v) else f"{v:+.2%}"

        for _, r in self.table().iterrows():
            lines.append(
                f"  {r['scenario']} / {r['strategy']}: {r['paths']:,} paths, ER / yr {pct(r['er_return'])} "
                f"({pct(r['er_return_p5'])} to {pct(r['er_return_p95'])}), NAV / yr {pct(r['nav_return'])}"
            )
        return "\n".join(lines)

    def fan(self, scenario: str | None = None, strategy: str | None = None) -> pd.DataFrame:
        """Percentiles across paths (``p5 .. p95``) of the month-end NAV per share, by month (1 = the first).

        ``scenario`` and ``strategy`` may be left out when the sweep has only one.

        Raises
        ------
        DataError
            If the sweep has no rows, or the choice is ambiguous or unknown.
        """
        rows = self.rows
        if not len(rows):
            raise DataError(f"the sweep in {self.folder} has no finished chunks yet")
        for column, chosen in (("scenario", scenario), ("strategy", strategy)):
            known = sorted(rows[column].unique())
            if chosen is None and len(known) > 1:
                raise DataError(f"the sweep has several of {column}: choose one with {column}= from {known}")
            if chosen is not None and chosen not in known:
                raise DataError(f"{column} {chosen!r} is not in the sweep; it has {known}")
            rows = rows[rows[column] == (known[0] if chosen is None else chosen)]
        values = np.vstack([np.asarray(v, dtype=float) for v in rows["monthly_nav"]])
        pct = (5, 25, 50, 75, 95)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a month where every path is NaN stays NaN
            fan = np.nanpercentile(values, pct, axis=0)
        months = pd.RangeIndex(1, values.shape[1] + 1, name="month")
        return pd.DataFrame({f"p{q}": fan[i] for i, q in enumerate(pct)}, index=months)

    def plot(self, ax: Axes | None = None, scenario: str | None = None, strategy: str | None = None) -> Axes:
        """Fan of the month-end NAV per share across paths (5-95% and 25-75% bands, median), by month.

        The sweep keeps month-end values, not dates, so the x axis counts months
        from the start.  Returns the matplotlib Axes (a new figure's when ``ax``
        is None); the median line's y-data is ``fan()["p50"]``.
        """
        from etfsim._charts import draw_fan, new_axes, title_above_legend

        fan = self.fan(scenario, strategy)
        ax = new_axes() if ax is None else ax
        first = float(fan["p50"].iloc[0])
        draw_fan(ax, fan.index.to_numpy(), fan, first, money=False)
        ax.set_xlabel("month")
        ax.set_ylabel("month-end NAV per share")
        sc = scenario or str(self.rows["scenario"].iloc[0])
        st = strategy or str(self.rows["strategy"].iloc[0])
        n = int(((self.rows["scenario"] == sc) & (self.rows["strategy"] == st)).sum())
        title_above_legend(ax, f"{sc} / {st}: month-end NAV per share across {n:,} paths")
        return ax


def _settings(
    scenarios: Sequence[Scenario | Market], strategies: Sequence[Any], paths: int, chunk: int, fund: Any, demand: Any
) -> dict[str, Any]:
    return {
        "format": SWEEP_FORMAT,
        "paths": paths,
        "chunk_size": chunk,
        "scenarios": {
            s.name: {
                "seed": s.seed,
                "source": s.source,
                "model": repr(s.model) if isinstance(s, Scenario) else repr(s.to_dict()),
                "start": s.start,
                "years": s.years,
                "end": s.end,
            }
            for s in scenarios
        },
        "strategies": {s.name: repr(s.rule) for s in strategies},
        "fund": repr(fund),
        "demand": repr(demand),
    }


def run_sweep(
    scenarios: Sequence[Scenario | Market | str | os.PathLike[str]],
    strategies: Sequence[Strategy | str | os.PathLike[str]],
    paths: int,
    out: str | Path,
    chunk_size: int = 500,
    fund: Any = None,
    demand: Any = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every strategy on every scenario for ``paths`` paths, writing one Parquet file per chunk.

    Parameters
    ----------
    scenarios, strategies : sequences
        :class:`~etfsim.scenario.Scenario` objects or scenario files, and
        :class:`~etfsim.pipeline.Strategy` objects, strategy names or files
        (names must be distinct).
    paths : int
        Paths per scenario.
    out : path
        Sweep folder; an existing one with the same settings is resumed.
    chunk_size : int
        Paths per chunk (the unit of work and of memory).
    fund, demand :
        Fund terms and investor demand for every strategy; ``None`` uses each
        strategy file's own ``[fund]`` (index figures only when it has none).
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler; default: in-process threads.
    progress : callable, optional
        ``progress(done, total)`` as chunks finish.
    """
    from dask.delayed import delayed

    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 1:
        raise ConfigError(f"paths must be a positive whole number, got {paths!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ConfigError(f"chunk_size must be a positive whole number, got {chunk_size!r}")
    scs = [sc if isinstance(sc, (Scenario, Market)) else read_scenario(sc) for sc in scenarios]
    strats = [resolve_strategy(st) for st in strategies]
    for kind, items in (("scenario", scs), ("strategy", strats)):
        names = [x.name for x in items]
        if not names or len(set(names)) != len(names):
            raise ConfigError(f"give at least one {kind}, with distinct names; got {names}")
    folder = Path(out)
    check_scheduler(scheduler)
    for stale in folder.glob("scenario=*/rule=*/.chunk-*.tmp"):
        stale.unlink(missing_ok=True)  # a chunk a killed run was writing: never read, redone below
    settings = json.loads(json.dumps(_settings(scs, strats, int(paths), int(chunk_size), fund, demand)))
    manifest = folder / "sweep.json"
    if manifest.exists() and read_settings(manifest) != settings:
        raise ConfigError(
            f"{folder} holds a sweep with other settings; resume it with the same ones or use a new folder"
        )
    # sized as if nothing were done yet (cheap; a resumed sweep was sized when it started)
    memory = max(study_memory(sc, int(chunk_size), 1) - study_memory(sc, 0, 1) for sc in scs)
    check_sweep_size(folder, len(scs) * len(strats), int(paths), int(chunk_size), memory, not scheduler)
    todo, skipped = _plan(folder, scs, strats, int(paths), int(chunk_size), fund, demand)

    def start() -> None:
        """Write the settings once the chunks can run (a scheduler that cannot be reached leaves none)."""
        if not manifest.exists():
            with atomic_path(manifest) as tmp:
                tmp.write_text(json.dumps(settings, indent=2))

    total = len(todo)
    if todo:
        tasks = [delayed(_write_chunk, pure=False)(spec, target) for spec, target in todo]
        if scheduler:
            _run_distributed(tasks, scheduler, progress, total, start)
        else:
            start()
            _run_local(tasks, progress, total)
    else:
        start()
    return SweepResult(folder, read_sweep(folder), total, skipped)


def _plan(
    folder: Path, scs: list[Scenario | Market], strats: list[Strategy], paths: int, chunk: int, fund: Any, demand: Any
) -> tuple[list[tuple[ChunkSpec, str]], int]:
    """The chunks still to run, and how many are there already (each checked: readable, these paths, this seed)."""
    todo: list[tuple[ChunkSpec, str]] = []
    skipped = 0
    for sc in scs:
        for st in strats:
            terms = fund if fund is not None else st.fund
            flows = demand if fund is not None else st.demand
            for first in range(0, paths, chunk):
                target = _chunk_file(folder, sc.name, st.name, first)
                count = min(chunk, paths - first)
                if target.exists():
                    check_chunk(target, sc.name, st.name, first, count, sc.seed)
                    skipped += 1
                    continue
                todo.append((ChunkSpec(sc, st, terms, flows, first, count), str(target)))
    return todo, skipped


def _run_local(tasks: list[Delayed], progress: Callable[[int, int], None] | None, total: int) -> None:
    from dask.base import compute
    from dask.callbacks import Callback

    class _Count(Callback):
        done = 0

        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, id: Any) -> None:  # noqa: A002
            if isinstance(result, str) and result.endswith(".parquet"):
                _Count.done += 1
                if progress is not None:
                    progress(_Count.done, total)

    # dask's Callback and compute, and distributed's Client and as_completed, are unannotated
    with _Count():  # type: ignore[no-untyped-call]
        compute(*tasks, scheduler="threads")  # type: ignore[no-untyped-call]


def _run_distributed(
    tasks: list[Delayed],
    address: str,
    progress: Callable[[int, int], None] | None,
    total: int,
    start: Callable[[], None],
) -> None:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: {exc}; start one or drop --scheduler"
        ) from exc
    with client:
        start()
        futures = client.compute(tasks)  # type: ignore[no-untyped-call]
        for i, fut in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            fut.result()  # re-raise a task's error here
            if progress is not None:
                progress(i, total)


def read_sweep(folder: str | Path) -> pd.DataFrame:
    """All finished chunks of a sweep folder as one table (``scenario, strategy`` and the per-path columns).

    Raises
    ------
    DataError
        If a chunk file is not an etfsim sweep chunk, or two chunks hold the same path.
    """
    root = Path(folder)
    frames = []
    for f in sorted(root.glob("scenario=*/rule=*/chunk-*.parquet")):
        meta = chunk_meta(f)
        try:
            frame = pq.read_table(f).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise DataError(
                f"{f} is not a whole chunk ({exc}); delete it and run the same sweep again to recompute it"
            ) from exc
        frame.insert(0, "strategy", meta["strategy"])
        frame.insert(0, "scenario", meta["scenario"])
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["scenario", "strategy", *CHUNK_COLUMNS, "monthly_nav"])
    rows = pd.concat(frames, ignore_index=True).sort_values(["scenario", "strategy", "path"], kind="stable")
    dup = rows.duplicated(["scenario", "strategy", "path"])
    if dup.any():
        r = rows[dup].iloc[0]
        raise DataError(f"path {r['path']} of {r['scenario']}/{r['strategy']} appears in two chunks of {root}")
    return rows.reset_index(drop=True)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean and 5-95% range per scenario and strategy of the headline figures."""
    cols = [
        "er_return",
        "tr_return",
        "term_structure",
        "nav_return",
        "tracking_difference",
        "costs_per_year",
        "halted_days",
    ]
    out = []
    for (sc, st), g in rows.groupby(["scenario", "strategy"], sort=True):
        rec: dict[str, Any] = {"scenario": sc, "strategy": st, "paths": len(g)}
        for c in cols:
            v = g[c].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            rec[c] = float(v.mean()) if v.size else np.nan
            rec[f"{c}_p5"], rec[f"{c}_p95"] = np.percentile(v, [5, 95]) if v.size else (np.nan, np.nan)
        out.append(rec)
    return pd.DataFrame(out)
