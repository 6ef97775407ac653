"""A study on a recorded (or the designer's own) curve instead of simulated paths.

``etfsim run --curves FILE`` writes the fact sheet of a fund run on the
history a file holds: an etfsim curve file (Parquet) or a nearby-column file
(``date, CL1..CL4``; see :func:`etfsim.curves.nearby.load_nearby`), such as
EIA's WTI nearby contracts shipped with etfsim (``etfsim.sample_data("eia_wti")``)
for a USO-like sheet.  A recorded history is one path, so the study has no
Monte Carlo range: the sheets say so and leave those parts out, and they are
stamped BACK-TESTED rather than SIMULATED.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.exceptions import ConfigError, FileFormatError

__all__ = ["RecordedScenario", "recorded_scenario"]


@dataclass(frozen=True)
class RecordedScenario:
    """A recorded curve standing where a scenario would: what the study needs to name and run it.

    Attributes
    ----------
    name, description, source : str
        The report folder's name, a line about the data, and where it came from.
    curve : FuturesCurve
        The recorded prices (usually one path).
    collateral_rate : float
        The T-bill rate of the index and of a fund without its own (a fraction a year).
    """

    name: str
    description: str
    source: str
    curve: FuturesCurve
    collateral_rate: float = 0.0
    model_name: str = "recorded"
    measure: str = "recorded"

    @property
    def paths(self) -> int:
        return int(self.curve.n_paths)


def recorded_scenario(
    path: str | os.PathLike[str],
    contract: str | None = None,
    start: str | None = None,
    end: str | None = None,
    collateral_rate: float = 0.0,
    drop_repeats: bool = False,
) -> RecordedScenario:
    """A :class:`RecordedScenario` from an etfsim curve file (``.parquet``) or a nearby-column file.

    Parameters
    ----------
    path : path
        The curve file.
    contract : str, optional
        The built-in contract of a nearby-column file (default: the one its columns' root names).
    start, end : str, optional
        Dates to cut the history to (``YYYY-MM-DD``, inclusive).
    collateral_rate : float
        The T-bill rate, a fraction a year.
    drop_repeats : bool
        Drop a nearby-file row that repeats the previous one (the EIA repeats its last prints on an
        exchange holiday; :func:`etfsim.curves.realdata.load_eia_wti` drops them too).

    Raises
    ------
    FileFormatError
        The file is missing or neither kind of curve file.
    """
    from etfsim.curves.nearby import load_nearby

    p = Path(path)
    if p.is_dir():
        raise FileFormatError(f"--curves {p} is a folder; give a curve file (.parquet from etfsim, or date,CL1..CLn)")
    if not p.is_file():
        raise FileFormatError(
            f"--curves {p} does not exist; give a curve file (.parquet from etfsim, or date,CL1..CLn)"
        )
    if not 0.0 <= float(collateral_rate) < 1.0:
        raise ConfigError(f"--collateral-rate must be a fraction a year in [0, 1), got {collateral_rate}")
    curve = read_curve(p) if p.suffix == ".parquet" else load_nearby(p, contract, drop_repeats=drop_repeats)
    if start is not None or end is not None:
        curve = curve.select(start=start, end=end)
    first, last = str(curve.dates[0])[:10], str(curve.dates[-1])[:10]
    source = str(curve.metadata.get("source") or curve.metadata.get("model") or p.name)
    stem = p.name.split(".")[0]
    return RecordedScenario(
        name=stem.replace(" ", "_"),
        description=f"Recorded prices from {p.name} ({source}), {first} to {last}",
        source=source,
        curve=curve,
        collateral_rate=float(collateral_rate),
    )
