"""Scenarios: one TOML file that says which curve to simulate and how.

A scenario names the contract, the factor model with its overlays, the start
spot and the horizon.  The reader is strict: an unknown key or a value of the
wrong type is an error that names the key, the section and the expected type,
so a typo never silently falls back to a default.  The built-in default lives
in ``etfsim/scenarios/compute_default.toml`` (shipped with the package).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from etfsim._io import read_toml
from etfsim.contracts.spec import ContractSpec, get_contract
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.legs import Family, Leg
from etfsim.curves.market import Market
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzOneFactor, SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, simulate_curve
from etfsim.exceptions import ConfigError, EtfsimError, ScenarioError, UnknownNameError, with_context

__all__ = [
    "MODELS",
    "Scenario",
    "default_scenario_path",
    "is_market_file",
    "load_market",
    "load_scenario",
    "market_scenario_path",
    "read_scenario",
]

_NUM = (int, float)

# section -> key -> (accepted types, what the value must be, for messages)
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "scenario": {"name": ((str,), "a string"), "description": ((str,), "a string")},
    "simulation": {
        "start": ((str,), "a date string like 2026-04-01"),
        "years": (_NUM, "a number"),
        "end": ((str,), "a date string"),
        "paths": ((int,), "an integer"),
        "seed": ((int,), "an integer"),
        "measure": ((str,), "'real' or 'risk_neutral'"),
        "chunk_size": ((int,), "an integer"),
        "collateral_rate": (_NUM, "a number (a fraction per year, 0.04 = 4%)"),
    },
    "model": {
        "name": ((str,), "a model name"),
        "spot": (_NUM, "a number"),
        "chi0": (_NUM, "a number"),
        "regime0": ((str, int), "a regime name or index"),
        "kappa": (_NUM, "a number"),
        "sigma_chi": (_NUM, "a number"),
        "lambda_chi": (_NUM, "a number"),
        "mu_xi": (_NUM, "a number"),
        "sigma_xi": (_NUM, "a number"),
        "rho": (_NUM, "a number"),
        "mu_xi_star": (_NUM, "a number"),
        "alpha": (_NUM, "a number"),
        "sigma": (_NUM, "a number"),
        "lambda_": (_NUM, "a number"),
    },
    "overlays": {
        "deflation": (_NUM, "a number"),
        "jump_intensity": (_NUM, "a number"),
        "jump_intensity_q": (_NUM, "a number"),
        "jump_mean": (_NUM, "a number"),
        "jump_std": (_NUM, "a number"),
        "seasonal_amplitude": (_NUM, "a number"),
        "seasonal_peak_month": (_NUM, "a number"),
        "floor": (_NUM, "a number (price units, e.g. dollars per GPU-hour)"),
        "floor_growth": (_NUM, "a number (growth of the floor per year, 0.02 = 2%)"),
        "steps": ((list,), 'a list of [date, log change] pairs, e.g. [["2027-01-04", -0.15]]'),
        "regime": ((dict,), "a table"),
    },
    "contract": {
        "base": ((str,), "a built-in contract name"),
        "root": ((str,), "a string"),
        "name": ((str,), "a string"),
        "unit": ((str,), "a string"),
        "multiplier": (_NUM, "a number"),
        "tick": (_NUM, "a number"),
        "listed_months": ((list,), "a list of months 1-12"),
        "listed_depth": ((int,), "an integer"),
        "expiry_rule": ((dict,), "a table"),
        "settlement": ((str,), "'final' or 'monthly_average'"),
        "calendar": ((str,), "a calendar name"),
        "currency": ((str,), "a string"),
    },
}
_REGIME_SCHEMA = {
    "names": ((list,), "a list of strings"),
    "levels": ((list,), "a list of numbers"),
    "rates": ((list,), "a table of numbers"),
}

_TWO_FACTOR = ("kappa", "sigma_chi", "lambda_chi", "mu_xi", "sigma_xi", "rho", "mu_xi_star")
_ONE_FACTOR = ("kappa", "alpha", "sigma", "lambda_")

MODELS: dict[str, tuple[str, ...]] = {"schwartz-smith": _TWO_FACTOR, "schwartz-1f": _ONE_FACTOR}
"""Model names a scenario can use, with their parameters."""


def default_scenario_path() -> Path:
    """Path of the built-in single-chip scenario TOML (one H100 index; ``load_scenario()`` reads it).

    The default of ``etfsim run`` is the compute market, :func:`market_scenario_path`.
    """
    return Path(str(resources.files("etfsim") / "scenarios" / "h100.toml"))


@dataclass(frozen=True)
class Scenario:
    """A curve scenario: contract, model, starting state and horizon.

    Use :meth:`simulate` for a curve in memory or :meth:`iter_chunks` to stream
    chunks of paths.
    """

    name: str
    description: str
    contract: ContractSpec
    model: SchwartzSmith
    model_name: str
    spot: float
    chi0: float
    regime0: int | str
    start: str
    years: float | None
    end: str | None
    paths: int
    seed: int
    measure: str
    collateral_rate: float = 0.0
    source: str = "built-in"

    def _kw(self, paths: int | None, seed: int | None) -> dict[str, Any]:
        return dict(
            paths=self.paths if paths is None else paths,
            start=self.start,
            years=self.years,
            end=self.end,
            seed=self.seed if seed is None else seed,
            spot=self.spot,
            chi0=self.chi0,
            contract=self.contract,
            measure=self.measure,
            regime0=self.regime0,
        )

    def simulate(
        self,
        paths: int | None = None,
        seed: int | None = None,
        chunk_size: int = 1000,
        progress: Callable[[int, int], None] | None = None,
    ) -> FuturesCurve:
        """Simulate the scenario's curve (paths and seed default to the scenario's)."""
        kw = self._kw(paths, seed)
        curve = simulate_curve(self.model, chunk_size=chunk_size, progress=progress, **kw)
        return _tag(curve, self)

    def iter_chunks(
        self,
        paths: int | None = None,
        seed: int | None = None,
        chunk_size: int = 1000,
        progress: Callable[[int, int], None] | None = None,
        lazy_prices: bool = False,
        first_path: int = 0,
    ) -> Iterator[FuturesCurve | ModelCurve]:
        """Yield the scenario's curve chunk by chunk of paths (``ModelCurve`` chunks with ``lazy_prices``)."""
        kw = self._kw(paths, seed)
        for chunk in iter_curve_chunks(
            self.model, chunk_size=chunk_size, progress=progress, lazy_prices=lazy_prices, first_path=first_path, **kw
        ):
            yield _tag(chunk, self)


