"""Who the fund is: ticker, exchange, CUSIP, service providers, index provider, prospectus.

A fact sheet names the fund's ticker and listing exchange, its CUSIP, its
sponsor and service providers, the index and its provider, and where the
prospectus is.  A hypothetical fund has none of these yet, so the defaults
are placeholders that say so; a designer gives the real ones in an
``[identity]`` table of a strategy or fund file::

    [identity]
    ticker = "GPUX"
    exchange = "NYSE Arca"
    cusip = "000000000"          # placeholder until assigned
    sponsor = "Example Capital LLC"
    administrator = "Example Fund Services"
    custodian = "Example Trust Company"
    distributor = "Example Distributors LLC"
    index_provider = "Silicon Data"
    index_ticker = "SDH100RT"
    prospectus = "example.com/gpux/prospectus"

Every value is text; an unknown key is refused with the valid ones listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from etfsim._io import read_toml
from etfsim.exceptions import ScenarioError

__all__ = ["IDENTITY_KEYS", "FundIdentity", "identity_from_table", "load_identity"]

PLACEHOLDER = "TBD"


@dataclass(frozen=True)
class FundIdentity:
    """The fund's names and service providers, as the sheet prints them (placeholders by default).

    Attributes
    ----------
    ticker, exchange, cusip : str
        Trading symbol, listing exchange and CUSIP (nine characters once assigned).
    sponsor, administrator, custodian, distributor : str
        The sponsor (a pool's commodity pool operator, a '40 Act fund's adviser) and service providers.
    index_provider, index_ticker : str
        Who calculates the index the fund tracks, and its ticker.
    prospectus : str
        Where an investor finds the prospectus.
    """

    ticker: str = PLACEHOLDER
    exchange: str = "Not yet listed"
    cusip: str = "Not yet assigned"
    sponsor: str = "Sponsor to be named"
    administrator: str = "Administrator to be named"
    custodian: str = "Custodian to be named"
    distributor: str = "Distributor to be named"
    index_provider: str = "etfsim (hypothetical index)"
    index_ticker: str = PLACEHOLDER
    prospectus: str = "No prospectus: a hypothetical fund for product design"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


IDENTITY_KEYS: tuple[str, ...] = tuple(f.name for f in fields(FundIdentity))
"""The keys of an ``[identity]`` table."""


def identity_from_table(raw: object, where: str) -> FundIdentity:
    """A :class:`FundIdentity` from an ``[identity]`` TOML table; each value text, each key known.

    Raises
    ------
    ScenarioError
        Not a table, an unknown key (the valid ones listed) or a value that is not text.
    """
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: [identity] must be a table of keys, got {type(raw).__name__}")
    for key, value in raw.items():
        if key not in IDENTITY_KEYS:
            raise ScenarioError(f"{where}: unknown key {key!r} in [identity]; valid keys: {', '.join(IDENTITY_KEYS)}")
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(
                f"{where}: [identity] {key} must be text in quotes, got {type(value).__name__} {value!r}"
            )
    return FundIdentity(**{k: str(v).strip() for k, v in raw.items()})


def load_identity(path: str | Path) -> FundIdentity | None:
    """The ``[identity]`` table of a strategy or fund file, or None when it has none."""
    p = Path(path)
    raw: dict[str, Any] = read_toml(p, "fund", "see etfsim/fund/identity.py for the keys")
    return None if "identity" not in raw else identity_from_table(raw["identity"], p.name)
