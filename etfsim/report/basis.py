"""Basis between index families: the same fund on two indices of one market, path by path.

A compute ETF can track a per-chip index built from listed rental prices (one
GPU model at the venues' posted rates) or a composite of transacted prices
across chips.  Run on the same simulated paths, the two funds differ only by
the index family, so the difference of their returns path by path is the
*basis* a designer takes on by choosing one family over the other.  Its mean
says which family paid more on average; its spread (percentiles, standard
deviation) says how far apart the two can end, which matters more to an
investor who holds one and hedges with the other.

The study supplies a ``basis`` table (columns :data:`BASIS_COLUMNS`, one row a
path and pair of families); :func:`basis_table` reduces one pair, and the rule
comparison sheet shows every pair when the table is there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError

__all__ = [
    "BASIS_COLUMNS",
    "BASIS_PERCENTILES",
    "SUMMARY_COLUMNS",
    "basis_differences",
    "basis_summary",
    "basis_table",
    "check_basis",
]

BASIS_COLUMNS = ("path", "label_a", "label_b", "return_a", "return_b")
"""Columns of a study's ``basis`` table: the path, the two families' names and the fund's return per year on each."""

BASIS_PERCENTILES = (5, 25, 50, 75, 95)
"""Percentiles across paths of the difference that :func:`basis_table` gives."""

SUMMARY_COLUMNS = (
    "label_a",
    "label_b",
    "paths",
    "mean_a",
    "mean_b",
    "mean",
    "std",
    *(f"p{p}" for p in BASIS_PERCENTILES),
)
"""Columns of :func:`basis_table` and :func:`basis_summary`."""


def check_basis(frame: object) -> pd.DataFrame:
    """``frame`` as a basis table, or a :class:`DataError` naming what is wrong with it."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            f"basis must be a DataFrame with columns {', '.join(BASIS_COLUMNS)}, got {type(frame).__name__}"
        )
    missing = [c for c in BASIS_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"basis lacks column(s) {', '.join(missing)}; give one row per path and pair of index families "
            f"with columns {', '.join(BASIS_COLUMNS)}"
        )
    for col in ("return_a", "return_b"):
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            raise DataError(f"basis column {col} must hold returns per year as numbers, got dtype {frame[col].dtype}")
    pairs = frame.groupby(["label_a", "label_b"], sort=False)["path"]
    if (pairs.nunique() != pairs.size()).any():
        raise DataError("basis has a path twice for one pair of index families; give each path once per pair")
    return frame


def basis_table(returns_a: pd.Series, returns_b: pd.Series, label_a: str, label_b: str) -> pd.DataFrame:
    """The basis between two index families: the spread across paths of the fund's return on A minus on B.

    Parameters
    ----------
    returns_a, returns_b : Series
        The same fund's return per year on each path (indexed by path), on
        index family A and on index family B.
    label_a, label_b : str
        The families' names, e.g. ``"H100 listed"`` and ``"transacted composite"``.

    Returns
    -------
    DataFrame
        One row, indexed ``"A - B"``: ``label_a``, ``label_b``, ``paths``
        (those with both returns), ``mean_a``, ``mean_b``, and of the
        difference ``mean``, ``std`` and ``p5`` ... ``p95``.

    Raises
    ------
    DataError
        If the two series share no path with both returns.

    Notes
    -----
    The difference on path *i* is :math:`d_i = R^A_i - R^B_i`; ``std`` is its
    sample standard deviation (ddof 1) and the percentiles interpolate
    linearly (numpy's default).  Paths missing either return are left out.
    """
    a = pd.Series(returns_a, dtype=float)
    b = pd.Series(returns_b, dtype=float)
    both = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    if both.empty:
        raise DataError(
            f"returns of {label_a!r} and {label_b!r} share no path with both returns; index both series by path"
        )
    d = (both["a"] - both["b"]).to_numpy()
    row: dict[str, object] = {
        "label_a": label_a,
        "label_b": label_b,
        "paths": len(d),
        "mean_a": float(both["a"].mean()),
        "mean_b": float(both["b"].mean()),
        "mean": float(d.mean()),
        "std": float(d.std(ddof=1)) if len(d) > 1 else float("nan"),
    }
    row.update({f"p{p}": float(np.percentile(d, p)) for p in BASIS_PERCENTILES})
    return pd.DataFrame([row], index=pd.Index([f"{label_a} - {label_b}"], name="pair"))


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """Each pair of families in a basis table, in the order they first appear: (label A, label B, its rows)."""
    out = []
    for key, part in check_basis(frame).groupby(["label_a", "label_b"], sort=False):
        label_a, label_b = key  # grouping by two columns gives a pair of labels
        out.append((str(label_a), str(label_b), part))
    return out


def basis_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`basis_table` for every pair of families in a study's ``basis`` table, one row a pair."""
    rows = []
    for label_a, label_b, part in _pairs(frame):
        paths = part["path"].to_numpy()
        rows.append(
            basis_table(
                pd.Series(part["return_a"].to_numpy(dtype=float), index=paths),
                pd.Series(part["return_b"].to_numpy(dtype=float), index=paths),
                label_a,
                label_b,
            )
        )
    if not rows:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS), index=pd.Index([], name="pair"))
    return pd.concat(rows)


def basis_differences(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each pair's differences ``return_a - return_b`` across paths (finite ones), keyed ``"A - B"``."""
    out = {}
    for label_a, label_b, part in _pairs(frame):
        d = part["return_a"].to_numpy(dtype=float) - part["return_b"].to_numpy(dtype=float)
        out[f"{label_a} - {label_b}"] = d[np.isfinite(d)]
    return out
