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
from etfsim.curves.calibrate import CalibrationResult, calibrate
from etfsim.curves.realdata import load_eia_wti, load_pysystemtrade, load_real, read_long_table
from etfsim.exceptions import (
    CalendarError,
    ConfigError,
    DataError,
    EtfsimError,
    FileFormatError,
    ScenarioError,
    UnknownNameError,
)

from etfsim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "COMPUTE_H100",
    "HENRY_HUB",
    "VIX",
    "WTI",
    "CalendarError",
    "CalibrationResult",
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
    "Scenario",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
    "calibrate",
    "get_contract",
    "load_eia_wti",
    "load_pysystemtrade",
    "load_real",
    "load_scenario",
    "read_long_table",
]