C = TypeVar("C", bound=FuturesCurve | ModelCurve)


def _tag(curve: C, sc: Scenario) -> C:
    meta = dict(curve.metadata, scenario=sc.name, model=sc.model_name)
    return replace(curve, metadata=meta)  # either kind of curve; keeps first_path, the chunk's place in the run


def _check_section(
    where: str, section: str, table: object, schema: Mapping[str, tuple[tuple[type, ...], str]]
) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: [{section}] must be a table")
    for key, value in table.items():
        if key not in schema:
            raise ScenarioError(f"{where}: unknown key {key!r} in [{section}]; valid keys: {', '.join(sorted(schema))}")
        types, label = schema[key]
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            raise ScenarioError(f"{where}: [{section}] {key} must be {label}, got {type(value).__name__} {value!r}")
    return dict(table)


def _collateral(where: str, value: float) -> float:
    rate = float(value)
    if not -0.2 < rate < 0.5:
        raise ScenarioError(
            f"{where}: [simulation] collateral_rate must be a fraction per year (0.04 for 4%), got {value}"
        )
    return rate


def _contract(where: str, table: Mapping[str, Any]) -> ContractSpec:
    """``[contract]``: a built-in contract (``base``) with the keys given replaced."""
    contract_tab = dict(table)
    base = get_contract(contract_tab.pop("base", "compute-h100"))
    try:
        return ContractSpec.from_dict({**base.to_dict(), **contract_tab})
    except EtfsimError as exc:
        raise with_context(exc, f"{where}: [contract]") from exc


