"""The error tree's helper: ``with_context`` puts where an error came from in front of its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from etfsim.exceptions import (
    CalendarError,
    ConfigError,
    DataError,
    EtfsimError,
    FileFormatError,
    ScenarioError,
    UnknownNameError,
    with_context,
)
from etfsim.fund.config import fund_from_tables, load_fund


@pytest.mark.parametrize(
    "exc",
    [
        EtfsimError("bad"),
        ConfigError("bad"),
        ScenarioError("bad"),
        DataError("bad"),
        FileFormatError("bad"),
        CalendarError("bad"),
        UnknownNameError("limit response", "stop", ["spread", "halt"]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_with_context_keeps_the_class_and_prefixes_the_message(exc: EtfsimError) -> None:
    new = with_context(exc, "fund.toml")
    assert type(new) is type(exc)
    assert str(new) == f"fund.toml: {exc}"
    assert str(exc) != str(new)  # the original is left as it was


def test_with_context_keeps_what_an_unknown_name_knows() -> None:
    exc = UnknownNameError("limit response", "stop", ["spread", "halt"])
    new = with_context(exc, "fund.toml")
    assert (new.kind, new.name, new.known) == ("limit response", "stop", ["halt", "spread"])
    assert str(new) == "fund.toml: unknown limit response 'stop'; known limit responses: halt, spread"
    assert isinstance(new, KeyError) and isinstance(new, ConfigError)


def test_fund_tables_with_an_unknown_limit_response() -> None:
    with pytest.raises(UnknownNameError) as info:
        fund_from_tables("bad.toml", {"limit_response": "stop"}, None)
    assert str(info.value) == "bad.toml: unknown limit response 'stop'; known limit responses: halt, spread, swap"
    assert info.value.name == "stop"


def test_fund_file_with_an_unknown_limit_response(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[fund]\nnav_per_share = 25.0\nlimit_response = "stop"\n', encoding="utf-8")
    with pytest.raises(
        UnknownNameError, match=r"^bad\.toml: unknown limit response 'stop'; known limit responses: halt, spread, swap$"
    ):
        load_fund(bad)
