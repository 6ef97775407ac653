"""The data behind a fact sheet: one folder of Parquet files, tagged with a format version.

``etfsim run`` writes the folder; ``etfsim report`` reads it back and renders
the sheets again without simulating anything.  ``study.parquet`` is the
manifest: one row per table (file, rows, what it holds) and, in its metadata,
the facts of the study (scenario, contract, strategies, fund terms, dates) and
the result format.  Every table carries the same format tag, so a folder
written by another version of etfsim is refused with one clear line instead
of rendering wrong numbers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._results import Result
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import DataError, FileFormatError
from etfsim.report.basis import check_basis
from etfsim.report.facts import StudyFacts

__all__ = [
    "FILES_MANIFEST",
    "OPTIONAL_TABLES",
    "RESULT_FORMAT",
    "TABLES",
    "StudyResults",
    "check_files",
    "listed_files",
    "load_results",
    "write_files",
]

RESULT_FORMAT = "etfsim.result/1"
"""Version of the result folder's layout; bump it when a table or column changes meaning."""

_TAG = b"etfsim.result"
_MANIFEST = "study.parquet"

TABLES: dict[str, tuple[str, str]] = {
    "indices": ("indices_headline.parquet", "each strategy's ER, TR and spot index on the headline path"),
    "strategy_stats": ("strategy_stats.parquet", "each strategy's index statistics on every path"),
    "fund": ("fund_headline.parquet", "the headline fund's daily ledger on the headline path"),
    "holdings": (
        "holdings.parquet",
        "contracts held by the headline fund after each close (the sheet: the report date)",
    ),
    "roll_calendar": ("roll_calendar.parquet", "the headline rule's next roll windows"),
    "premium_discount": ("premium_discount.parquet", "days at a premium or discount per quarter (headline path)"),
    "fund_paths": ("fund_paths.parquet", "the headline fund's statistics on every path"),
    "nav_fan": ("nav_fan.parquet", "percentiles across paths of the growth of 10,000 by date"),
    "rule_funds": ("rule_funds.parquet", "every strategy run as a fund with the headline terms, on every path"),
    "comparison": ("comparison.parquet", "the futures ETF against the stock-ETF twin"),
}
"""Table name -> (file name, what it holds)."""

OPTIONAL_TABLES: dict[str, tuple[str, str]] = {
    "basis": ("basis.parquet", "the headline fund's return per year on two index families, path by path"),
    "structures": (
        "structures.parquet",
        "the headline fund in each structure (2x, -1x, swaps, '40 Act, perpetual), on the twin's paths",
    ),
}
"""Tables a study may leave out (``None``); a folder holds them when its manifest lists them.

A folder written before one of them existed has none, and loads with ``None`` there.
"""

CURVE_FILE = "curve_headline.parquet"

FILES_MANIFEST = "files.json"
"""Written last into a report folder: every file of the run with its SHA-256, so a mixture of two runs is refused."""

_FILES_FORMAT = "etfsim.files/1"