def _overlays(where: str, table: Mapping[str, Any]) -> Overlays:
    """``[overlays]``, with its optional ``[overlays.regime]`` table."""
    overlays_tab = dict(table)
    regime = None
    if "regime" in overlays_tab:
        reg_tab = _check_section(where, "overlays.regime", overlays_tab.pop("regime"), _REGIME_SCHEMA)
        try:
            regime = Regime(
                names=tuple(reg_tab.get("names", Regime().names)),
                levels=tuple(reg_tab.get("levels", Regime().levels)),
                rates=tuple(tuple(r) for r in reg_tab.get("rates", Regime().rates)),
            )
        except TypeError as exc:
            raise ScenarioError(f"{where}: [overlays.regime] rates must be a table (list of lists) of numbers") from exc
    return Overlays(regime=regime, **overlays_tab)


def load_scenario(path: str | os.PathLike[str] | None = None) -> Scenario:
    """Read a single-curve scenario TOML file; ``None`` reads the built-in single-chip scenario.

    A file with ``[[legs]]`` is a market: read it with :func:`load_market` (or :func:`read_scenario`).

    Raises
    ------
    ScenarioError
        On a missing file, invalid TOML, an unknown key or a wrong type (the
        message names the key and the expected type).
    UnknownNameError
        On an unknown model or contract name (the message lists the known ones).
    ConfigError
        On a value out of range (e.g. ``kappa <= 0``).
    """
    p = default_scenario_path() if path is None else Path(path)
    where = p.name
    raw = read_toml(p, "scenario", "give a path to a .toml scenario")
    if "legs" in raw:
        raise ScenarioError(f"{where} declares a market ([[legs]]); read it with etfsim.load_market or read_scenario")
    for section in raw:
        if section not in _SCHEMA:
            raise ScenarioError(f"{where}: unknown section [{section}]; valid sections: {', '.join(_SCHEMA)}")
    sec = {name: _check_section(where, name, raw.get(name, {}), schema) for name, schema in _SCHEMA.items()}

    contract = _contract(where, sec["contract"])
    overlays = _overlays(where, sec["overlays"])
    model_tab = dict(sec["model"])
    model_name = str(model_tab.pop("name", "schwartz-smith"))
    if model_name not in MODELS:
        raise UnknownNameError("model", model_name, MODELS)
    spot = float(model_tab.pop("spot", 1.0))
    if not (math.isfinite(spot) and spot > 0):
        raise ScenarioError(f"{where}: [model] spot must be a positive price (e.g. 2.35 per GPU-hour), got {spot}")
    if model_name == "schwartz-1f" and "chi0" in model_tab:
        # the one-factor model fixes chi0 = ln(spot) - alpha; a given chi0 would be silently overwritten
        raise ScenarioError(
            f"{where}: [model] chi0 does not apply to schwartz-1f (it follows from spot and alpha); remove it"
        )
    chi0 = float(model_tab.pop("chi0", 0.0))
    regime0 = model_tab.pop("regime0", 0)
    if overlays.regime is not None:
        try:
            overlays.regime.index(regime0)
        except ConfigError as exc:
            raise ScenarioError(f"{where}: [model] regime0: {exc}") from exc
    elif "regime0" in sec["model"]:
        raise ScenarioError(f"{where}: [model] regime0 needs an [overlays.regime] table; add one or remove regime0")
    needed = MODELS[model_name]
    extra = sorted(set(model_tab) - set(needed))
    if extra:
        raise ScenarioError(
            f"{where}: [model] {', '.join(extra)} do(es) not apply to {model_name}; its parameters are {', '.join(needed)}"
        )
    if model_name == "schwartz-smith":
        missing = [k for k in needed if k not in model_tab]
        if missing:
            raise ScenarioError(f"{where}: [model] is missing {', '.join(missing)} (numbers) for schwartz-smith")
        model = SchwartzSmith(overlays=overlays, **{k: float(v) for k, v in model_tab.items()})
    else:
        missing = [k for k in ("kappa", "alpha", "sigma") if k not in model_tab]
        if missing:
            raise ScenarioError(f"{where}: [model] is missing {', '.join(missing)} (numbers) for schwartz-1f")
        one = SchwartzOneFactor(**{k: float(v) for k, v in model_tab.items()})
        two = one.as_two_factor()
        model = SchwartzSmith(**{k: getattr(two, k) for k in _TWO_FACTOR}, overlays=overlays)
        chi0 = math.log(spot) - one.alpha

    sim = sec["simulation"]
    if "start" not in sim:
        raise ScenarioError(f"{where}: [simulation] start is required (a date string like 2026-04-01)")
    if ("years" in sim) == ("end" in sim):
        raise ScenarioError(f"{where}: [simulation] give exactly one of years (number) or end (date string)")
    meta = sec["scenario"]
    return Scenario(
        name=str(meta.get("name", p.stem)),
        description=str(meta.get("description", "")),
        contract=contract,
        model=model,
        model_name=model_name,
        spot=spot,
        chi0=chi0,
        regime0=regime0,
        start=sim["start"],
        years=None if "years" not in sim else float(sim["years"]),
        end=sim.get("end"),
        paths=int(sim.get("paths", 1000)),
        seed=int(sim.get("seed", 0)),
        measure=str(sim.get("measure", "real")),
        collateral_rate=_collateral(where, sim.get("collateral_rate", 0.0)),
        source=str(p) if path is not None else "built-in",
    )


