"""Strategies: a named roll rule (and, later, fund terms) in one TOML file.

``strategies/gsci.toml``::

    [strategy]
    name = "gsci"
    description = "S&P GSCI-style roll: business days 5-9, 20% a day"

    [roll]
    rule = "monthly_window"
    first_day = 5
    last_day = 9

The reader rejects unknown sections and keys and lists the valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from etfsim._io import read_toml
from etfsim.exceptions import EtfsimError, ScenarioError, UnknownNameError
from etfsim.roll.rules import RULES, RollRule, make_rule

__all__ = ["Strategy", "load_strategy"]

_SECTIONS = {"strategy": {"name", "description"}, "roll": None, "fund": None, "demand": None}


@dataclass(frozen=True)
class Strategy:
    """A named roll rule with a description, read from TOML."""

    name: str
    description: str
    rule: RollRule
    source: str = ""
    fund: Any = None  # FundConfig from a [fund] section, if the file has one
    demand: Any = None  # InvestorDemand from a [demand] section

    def describe(self) -> str:
        """One sentence for tables and fact sheets."""
        return self.description or self.rule.name


def load_strategy(path: str | Path) -> Strategy:
    """Read a strategy TOML file.

    Raises
    ------
    ScenarioError
        Missing file, invalid TOML, unknown section or key, wrong type.
    UnknownNameError
        Unknown rule name (the message lists the known ones).
    """
    p = Path(path)
    where = p.name
    raw = read_toml(p, "strategy", "see strategies/ for examples")
    for section in raw:
        if section not in _SECTIONS:
            raise ScenarioError(f"{where}: unknown section [{section}]; valid sections: {', '.join(_SECTIONS)}")
    meta = raw.get("strategy", {})
    for key, value in meta.items():
        if key not in _SECTIONS["strategy"]:
            raise ScenarioError(f"{where}: unknown key {key!r} in [strategy]; valid keys: description, name")
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: [strategy] {key} must be a string, got {type(value).__name__}")
    roll = dict(raw.get("roll", {}))
    if "rule" not in roll:
        raise ScenarioError(f"{where}: [roll] needs rule = one of {', '.join(RULES)}")
    name = roll.pop("rule")
    if not isinstance(name, str):
        raise ScenarioError(f"{where}: [roll] rule must be a string naming a rule")
    if name not in RULES:
        raise UnknownNameError("roll rule", name, RULES)
    cls = RULES[name][0]
    valid = sorted(f.name for f in fields(cls))
    for key, value in roll.items():
        if key not in valid:
            raise ScenarioError(
                f"{where}: unknown key {key!r} in [roll] for rule {name}; valid keys: {', '.join(valid) or 'none'}"
            )
        if key == "calendar" and not isinstance(value, str):
            raise ScenarioError(f"{where}: [roll] calendar must be a calendar name string")
        if key not in ("calendar", "entries") and (isinstance(value, bool) or not isinstance(value, int)):
            raise ScenarioError(f"{where}: [roll] {key} must be a whole number, got {type(value).__name__} {value!r}")
    try:
        rule = make_rule(name, **roll)
    except EtfsimError as exc:
        raise type(exc)(f"{where}: {exc}") from exc
    fund = demand = None
    if "fund" in raw or "demand" in raw:
        from etfsim.fund.config import fund_from_tables

        fund, demand = fund_from_tables(where, raw.get("fund", {}), raw.get("demand"))
    return Strategy(
        name=str(meta.get("name", p.stem)),
        description=str(meta.get("description", "")),
        rule=rule,
        source=str(p),
        fund=fund,
        demand=demand,
    )


def strategy_from_rule(rule: RollRule, description: str = "") -> Strategy:
    """Wrap a rule object as a strategy (for library callers)."""
    params: dict[str, Any] = {f.name: getattr(rule, f.name) for f in fields(rule)}  # type: ignore[arg-type]
    return Strategy(name=rule.name, description=description or f"{rule.name} {params}", rule=rule)
