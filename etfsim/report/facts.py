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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, TypeVar

from etfsim.exceptions import FileFormatError

__all__ = ["ScenarioFacts", "StrategyFacts", "StudyFacts"]

T = TypeVar("T", bound="_Record")


class _Record:
    """Shared reading of a JSON object into a frozen record, each missing key named."""

    @classmethod
    def _fields_from(cls: type[T], raw: object, where: str) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise FileFormatError(f"{where} must be a JSON object; re-run etfsim run to write the folder again")
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in raw]
        if missing:
            raise FileFormatError(f"{where} lacks {', '.join(missing)}; re-run etfsim run to write the folder again")
        return {n: raw[n] for n in names}


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
class StrategyFacts(_Record):
    """A strategy as the sheets describe it: name, description, rule name and parameters."""

    name: str
    description: str
    rule: str
    params: Mapping[str, Any]

    @classmethod
    def from_dict(cls, raw: object, where: str = "facts.strategy") -> StrategyFacts:
        values = cls._fields_from(raw, where)
        values["params"] = _frozen(values["params"], f"{where}.params")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "rule": self.rule, "params": dict(self.params)}


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
    """

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
        )