# -- market scenarios: [[legs]] and [[families]] -----------------------------------------------

_MARKET_SECTIONS = ("scenario", "simulation", "market", "legs", "families")
_MARKET_SCHEMA = {
    "reference": ((str,), "a leg name"),
    "holding": ((str,), "a leg or family name"),
    "regime0": ((str, int), "a regime name or index"),
    "correlation": ((list,), "a table of numbers, one row per leg"),
    "regime": ((dict,), "a table with names and rates"),
    "basis": ((list,), "a list of two leg or family names"),
}
_LEG_SCHEMA = {
    "name": ((str,), "a string"), "index": ((str,), "a string"), "chip": ((str,), "a string"),
    "tier": ((str,), "a string"), "kind": ((str,), "'gpu' or 'memory'"), "description": ((str,), "a string"),
    "sources": ((list,), "a list of strings"), "spot": (_NUM, "a price"), "launch": ((str,), "a month 'YYYY-MM'"),
    "arrival_rate": (_NUM, "launches a year (a number >= 0)"), "performance_ratio": (_NUM, "a number"),
    "steps_down": ((dict,), "a table of leg = fraction"),
    "regime_levels": ((list,), "a list of numbers, one per regime"),
    "liquidity": ((list,), "a list of [date, open interest, daily volume]"),
    "contract": ((dict,), "a table"), "model": ((dict,), "a table"), "overlays": ((dict,), "a table"),
}  # fmt: skip
_FAMILY_SCHEMA = {
    "name": ((str,), "a string"), "index": ((str,), "a string"), "method": ((str,), "mean, usage, median or normalised"),
    "legs": ((list,), "a list of leg names"), "weights": ((list,), "a list of numbers"),
    "splice_lag_months": ((int,), "a whole number of months"), "description": ((str,), "a string"),
    "sources": ((list,), "a list of strings"), "contract": ((dict,), "a table"),
}  # fmt: skip


def market_scenario_path() -> Path:
    """Path of the built-in default compute market (``etfsim/scenarios/compute_default.toml``)."""
    return Path(str(resources.files("etfsim") / "scenarios" / "compute_default.toml"))


def is_market_file(path: str | os.PathLike[str]) -> bool:
    """Whether a scenario TOML declares a market (``[[legs]]``) rather than one curve."""
    return "legs" in read_toml(Path(path), "scenario", "give a path to a .toml scenario")


