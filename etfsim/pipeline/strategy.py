"""Strategies: a named roll rule, and optionally fund terms and investor demand, in one TOML file.

``gsci.toml``::

    [strategy]
    name = "gsci"
    description = "S&P GSCI-style roll: business days 5-9, 20% a day"

    [roll]
    rule = "monthly_window"
    first_day = 5
    last_day = 9

The built-in strategies ship inside the package (``etfsim/strategies/``), so a
name means the same strategy whatever folder etfsim runs from.  A user's own
folder of TOML files adds to them or overrides them by name, explicitly: pass
``folder=`` (the CLI's ``--strategies DIR``) or set ``ETFSIM_STRATEGIES``.
The reader rejects unknown sections and keys and lists the valid ones.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from etfsim._io import read_toml
from etfsim.curves.market_sim import Holding
from etfsim.curves.perpetual import Perpetual
from etfsim.curves.perpetual_terms import perpetual_from_table
from etfsim.exceptions import ConfigError, EtfsimError, ScenarioError, UnknownNameError, with_context
from etfsim.fund.config import FundConfig, InvestorDemand, fund_from_tables
from etfsim.fund.identity import FundIdentity, identity_from_table
from etfsim.roll.rules import RULES, RollRule, make_rule

__all__ = [
    "STRATEGIES_ENV",
    "Strategy",
    "builtin_strategy_folder",
    "default_strategies",
    "load_strategy",
    "resolve_strategy",
    "strategy_files",
    "strategy_from_rule",
]

STRATEGIES_ENV = "ETFSIM_STRATEGIES"
"""Environment variable naming a folder of strategy TOML files that add to or override the built-in ones."""

_SECTIONS = ("strategy", "roll", "holding", "fund", "demand", "perpetual", "identity")
_STRATEGY_KEYS = ("description", "name")


def _table(where: str, raw: dict[str, object], section: str) -> dict[str, Any] | None:
    """A TOML section as a dict (None when absent); anything but a table is refused by name."""
    value = raw.get(section)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: [{section}] must be a table of keys, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Strategy:
    """A named roll rule with a description, and the fund terms and demand its file carries.

    Attributes
    ----------
    name, description : str
        How tables and sheets name and describe it.
    rule : RollRule
        The roll rule.
    source : str
        The file it was read from ('' for one built in code).
    fund : FundConfig or None
        Fund terms from a ``[fund]`` section.
    demand : InvestorDemand or None
        Investor demand from a ``[demand]`` section.
    holding : Holding or None
        What the strategy holds on a compute market (``[holding]``: a leg or
        family, or successive generations); None: the market's default holding.
    perpetual : Perpetual or None
        The perpetual future the structure comparison holds the fund on
        (``[perpetual]``, :mod:`etfsim.curves.perpetual_terms`); None: the defaults.
    identity : FundIdentity or None
        The fund's ticker, exchange, CUSIP and service providers (``[identity]``,
        :mod:`etfsim.fund.identity`); None: the sheet's placeholders.
    """

    name: str
    description: str
    rule: RollRule
    source: str = ""
    fund: FundConfig | None = None
    demand: InvestorDemand | None = None
    holding: Holding | None = None
    perpetual: Perpetual | None = None
    identity: FundIdentity | None = None

    def describe(self) -> str:
        """One sentence for tables and fact sheets."""
        return self.description or self.rule.name

    @property
    def dated(self) -> bool:
        """Whether the rule is tied to calendar dates (a calendar, dated segments): a replay of one history.

        Such a strategy runs only on curves that contain its dates, so it runs
        when named, not as one of :func:`default_strategies`.
        """
        from etfsim.roll.rules import CalendarRule
        from etfsim.roll.segments import Segments

        rule = self.rule
        if isinstance(rule, Segments):
            return any(start is not None or isinstance(r, CalendarRule) for start, r in rule.segments)
        return isinstance(rule, CalendarRule)


def builtin_strategy_folder() -> Path:
    """The folder of the strategies that ship with etfsim."""
    return Path(str(resources.files("etfsim") / "strategies"))


def _user_folder(folder: str | os.PathLike[str] | None) -> Path | None:
    """The user's strategy folder: ``folder``, else ``$ETFSIM_STRATEGIES``, else none."""
    given = os.fspath(folder) if folder is not None else os.environ.get(STRATEGIES_ENV, "")
    if not given:
        return None
    path = Path(given)
    if not path.is_dir():
        where = "strategies folder" if folder is not None else f"{STRATEGIES_ENV}"
        raise ConfigError(f"{where} {path} is not a folder; give a folder of strategy TOML files")
    return path