class StudyResults(Result):
    """Everything a fact sheet and the rule comparison show, as plain tables.

    Attributes
    ----------
    facts : StudyFacts
        What the study ran: the scenario, the contract, the headline strategy,
        the fund and demand terms, every strategy, inception and report dates,
        the headline path and the path counts (see :mod:`etfsim.report.facts`).
    curve : FuturesCurve
        The headline path of the curve (for the curve snapshot).
    indices, strategy_stats, fund, holdings, roll_calendar, premium_discount,
    fund_paths, nav_fan, rule_funds, comparison : DataFrame
        See :data:`TABLES`.
    basis : DataFrame or None
        The same fund on two index families, path by path (columns
        :data:`etfsim.report.basis.BASIS_COLUMNS`); ``None`` when the study ran
        one family.  The rule comparison shows it when it is there.
    structures : DataFrame or None
        The headline fund in each structure, means across the stock twin's
        paths (``structure`` and :data:`etfsim.fund.structure_compare.STRUCTURE_COLUMNS`);
        ``None`` in a folder written before it existed.
    """

    facts: StudyFacts
    curve: FuturesCurve
    indices: pd.DataFrame
    strategy_stats: pd.DataFrame
    fund: pd.DataFrame
    holdings: pd.DataFrame
    roll_calendar: pd.DataFrame
    premium_discount: pd.DataFrame
    fund_paths: pd.DataFrame
    nav_fan: pd.DataFrame
    rule_funds: pd.DataFrame
    comparison: pd.DataFrame
    basis: pd.DataFrame | None = None
    structures: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.basis is not None:
            check_basis(self.basis)

    def _tables(self) -> dict[str, tuple[str, str]]:
        """Every table this result holds: the required ones and the optional ones it has."""
        extra = {n: v for n, v in OPTIONAL_TABLES.items() if getattr(self, n) is not None}
        return {**TABLES, **extra}

    def _repr_facts(self) -> dict[str, object]:
        f = self.facts
        return {
            "scenario": f.scenario.name,
            "headline": f.headline.name,
            "paths": f.paths,
            "strategies": len(f.strategies),
            "as_of": f.as_of,
        }

    def summary(self) -> str:
        """What the study ran and the tables it holds (rows, what each one is)."""
        f = self.facts
        lines = [
            f"StudyResults: scenario {f.scenario.name}, headline {f.headline.name}, {f.paths} paths, "
            f"{f.inception} to {f.as_of}",
            f"  strategies: {', '.join(f.names)}",
        ]
        frame = self.to_frame()
        width = int(frame["table"].str.len().max())
        lines += [f"  {r.table:<{width}} {r.rows:>7,} rows  {r.what}" for r in frame.itertuples()]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The manifest: one row per table (``table, file, rows, what``), as ``study.parquet`` stores it."""
        tables = self._tables()
        return pd.DataFrame(
            {
                "table": [*tables, "curve"],
                "file": [f for f, _w in tables.values()] + [CURVE_FILE],
                "rows": [len(getattr(self, n)) for n in tables] + [self.curve.n_dates],
                "what": [w for _f, w in tables.values()] + ["the futures curve on the headline path"],
            }
        )

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write every table into ``folder`` (which must exist); returns the paths written.

        Callers that need all-or-nothing output write into a staging folder
        (see :func:`etfsim.report.render.write_report`).
        """
        folder = Path(folder)
        tag = json.dumps({"format": RESULT_FORMAT}).encode()
        written = []
        strategies = {s.name: s.description for s in self.facts.strategies}
        for name, (file, _what) in self._tables().items():
            frame: pd.DataFrame = getattr(self, name)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = {**(table.schema.metadata or {}), _TAG: tag}
            if name in ("indices", "strategy_stats"):
                meta[b"etfsim"] = json.dumps(strategies).encode()  # as BacktestResult writes them
            pq.write_table(table.replace_schema_metadata(meta), folder / file, compression="zstd")
            written.append(folder / file)
        self.curve.to_parquet(str(folder / CURVE_FILE))
        written.append(folder / CURVE_FILE)
        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        facts = json.dumps({"format": RESULT_FORMAT, "facts": self.facts.to_dict()}, default=str).encode()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _TAG: facts})
        pq.write_table(table, folder / _MANIFEST)
        written.append(folder / _MANIFEST)
        written.append(write_files(folder, [p.name for p in written]))
        return written


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_files(folder: str | os.PathLike[str], names: list[str]) -> Path:
    """Write ``files.json`` into ``folder``: each named file's size and SHA-256 (atomically, as the last file).

    A folder whose files are replaced one by one is whole again only once
    this is written; :func:`check_files` refuses it before.
    """
    from etfsim._io import atomic_path

    root = Path(folder)
    files = {n: {"sha256": _sha256(root / n), "bytes": (root / n).stat().st_size} for n in sorted(set(names))}
    target = root / FILES_MANIFEST
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps({"format": _FILES_FORMAT, "files": files}, indent=1) + "\n", encoding="utf-8")
    return target