def read_scenario(path: str | os.PathLike[str] | None = None) -> Scenario | Market:
    """A scenario file of either kind: a :class:`Market` if it has ``[[legs]]``, else a :class:`Scenario`.

    ``None`` reads the built-in default compute market (what ``etfsim run`` runs).
    """
    if path is None or is_market_file(path):
        return load_market(path)
    return load_scenario(path)


def _leg_model(where: str, tab: Mapping[str, Any], overlays: Overlays) -> tuple[SchwartzSmith, float]:
    model_tab = dict(tab)
    name = model_tab.pop("name", "schwartz-smith")
    if name != "schwartz-smith":
        raise ScenarioError(f"{where}: [legs.model] name must be schwartz-smith (a leg is a two-factor model)")
    chi0 = float(model_tab.pop("chi0", 0.0))
    wrong = sorted(set(model_tab) - set(_TWO_FACTOR))
    if wrong:
        raise ScenarioError(f"{where}: [legs.model] {', '.join(wrong)} do(es) not apply; give {', '.join(_TWO_FACTOR)}")
    missing = [k for k in _TWO_FACTOR if k not in model_tab]
    if missing:
        raise ScenarioError(f"{where}: [legs.model] is missing {', '.join(missing)} (numbers)")
    return SchwartzSmith(overlays=overlays, **{k: float(v) for k, v in model_tab.items()}), chi0


def _leg(where: str, tab: Mapping[str, Any], regime: Regime | None) -> Leg:
    t = dict(tab)
    if "name" not in t or "spot" not in t:
        raise ScenarioError(f"{where}: every [[legs]] needs a name and a spot (its price at the start or at launch)")
    where = f"{where}: leg {t['name']!r}"
    model_tab = _check_section(where, "legs.model", t.pop("model", {}), _SCHEMA["model"])
    over_tab = _check_section(where, "legs.overlays", t.pop("overlays", {}), _SCHEMA["overlays"])
    if "regime" in over_tab:
        raise ScenarioError(f"{where}: the regime is the market's ([market.regime]); give the leg's regime_levels")
    try:
        overlays = _overlays(where, over_tab)
    except EtfsimError as exc:
        raise with_context(exc, f"{where}: [legs.overlays]") from exc
    levels = t.pop("regime_levels", None)
    if regime is not None:
        levels = [0.0] * len(regime.names) if levels is None else levels
        if len(levels) != len(regime.names):
            raise ScenarioError(f"{where}: regime_levels needs one number per regime {list(regime.names)}")
        overlays = replace(overlays, regime=Regime(regime.names, tuple(levels), regime.rates))
    elif levels is not None:
        raise ScenarioError(f"{where}: regime_levels needs a [market.regime] table; add one or remove them")
    model, chi0 = _leg_model(where, model_tab, overlays)
    t.setdefault("index", t["name"])  # as a family's: the index a leg stands for defaults to its name
    contract = _contract(where, _check_section(where, "legs.contract", t.pop("contract", {}), _SCHEMA["contract"]))
    kw: dict[str, Any] = {k: (tuple(v) if k in ("sources", "liquidity") else v) for k, v in t.items()}
    try:
        return Leg(contract=contract, model=model, chi0=chi0, **kw)
    except EtfsimError as exc:
        raise with_context(exc, where) from exc


def _family(where: str, tab: Mapping[str, Any]) -> Family:
    t = dict(tab)
    outer, where = where, f"{where}: family {t.get('name', '?')!r}"
    contract = _contract(where, _check_section(where, "families.contract", t.pop("contract", {}), _SCHEMA["contract"]))
    missing = [k for k in ("name", "method", "legs") if k not in t]
    if missing:
        raise ScenarioError(f"{where}: [[families]] is missing {', '.join(missing)}")
    t.setdefault("index", t["name"])
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in t.items()}
    try:
        return Family(contract=contract, **kw)
    except EtfsimError as exc:  # a family's own errors name it
        raise with_context(exc, outer) from exc