def _declared_name(path: Path) -> str:
    """The strategy's name: ``[strategy] name`` if the file gives one, else the file's stem.

    A file that cannot be read is listed under its stem; reading it for use
    then reports what is wrong with it.
    """
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("strategy", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return path.stem
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else path.stem


def strategy_files(folder: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Strategy name -> TOML file: the built-in ones, then the user's folder's.

    A strategy's name is its ``[strategy] name``, or the file's stem when it
    gives none.  A file in the user's folder whose strategy has a built-in's
    name overrides it; the rest are added.  Names are sorted, so the set and
    its order do not depend on the working folder.

    Raises
    ------
    ConfigError
        If two files in the user's folder name the same strategy, or the folder is not one.
    """
    files = {_declared_name(p): p for p in sorted(builtin_strategy_folder().glob("*.toml"))}
    user = _user_folder(folder)
    if user is not None:
        own: dict[str, Path] = {}
        for p in sorted(user.glob("*.toml")):
            name = _declared_name(p)
            if name in own:
                raise ConfigError(f"{own[name]} and {p} both define strategy {name!r}; give each a distinct name")
            own[name] = p
        files.update(own)
    return dict(sorted(files.items()))


def default_strategies(folder: str | os.PathLike[str] | None = None) -> list[Strategy]:
    """Every strategy of :func:`strategy_files`, read, in name order, less those tied to dates.

    A strategy whose rule names calendar dates (``uso_2020``: USO's April 2020
    changes) replays one history, so it runs when named (``-s uso_2020``), not
    on every curve a backtest or study is given.
    """
    return [s for s in (load_strategy(p) for p in strategy_files(folder).values()) if not s.dated]


def _check_roll(where: str, raw: dict[str, object]) -> tuple[str, dict[str, Any]]:
    """The ``[roll]`` table's rule name and parameters, each key checked against the rule's fields."""
    roll = dict(_table(where, raw, "roll") or {})
    if "rule" not in roll:
        raise ScenarioError(f"{where}: [roll] needs rule = one of {', '.join(RULES)}")
    name = roll.pop("rule")
    if not isinstance(name, str):
        raise ScenarioError(f"{where}: [roll] rule must be a string naming a rule")
    if name not in RULES:
        raise with_context(UnknownNameError("roll rule", name, RULES), where)
    valid = sorted(f.name for f in fields(RULES[name][0]))
    for key, value in roll.items():
        if key not in valid:
            raise ScenarioError(
                f"{where}: unknown key {key!r} in [roll] for rule {name}; valid keys: {', '.join(valid) or 'none'}"
            )
        if key == "calendar" and not isinstance(value, str):
            raise ScenarioError(f"{where}: [roll] calendar must be a calendar name string")
        if key not in ("calendar", "entries", "segments") and (isinstance(value, bool) or not isinstance(value, int)):
            raise ScenarioError(f"{where}: [roll] {key} must be a whole number, got {type(value).__name__} {value!r}")
    return name, roll


_HOLDING_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "index": ((str,), "a leg or family name"),
    "generations": ((list,), "a list of leg names, oldest first"),
    "switch_open_interest": ((int, float), "a number of contracts"),
    "switch_age_months": ((int,), "a whole number of months"),
    "switch_window": ((int,), "a whole number of business days"),
}


def _holding(where: str, raw: dict[str, object]) -> Holding | None:
    """The ``[holding]`` table: what the strategy holds on a market."""
    tab = _table(where, raw, "holding")
    if tab is None:
        return None
    for key, value in tab.items():
        if key not in _HOLDING_KEYS:
            raise ScenarioError(f"{where}: unknown key {key!r} in [holding]; valid keys: {', '.join(_HOLDING_KEYS)}")
        types, label = _HOLDING_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise ScenarioError(f"{where}: [holding] {key} must be {label}, got {type(value).__name__} {value!r}")
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in tab.items()}
    try:
        return Holding(**kw)
    except EtfsimError as exc:
        raise with_context(exc, f"{where}: [holding]") from exc


def _read(path: Path) -> Strategy:
    # a built-in file by its name; a user's file by its path (it may override a built-in of the same name)
    where = path.name if path.parent.resolve() == builtin_strategy_folder().resolve() else str(path)
    raw = read_toml(path, "strategy", f"built-in strategies: {', '.join(strategy_files())}")
    for section in raw:
        if section not in _SECTIONS:
            raise ScenarioError(f"{where}: unknown section [{section}]; valid sections: {', '.join(_SECTIONS)}")
    meta = _table(where, raw, "strategy") or {}
    for key, value in meta.items():
        if key not in _STRATEGY_KEYS:
            raise ScenarioError(f"{where}: unknown key {key!r} in [strategy]; valid keys: description, name")
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: [strategy] {key} must be a string, got {type(value).__name__}")
    name, params = _check_roll(where, raw)
    try:
        rule = make_rule(name, **params)
    except EtfsimError as exc:
        raise with_context(exc, where) from exc
    fund = demand = None
    if "fund" in raw or "demand" in raw:
        fund, demand = fund_from_tables(where, _table(where, raw, "fund") or {}, _table(where, raw, "demand"))
    return Strategy(
        name=str(meta.get("name", path.stem)),
        description=str(meta.get("description", "")),
        rule=rule,
        source=str(path),
        fund=fund,
        demand=demand,
        holding=_holding(where, raw),
        perpetual=None if "perpetual" not in raw else perpetual_from_table(raw["perpetual"], where),
        identity=None if "identity" not in raw else identity_from_table(raw["identity"], where),
    )


def _find(text: str, folder: str | os.PathLike[str] | None) -> tuple[Strategy | None, dict[str, Path]]:
    """A strategy file (a ``.toml`` path or one that exists) or a strategy name; None if it is neither."""
    path = Path(text)
    # a folder named like a strategy (./gsci) is not a strategy file: the name wins
    if path.suffix == ".toml" or path.is_file():
        return _read(path), {}
    files = strategy_files(folder)
    return (_read(files[text]) if text in files else None), files


def load_strategy(item: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None) -> Strategy:
    """Read a strategy: a TOML file, or the name of a built-in (or user-folder) strategy.

    Parameters
    ----------
    item : str or path
        ``"uso"``, ``"gsci"`` ... (see :func:`strategy_files`) or a path to a TOML file.
    folder : path, optional
        A folder of strategy files that add to or override the built-in ones
        (default: ``$ETFSIM_STRATEGIES`` if set).

    Raises
    ------
    ScenarioError
        Missing file, invalid TOML, unknown section or key, wrong type.
    UnknownNameError
        Unknown strategy or rule name (the message lists the known ones).
    """
    found, files = _find(os.fspath(item), folder)
    if found is None:
        raise UnknownNameError("strategy", os.fspath(item), files)
    return found


def strategy_from_rule(rule: RollRule, description: str = "", name: str | None = None) -> Strategy:
    """Wrap a rule object as a strategy (for library callers)."""
    params: dict[str, Any] = {f.name: getattr(rule, f.name) for f in fields(rule)}  # type: ignore[arg-type]
    return Strategy(name=name or rule.name, description=description or f"{rule.name} {params}", rule=rule)


def resolve_strategy(
    item: Strategy | RollRule | str | os.PathLike[str], folder: str | os.PathLike[str] | None = None
) -> Strategy:
    """A strategy from an object, a TOML path, a strategy name, or a roll rule's registry name.

    A strategy name wins over a rule name (``gsci`` is both: the file carries
    its description); a bare rule name gives that rule with its defaults.
    """
    if isinstance(item, Strategy):
        return item
    if isinstance(item, RollRule):
        return strategy_from_rule(item)
    text = os.fspath(item)
    found, files = _find(text, folder)
    if found is not None:
        return found
    if text in RULES:
        # named by the registry name, not the rule's class name: gsci and bcom are both monthly_window rules
        return replace(strategy_from_rule(make_rule(text)), name=text)
    raise UnknownNameError("strategy or rule name", text, {*files, *RULES})
