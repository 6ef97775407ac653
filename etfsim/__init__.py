"""etfsim: design and test ETFs on compute futures."""

from etfsim.contracts import COMPUTE_H100, HENRY_HUB, VIX, WTI, ContractSpec, get_contract
from etfsim.curves import (
    FuturesCurve,
    Overlays,
    Regime,
    SchwartzOneFactor,
    SchwartzSmith,
    iter_curve_chunks,
    simulate_curve,
)
from etfsim.exceptions import (
    CalendarError,
    ConfigError,
    DataError,
    EtfsimError,
    FileFormatError,
    ScenarioError,
    UnknownNameError,
)

__version__ = "0.1.0"

__all__ = [
    "COMPUTE_H100",
    "HENRY_HUB",
    "VIX",
    "WTI",
    "CalendarError",
    "ConfigError",
    "ContractSpec",
    "DataError",
    "EtfsimError",
    "FileFormatError",
    "FuturesCurve",
    "Overlays",
    "Regime",
    "SchwartzOneFactor",
    "SchwartzSmith",
    "iter_curve_chunks",
    "simulate_curve",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
    "get_contract",
]