def load_market(path: str | os.PathLike[str] | None = None) -> Market:
    """Read a market scenario (``[[legs]]``, ``[[families]]``, ``[market]``); ``None`` reads the built-in default.

    Raises
    ------
    ScenarioError
        A missing file, invalid TOML, an unknown key or a wrong type (named).
    ConfigError
        A value out of range: a correlation that is not positive semi-definite
        (with its smallest eigenvalue), a launch outside the horizon, a
        performance ratio <= 0, a negative floor, a family over an unknown leg.
    """
    p = market_scenario_path() if path is None else Path(path)
    where = p.name
    raw = read_toml(p, "scenario", "give a path to a .toml scenario")
    for section in raw:
        if section not in _MARKET_SECTIONS:
            raise ScenarioError(
                f"{where}: unknown section [{section}] in a market; valid: {', '.join(_MARKET_SECTIONS)}"
            )
    meta = _check_section(where, "scenario", raw.get("scenario", {}), _SCHEMA["scenario"])
    sim = _check_section(where, "simulation", raw.get("simulation", {}), _SCHEMA["simulation"])
    mkt = _check_section(where, "market", raw.get("market", {}), _MARKET_SCHEMA)
    legs_raw, fams_raw = raw.get("legs", []), raw.get("families", [])
    if not isinstance(legs_raw, list) or not all(isinstance(x, dict) for x in legs_raw) or not legs_raw:
        raise ScenarioError(f"{where}: legs must be one or more [[legs]] tables")
    if not isinstance(fams_raw, list) or not all(isinstance(x, dict) for x in fams_raw):
        raise ScenarioError(f"{where}: families must be [[families]] tables")
    regime = None
    if "regime" in mkt:
        reg = _check_section(where, "market.regime", mkt["regime"], _REGIME_SCHEMA)
        if "levels" in reg:
            raise ScenarioError(f"{where}: [market.regime] levels are per leg; give each leg regime_levels")
        try:
            rates = tuple(tuple(r) for r in reg.get("rates", Regime().rates))
            regimes = tuple(reg.get("names", Regime().names))
            regime = Regime(names=regimes, levels=(0.0,) * len(regimes), rates=rates)
        except (TypeError, EtfsimError) as exc:
            raise ScenarioError(f"{where}: [market.regime] needs names and a square table of rates: {exc}") from exc
    if regime is None and "regime0" in mkt:  # else a start regime would be ignored without a word
        raise ScenarioError(f"{where}: [market] regime0 needs a [market.regime] table; add one or remove regime0")
    legs = tuple(_leg(where, _check_section(where, "legs", t, _LEG_SCHEMA), regime) for t in legs_raw)
    families = tuple(_family(where, _check_section(where, "families", t, _FAMILY_SCHEMA)) for t in fams_raw)
    if "start" not in sim or ("years" in sim) == ("end" in sim):
        raise ScenarioError(f"{where}: [simulation] needs start and exactly one of years or end")
    names = [leg.name for leg in legs]
    corr = mkt.get("correlation", [[1.0 if i == j else 0.0 for j in range(len(legs))] for i in range(len(legs))])
    try:
        return Market(
            name=str(meta.get("name", p.stem)), description=str(meta.get("description", "")), legs=legs,
            families=families, correlation=tuple(tuple(r) for r in corr), regime=regime,
            regime0=mkt.get("regime0", 0), reference=str(mkt.get("reference", names[0])),
            holding=str(mkt.get("holding", names[0])), start=sim["start"],
            years=None if "years" not in sim else float(sim["years"]), end=sim.get("end"),
            paths=int(sim.get("paths", 1000)), seed=int(sim.get("seed", 0)), measure=str(sim.get("measure", "real")),
            collateral_rate=_collateral(where, sim.get("collateral_rate", 0.0)),
            source=str(p) if path is not None else "built-in", basis=tuple(mkt.get("basis", ())),
        )  # fmt: skip
    except TypeError as exc:
        raise ScenarioError(f"{where}: [market] correlation must be a table (list of lists) of numbers") from exc
    except EtfsimError as exc:
        raise with_context(exc, where) from exc
