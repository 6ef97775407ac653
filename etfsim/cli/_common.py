"""Shared command-line plumbing: consoles, error mapping, progress bars."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from etfsim.exceptions import ConfigError, EtfsimError

F = TypeVar("F", bound=Callable[..., Any])


def _width() -> int | None:
    """Wide tables in pipes and CI logs (rich would squeeze them to 80 columns); a terminal's own width."""
    if "COLUMNS" in os.environ or sys.stdout.isatty():
        return None
    return 200


console = Console(width=_width())
err_console = Console(stderr=True)

EXIT_BAD_INPUT = 2


def handles_errors(func: F) -> F:
    """Turn an EtfsimError into one line on stderr and exit status 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EtfsimError as exc:
            # escape: messages name TOML sections such as [simulation], which rich would eat as markup
            err_console.print(f"[bold red]etfsim: error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


REPORTS = Path("reports")
"""Where ``etfsim run`` writes a scenario's folder by default (``reports/<scenario>``)."""


def report_folder(name: str) -> Path:
    """``reports/<name>``, refusing a scenario name that would leave ``reports/`` (``../escaped``, ``/tmp/x``).

    The name comes from the scenario file, so it must be one folder name:
    no separators, no ``..``, nothing absolute.
    """
    text = str(name)
    bad = (
        not text.strip()
        or text in (".", "..")
        or any(sep in text for sep in ("/", "\\", os.sep))
        or (os.altsep is not None and os.altsep in text)
        or "\x00" in text
    )
    if bad:
        raise ConfigError(
            f"scenario name {text!r} cannot name a folder inside {REPORTS}/ (it has a path separator or is "
            "'.' or '..'); give [scenario] name as one word such as compute_h100, or choose the folder with --out-dir"
        )
    return REPORTS / text


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar; yields a ``progress(done, total)`` callback for library calls."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        # a transient bar on a pipe or log file would leave only a stray blank line on stderr
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total_: int) -> None:
            bar.update(task, completed=done, total=total_)

        yield update


StrategiesOption = Annotated[
    Optional[Path],
    typer.Option(
        "--strategies",
        envvar="ETFSIM_STRATEGIES",
        help="Folder of strategy TOML files that add to the built-in strategies, or override one of the same name.",
    ),
]
"""The ``--strategies DIR`` option of every command that reads strategies by name."""


def fitted_tables(
    title: str, key: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> list[Table]:
    """One rich table, or several side by side in order, so that no cell is cut at the terminal's width.

    A terminal of 80 columns cannot show ten figures a row; rich would cut
    each to ``-13.1…``.  The columns are split into groups that fit (each
    repeating the ``key`` column, the strategy's name), a group's headers
    wrapping at spaces, every figure whole.

    Parameters
    ----------
    title : str
        The first table's title (the others say "(continued)").
    key : str
        The header of the first column, repeated in every group.
    headers, rows : sequences
        The other columns' headers, and each row's cells as text (its key first).
    width : int, optional
        The width to fit (default: the console's).
    """
    limit = int(width or console.width) - 2  # rich's outer border and a margin
    # a column needs its longest cell or its header's longest word, plus border and padding (3) and a
    # character rich may keep on a wrapped header line ("return /")
    need = [
        max([max((len(w) for w in header.split()), default=1)] + [len(r[i + 1]) for r in rows]) + 4
        for i, header in enumerate(headers)
    ]
    key_need = max([len(key)] + [len(r[0]) for r in rows]) + 4
    groups: list[list[int]] = [[]]
    used = key_need
    for i, n in enumerate(need):
        if groups[-1] and used + n > limit:
            groups.append([])
            used = key_need
        groups[-1].append(i)
        used += n
    tables = []
    for g, cols in enumerate(groups):
        t = Table(title=title if g == 0 else f"{title} (continued)")
        t.add_column(key, no_wrap=True)
        for i in cols:
            t.add_column(headers[i], justify="right", no_wrap=False, min_width=need[i] - 4)
        for r in rows:
            t.add_row(r[0], *(r[i + 1] for i in cols))
        tables.append(t)
    return tables
