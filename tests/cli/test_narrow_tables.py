"""The command line's tables at 80 columns: split into groups that fit, every figure whole (no "…")."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from etfsim.cli._common import fitted_tables

HEADS = ["ER return / yr", "TR return / yr", "ER volatility", "max drawdown (ER)", "term structure / yr",
         "spot / yr", "roll trades", "days in contango", "NAV return / yr", "tracking error"]  # fmt: skip
ROWS = [
    [name, "-13.15%", "-13.15%", "32.53%", "-81.21%", "+7.90%", "-20.26%", "381", "72.42%", "-4.09%", "0.13%"]
    for name in ("compute_default", "vix_constant_maturity", "gsci")
]


def _render(tables: list, width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for t in tables:
        console.print(t)
    return out.getvalue()


@pytest.mark.parametrize("width", [60, 80, 100])
def test_every_cell_is_whole_and_every_line_fits(width: int) -> None:
    tables = fitted_tables("backtest", "strategy", HEADS, ROWS, width=width)
    text = _render(tables, width)
    assert "\u2026" not in text  # rich's ellipsis: a cut cell
    assert max(len(line) for line in text.splitlines()) <= width
    for row in ROWS:
        for cell in row:
            assert cell in text
    assert sum(len(t.columns) - 1 for t in tables) == len(HEADS)  # each figure once, the key in every part
    assert len(tables) > 1


def test_a_wide_terminal_keeps_one_table() -> None:
    tables = fitted_tables("backtest", "strategy", HEADS, ROWS, width=200)
    assert len(tables) == 1 and len(tables[0].columns) == len(HEADS) + 1
