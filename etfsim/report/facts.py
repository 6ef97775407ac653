"""What a study ran, as typed records: the scenario, the strategies, the fund terms, the dates.

:class:`StudyFacts` is what the sheets print about a study besides its tables
(the scenario and seed, the headline strategy, the fund's terms, inception and
report dates) and what the result folder stores as JSON in the metadata of
``study.parquet``.  The sheets read attributes (``facts.scenario.seed``), not
nested dictionary keys; :meth:`StudyFacts.to_dict` and
:meth:`StudyFacts.from_dict` are the one place that knows the JSON layout.

The terms of the contract, the fund, the demand and the stock twin stay the
plain mappings their configs write (``ContractSpec.to_dict()`` and the
dataclass fields), read-only.

A study on a compute market also records the market the sheets speak about
(:class:`MarketFacts`: each leg's index, chip, tier, launch and performance
ratio, the families), what each strategy holds (:class:`HoldingFacts`: a leg,
a family, or successive generations with the rule that moves between them)
and the limits as the ledger applied them (:class:`LimitFacts`).  A folder
written before these existed loads with ``None`` there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from etfsim.exceptions import FileFormatError

__all__ = [
    "FamilyFacts",
    "HoldingFacts",
    "LegFacts",
    "LimitFacts",
    "MarketFacts",
    "ScenarioFacts",
    "StrategyFacts",
    "StudyFacts",
]

T = TypeVar("T", bound="_Record")


class _Record:
    """Shared reading of a JSON object into a frozen record, each missing key named.

    Keys in ``_OPTIONAL`` came later: a folder written before them lacks them
    and the record keeps its default there.
    """

    _OPTIONAL: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _fields_from(cls: type[T], raw: object, where: str) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise FileFormatError(f"{where} must be a JSON object; re-run etfsim run to write the folder again")
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in raw and n not in cls._OPTIONAL]
        if missing:
            raise FileFormatError(f"{where} lacks {', '.join(missing)}; re-run etfsim run to write the folder again")
        return {n: raw[n] for n in names if n in raw}

    def _plain(self) -> dict[str, Any]:
        """The record as JSON-able data (nested records and tuples as dicts and lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _jsonable(value: object) -> Any:
    if isinstance(value, _Record):
        return value._plain()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise FileFormatError(f"{where} must be a list; re-run etfsim run to write the folder again")
    return raw


def _number_or_none(raw: object, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise FileFormatError(f"{where} must be a number or null; re-run etfsim run to write the folder again")
    return float(raw)


def _frozen(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FileFormatError(f"{where} must be a JSON object; re-run etfsim run to write the folder again")
    return MappingProxyType(dict(raw))


@dataclass(frozen=True)
class ScenarioFacts(_Record):
    """The scenario a study simulated."""

    name: str
    description: str
    source: str
    model: str
    seed: int | None
    measure: str
    collateral_rate: float
    start: str
    end: str

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.scenario") -> ScenarioFacts:
        return cls(**cls._fields_from(raw, where))


@dataclass(frozen=True)
class HoldingFacts(_Record):
    """What a fund holds on a compute market, as :class:`etfsim.curves.market.Holding` gives it.

    Attributes
    ----------
    label : str
        ``"compute_ref"`` or ``"b200 > rubin > rubin_ultra"``.
    index : str or None
        The leg or family held; None for successive generations.
    generations : tuple of str
        The chips held one after the other, oldest first (legs' names).
    switch_open_interest : float or None
        Move once the next chip's front-month open interest reaches this many contracts ...
    switch_age_months : int or None
        ... or once it has traded this many months, whichever first.
    switch_window : int
        Business days a move is spread over.
    """

    label: str
    index: str | None
    generations: tuple[str, ...] = ()
    switch_open_interest: float | None = None
    switch_age_months: int | None = None
    switch_window: int = 10

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.holding") -> HoldingFacts:
        v = cls._fields_from(raw, where)
        age = v.get("switch_age_months")
        return cls(
            label=str(v["label"]),
            index=None if v["index"] is None else str(v["index"]),
            generations=tuple(str(g) for g in _list(v["generations"], f"{where}.generations")),
            switch_open_interest=_number_or_none(v["switch_open_interest"], f"{where}.switch_open_interest"),
            switch_age_months=None if age is None else int(age),
            switch_window=int(v["switch_window"]),
        )


@dataclass(frozen=True)
class StrategyFacts(_Record):
    """A strategy as the sheets describe it: name, description, rule name and parameters.

    ``holding`` is what it held on a compute market (None on a single-chip scenario).
    """

    _OPTIONAL = ("holding",)

    name: str
    description: str
    rule: str
    params: Mapping[str, Any]
    holding: HoldingFacts | None = None

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.strategy") -> StrategyFacts:
        values = cls._fields_from(raw, where)
        values["params"] = _frozen(values["params"], f"{where}.params")
        held = values.get("holding")
        values["holding"] = None if held is None else HoldingFacts.from_dict(held, f"{where}.holding")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "description": self.description, "rule": self.rule, "params": dict(self.params)}
        if self.holding is not None:  # a single-chip study writes the layout it always did
            out["holding"] = self.holding._plain()
        return out


@dataclass(frozen=True)
class LegFacts(_Record):
    """One leg of the market: the index it stands for and the futures listed on it.

    Attributes
    ----------
    name, index, chip, tier, kind, description : str
        As :class:`etfsim.curves.market.Leg` gives them (``index`` names the
        published index, e.g. ``SDB200RT``).
    launch : str or None
        Launch month ``YYYY-MM``; None: trading at the start.
    performance_ratio : float
        Work per GPU-hour against the market's reference chip.
    root, contract_name, unit : str
        The futures contract: its root, name and unit.
    multiplier : float
        Units per contract.
    open_interest_at_launch : float or None
        Front-month open interest on the first day the leg trades (contracts), when the market gives it.
    steps_down : mapping
        Legs whose price steps down when this one launches, ``{leg: fraction}``.
    arrival_rate : float
        Launches a year of a leg that launches at a random month from
        ``launch`` on (0: it launches in ``launch``).
    """

    name: str
    index: str
    chip: str
    tier: str
    kind: str
    description: str
    launch: str | None
    performance_ratio: float
    root: str
    contract_name: str
    unit: str
    multiplier: float
    open_interest_at_launch: float | None
    steps_down: Mapping[str, float]
    arrival_rate: float = 0.0
    _OPTIONAL = ("arrival_rate",)

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.market.legs") -> LegFacts:
        v = cls._fields_from(raw, where)
        v["steps_down"] = MappingProxyType({str(k): float(x) for k, x in _frozen(v["steps_down"], where).items()})
        v["open_interest_at_launch"] = _number_or_none(v["open_interest_at_launch"], f"{where}.open_interest_at_launch")
        v["performance_ratio"] = float(v["performance_ratio"])
        v["multiplier"] = float(v["multiplier"])
        v["arrival_rate"] = float(v.get("arrival_rate", 0.0))
        return cls(**v)


@dataclass(frozen=True)
class FamilyFacts(_Record):
    """An index family of the market: how it combines its legs and the futures listed on it.

    ``method`` is ``mean``, ``usage`` or ``normalised`` (:class:`etfsim.curves.market.Family`);
    ``weights`` the usage weights, one per leg; ``splice_lag_months`` the months from a
    generation's launch to its splice (``normalised``).
    """

    name: str
    index: str
    method: str
    legs: tuple[str, ...]
    weights: tuple[float, ...]
    splice_lag_months: int
    description: str
    root: str
    contract_name: str
    unit: str
    multiplier: float

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.market.families") -> FamilyFacts:
        v = cls._fields_from(raw, where)
        v["legs"] = tuple(str(x) for x in _list(v["legs"], f"{where}.legs"))
        v["weights"] = tuple(float(x) for x in _list(v["weights"], f"{where}.weights"))
        v["splice_lag_months"] = int(v["splice_lag_months"])
        v["multiplier"] = float(v["multiplier"])
        return cls(**v)


@dataclass(frozen=True)
class MarketFacts(_Record):
    """The compute market a study simulated, as the sheets name it.

    Attributes
    ----------
    name : str
    reference : str
        The leg whose GPU-hour is the unit of performance ratios.
    holding : str
        What a strategy that names no holding holds.
    basis : tuple of str
        The two legs or families of the basis table (may be empty).
    legs : tuple of LegFacts
    families : tuple of FamilyFacts
    """

    name: str
    reference: str
    holding: str
    basis: tuple[str, ...]
    legs: tuple[LegFacts, ...]
    families: tuple[FamilyFacts, ...]

    def leg(self, name: str) -> LegFacts:
        """The leg called ``name``."""
        for leg in self.legs:
            if leg.name == name:
                return leg
        raise FileFormatError(f"the market has no leg {name!r}; its legs are {', '.join(x.name for x in self.legs)}")

    def family(self, name: str) -> FamilyFacts | None:
        """The family called ``name``, or None when ``name`` is a leg."""
        return next((f for f in self.families if f.name == name), None)

    def index_of(self, name: str) -> str:
        """The published index a leg or family stands for (``SDB200RT``, ``OCPI-style transacted composite``)."""
        fam = self.family(name)
        return fam.index if fam is not None else self.leg(name).index

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.market") -> MarketFacts:
        v = cls._fields_from(raw, where)
        legs = _list(v["legs"], f"{where}.legs")
        fams = _list(v["families"], f"{where}.families")
        return cls(
            name=str(v["name"]),
            reference=str(v["reference"]),
            holding=str(v["holding"]),
            basis=tuple(str(x) for x in _list(v["basis"], f"{where}.basis")),
            legs=tuple(LegFacts.from_dict(x, f"{where}.legs[{i}]") for i, x in enumerate(legs)),
            families=tuple(FamilyFacts.from_dict(x, f"{where}.families[{i}]") for i, x in enumerate(fams)),
        )


@dataclass(frozen=True)
class LimitFacts(_Record):
    """One exchange limit as the fund's terms gave it and as the ledger applied it.

    Attributes
    ----------
    name, label : str
        ``position_limit`` and ``position limit`` (also ``accountability_level``, ``all_months_limit``).
    basis : str
        ``contracts``, ``notional`` or ``oi_share``.
    value : float
        The limit as given (contracts, dollars, or a fraction of open interest).
    given : str
        The limit as given, in words (``40% of open interest``).
    contracts_at_inception, contracts_as_of : float
        What it meant in contracts of the month the fund held most of, at
        inception and on the report date (NaN where the fund held nothing).
    """

    name: str
    label: str
    basis: str
    value: float
    given: str
    contracts_at_inception: float
    contracts_as_of: float

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.limits") -> LimitFacts:
        v = cls._fields_from(raw, where)
        for k in ("value", "contracts_at_inception", "contracts_as_of"):
            n = _number_or_none(v[k], f"{where}.{k}")
            v[k] = float("nan") if n is None else n
        return cls(**v)


@dataclass(frozen=True)
class StudyFacts(_Record):
    """Everything the sheets say about a study besides its tables.

    Attributes
    ----------
    scenario : ScenarioFacts
    contract : mapping
        ``ContractSpec.to_dict()`` of the contract the fund holds.
    headline : StrategyFacts
        The strategy the fact sheet describes.
    fund, demand : mapping
        The fund terms and investor demand every strategy's fund ran with (``demand`` may be None).
    basket, stock_fund : mapping
        The stock-ETF twin's basket and fund terms.
    strategies : tuple of StrategyFacts
        Every strategy compared, in the study's order.
    inception, as_of : str
        The fund's first date and the report date (``YYYY-MM-DD``).
    headline_path : int
        The path the fact sheet reports on.
    paths, compare_paths : int
        Monte Carlo paths, and those of the stock-ETF comparison.
    market : MarketFacts or None
        The compute market simulated; None for a single-chip scenario (or a folder written before).
    limits : tuple of LimitFacts or None
        The limits as the headline ledger applied them; None for a folder written before.
    perpetual : mapping or None
        The terms of the perpetual future of the structure comparison
        (:class:`etfsim.curves.perpetual.Perpetual`); None for a folder written before.
    identity : mapping or None
        The fund's ticker, exchange, CUSIP and service providers (:class:`etfsim.fund.identity.FundIdentity`);
        None for a folder written before (the sheet prints the placeholders).
    """

    _OPTIONAL = ("market", "limits", "perpetual", "identity")

    scenario: ScenarioFacts
    contract: Mapping[str, Any]
    headline: StrategyFacts
    fund: Mapping[str, Any]
    demand: Mapping[str, Any] | None
    basket: Mapping[str, Any]
    stock_fund: Mapping[str, Any]
    strategies: tuple[StrategyFacts, ...]
    inception: str
    headline_path: int
    as_of: str
    paths: int
    compare_paths: int
    market: MarketFacts | None = None
    limits: tuple[LimitFacts, ...] | None = None
    perpetual: Mapping[str, Any] | None = None
    identity: Mapping[str, Any] | None = None

    def strategy(self, name: str) -> StrategyFacts:
        """The facts of the strategy called ``name``."""
        for s in self.strategies:
            if s.name == name:
                return s
        raise FileFormatError(f"the study has no strategy {name!r}; it ran {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        """The strategies' names, in the study's order."""
        return tuple(s.name for s in self.strategies)

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout the result folder stores (``study.parquet``'s metadata)."""
        return {
            "scenario": {f.name: getattr(self.scenario, f.name) for f in fields(self.scenario)},
            "contract": dict(self.contract),
            "headline": self.headline.to_dict(),
            "fund": dict(self.fund),
            "demand": None if self.demand is None else dict(self.demand),
            "basket": dict(self.basket),
            "stock_fund": dict(self.stock_fund),
            "strategies": [s.to_dict() for s in self.strategies],
            "inception": self.inception,
            "headline_path": self.headline_path,
            "as_of": self.as_of,
            "paths": self.paths,
            "compare_paths": self.compare_paths,
            "market": None if self.market is None else self.market._plain(),
            "limits": None if self.limits is None else [_limit_json(x) for x in self.limits],
            "perpetual": None if self.perpetual is None else dict(self.perpetual),
            "identity": None if self.identity is None else dict(self.identity),
        }

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts") -> StudyFacts:
        """Read the JSON layout back; a missing or malformed part is a FileFormatError naming it."""
        v = cls._fields_from(raw, where)
        strategies = v["strategies"]
        if not isinstance(strategies, list):
            raise FileFormatError(f"{where}.strategies must be a list; re-run etfsim run to write the folder again")
        return cls(
            scenario=ScenarioFacts.from_dict(v["scenario"], f"{where}.scenario"),
            contract=_frozen(v["contract"], f"{where}.contract"),
            headline=StrategyFacts.from_dict(v["headline"], f"{where}.headline"),
            fund=_frozen(v["fund"], f"{where}.fund"),
            demand=None if v["demand"] is None else _frozen(v["demand"], f"{where}.demand"),
            basket=_frozen(v["basket"], f"{where}.basket"),
            stock_fund=_frozen(v["stock_fund"], f"{where}.stock_fund"),
            strategies=tuple(StrategyFacts.from_dict(s, f"{where}.strategies[{i}]") for i, s in enumerate(strategies)),
            inception=str(v["inception"]),
            headline_path=int(v["headline_path"]),
            as_of=str(v["as_of"]),
            paths=int(v["paths"]),
            compare_paths=int(v["compare_paths"]),
            market=None if v.get("market") is None else MarketFacts.from_dict(v["market"], f"{where}.market"),
            limits=_limits(v.get("limits"), f"{where}.limits"),
            perpetual=None if v.get("perpetual") is None else _frozen(v["perpetual"], f"{where}.perpetual"),
            identity=None if v.get("identity") is None else _frozen(v["identity"], f"{where}.identity"),
        )


def _limits(raw: object, where: str) -> tuple[LimitFacts, ...] | None:
    if raw is None:
        return None
    return tuple(LimitFacts.from_dict(x, f"{where}[{i}]") for i, x in enumerate(_list(raw, where)))


def _limit_json(limit: LimitFacts) -> dict[str, Any]:
    """JSON has no NaN: a limit the fund held nothing against is stored as null."""
    out = limit._plain()
    for k in ("contracts_at_inception", "contracts_as_of"):
        if out[k] != out[k]:
            out[k] = None
    return out