def listed_files(folder: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The files ``files.json`` in ``folder`` lists (name -> sha256 and bytes); empty when it is absent or unreadable."""
    path = Path(folder) / FILES_MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _FILES_FORMAT else None
    return dict(files) if isinstance(files, dict) else {}


def check_files(folder: str | os.PathLike[str], names: list[str]) -> None:
    """Refuse (DataError) a folder whose ``files.json`` is missing or does not vouch for each of ``names``.

    ``etfsim run`` replaces a folder's files one by one and writes
    ``files.json`` last; a run stopped in between leaves files of two runs,
    which this tells apart by their hashes.
    """
    root = Path(folder)
    fix = "re-run etfsim run to write the whole folder"
    if not (root / FILES_MANIFEST).is_file():
        raise DataError(
            f"{root} has no {FILES_MANIFEST}: a run stopped while replacing its files (or an older etfsim wrote it), "
            f"so it may mix two runs; {fix}"
        )
    listed = listed_files(root)
    if not listed:
        raise DataError(f"{root / FILES_MANIFEST} is not a file list etfsim wrote ({_FILES_FORMAT}); {fix}")
    for name in names:
        entry = listed.get(name)
        if not isinstance(entry, dict) or entry.get("sha256") != _sha256(root / name):
            why = "is not listed in" if not isinstance(entry, dict) else "differs from the one listed in"
            raise DataError(f"{root / name} {why} {FILES_MANIFEST}: the folder mixes files of two runs; {fix}")


def _tag(path: Path, folder: Path) -> dict[str, Any]:
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise FileFormatError(f"{path} is not a Parquet file etfsim wrote ({exc}); re-run etfsim run") from exc
    if _TAG not in meta:
        raise FileFormatError(f"{path} has no etfsim result tag; {folder} is not a result folder of etfsim run")
    try:
        tag = json.loads(meta[_TAG])
    except ValueError:
        tag = None
    if not isinstance(tag, dict):
        raise FileFormatError(
            f"{path.name} in {folder}: its etfsim result tag is not the JSON object etfsim writes; "
            "re-run etfsim run to write it again"
        )
    found = tag.get("format")
    if found != RESULT_FORMAT:
        raise FileFormatError(
            f"{path.name} in {folder} is result format {found!r}, but this etfsim reads {RESULT_FORMAT!r}; "
            "re-run etfsim run to write it again"
        )
    return dict(tag)


def load_results(folder: str | os.PathLike[str]) -> StudyResults:
    """Read a result folder written by ``etfsim run`` (or :meth:`StudyResults.save`).

    Raises
    ------
    DataError
        If the folder or one of its files is missing.
    FileFormatError
        If a file is not one etfsim wrote, or was written in another result format.
    """
    folder = Path(folder)
    if folder.is_file():
        raise DataError(
            f"{folder} is a file, not a result folder; give the folder etfsim run wrote (reports/<scenario>)"
        )
    if not folder.is_dir():
        raise DataError(f"result folder {folder} does not exist; give the folder etfsim run wrote (reports/<scenario>)")
    manifest = folder / _MANIFEST
    if not manifest.is_file():
        raise DataError(f"{folder} has no {_MANIFEST}; it is not a result folder of etfsim run (re-run etfsim run)")
    facts = StudyFacts.from_dict(_tag(manifest, folder).get("facts"), f"{manifest}: facts")
    try:
        listed = set(pd.read_parquet(manifest, columns=["table"])["table"].astype(str))
    except (KeyError, ValueError, pa.ArrowException) as exc:
        raise FileFormatError(f"{manifest} has no table column listing the tables ({exc}); re-run etfsim run") from exc
    tables = {**TABLES, **{n: v for n, v in OPTIONAL_TABLES.items() if n in listed}}
    frames: dict[str, pd.DataFrame] = {}
    for name, (file, _what) in tables.items():
        path = folder / file
        if not path.is_file():
            raise DataError(f"{folder} is missing {file} ({_what}); re-run etfsim run to write the whole folder")
        _tag(path, folder)
        frames[name] = pd.read_parquet(path)
    curve_path = folder / CURVE_FILE
    if not curve_path.is_file():
        raise DataError(f"{folder} is missing {CURVE_FILE}; re-run etfsim run to write the whole folder")
    try:
        curve = FuturesCurve.read_parquet(str(curve_path))
    except (OSError, pa.ArrowInvalid) as exc:
        raise FileFormatError(f"{curve_path} is not a curve file etfsim wrote ({exc})") from exc
    check_files(folder, sorted([_MANIFEST, CURVE_FILE, *(file for file, _w in tables.values())]))
    return StudyResults(facts=facts, curve=curve, **frames)
