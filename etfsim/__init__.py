"""etfsim: design and test ETFs on compute futures."""

from importlib import resources as _resources
from pathlib import Path as _Path

from etfsim._version import __version__
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
from etfsim.curves.history import HistoryCalibrationResult, calibrate_history
from etfsim.curves.legs import Family, Leg
from etfsim.curves.market import Holding, Market, MarketPaths
from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.nearby import load_nearby
from etfsim.curves.perpetual import Perpetual, PerpetualCurve
from etfsim.curves.rates import load_rate_series
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
from etfsim.fund import FundConfig, FundResult, InvestorDemand, load_fund, simulate_fund
from etfsim.fund.comparison import Comparison, TaxAssumptions, compare
from etfsim.fund.perpetual_compare import PerpetualComparison, compare_perpetual
from etfsim.fund.stock_twin import StockBasket, StockFundConfig
from etfsim.index import IndexResult, back_adjust, compute_index, index_levels
from etfsim.pipeline import (
    STATISTICS,
    BacktestResult,
    Strategy,
    StrategyRun,
    backtest,
    default_strategies,
    load_strategy,
    run_strategy,
)
from etfsim.roll import RULES, RollSchedule, make_rule, roll_schedule
from etfsim.roll.roll_dates import load_roll_dates
from etfsim.scenario import Scenario, load_market, load_scenario, read_scenario

_SAMPLES = {"eia_wti": "eia_wti_cl1_4.csv.gz", "fred_dtb3": "fred_dtb3.csv.gz"}


def sample_data(name: str) -> _Path:
    """The path of a real-data sample that ships with etfsim (``etfsim/data/``, sources in its README).

    Parameters
    ----------
    name : str
        ``"eia_wti"``: EIA's daily NYMEX WTI settlements, nearby contracts CL1-CL4,
        1983-03-30 to 2022-02-15, for :func:`load_eia_wti` or :func:`load_nearby`;
        ``"fred_dtb3"``: FRED's 3-month T-bill rate DTB3, 1954-01-04 to 2026-03-26,
        for :func:`load_rate_series`.  Both are US government works in the public domain.

    Raises
    ------
    UnknownNameError
        An unknown name (the message lists the known ones).
    """
    if name not in _SAMPLES:
        raise UnknownNameError("sample data set", name, _SAMPLES)
    return _Path(str(_resources.files("etfsim") / "data" / _SAMPLES[name]))


__all__ = [
    "COMPUTE_H100",
    "HENRY_HUB",
    "RULES",
    "STATISTICS",
    "VIX",
    "WTI",
    "BacktestResult",
    "CalendarError",
    "CalibrationResult",
    "Comparison",
    "ConfigError",
    "ContractSpec",
    "DataError",
    "EtfsimError",
    "Family",
    "FileFormatError",
    "FundConfig",
    "FundResult",
    "FuturesCurve",
    "HistoryCalibrationResult",
    "Holding",
    "IndexResult",
    "InvestorDemand",
    "Leg",
    "Market",
    "MarketCurve",
    "MarketPaths",
    "Overlays",
    "Perpetual",
    "PerpetualComparison",
    "PerpetualCurve",
    "Regime",
    "RollSchedule",
    "Scenario",
    "ScenarioError",
    "SchwartzOneFactor",
    "SchwartzSmith",
    "StockBasket",
    "StockFundConfig",
    "Strategy",
    "StrategyRun",
    "TaxAssumptions",
    "UnknownNameError",
    "back_adjust",
    "backtest",
    "calibrate",
    "calibrate_history",
    "compare",
    "compare_perpetual",
    "compute_index",
    "default_strategies",
    "get_contract",
    "index_levels",
    "iter_curve_chunks",
    "load_eia_wti",
    "load_fund",
    "load_market",
    "load_nearby",
    "load_pysystemtrade",
    "load_rate_series",
    "load_real",
    "load_roll_dates",
    "load_scenario",
    "load_strategy",
    "make_rule",
    "read_long_table",
    "read_scenario",
    "roll_schedule",
    "run_strategy",
    "sample_data",
    "simulate_curve",
    "simulate_fund",
    "__version__",
]
