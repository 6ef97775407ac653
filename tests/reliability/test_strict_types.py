"""TOML types are checked strictly: text is not a number, a boolean or a date, whatever it spells.

Before: ``fractional_contracts = "false"`` was taken as true (``bool("false")``),
``inception = "5"`` as the year 5, and numeric text in curve files and roll
calendars was read as numbers.  Each is now refused with the field's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etfsim._validate import boolean, date_text, float_array, number, whole
from etfsim.exceptions import ConfigError, ScenarioError
from etfsim.fund import FundConfig, InvestorDemand
from etfsim.fund.config import load_fund
from tests.cli.runner import in_process
from tests.reliability.refusal import refused


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        ({"fractional_contracts": "false"}, "fractional_contracts must be true or false (without quotes), got str"),
        ({"fractional_contracts": 0}, "fractional_contracts must be true or false"),
        ({"volume_follows_price": "no"}, "volume_follows_price must be true or false"),
        ({"nav_per_share": "25"}, "nav_per_share must be a number (dollars per share at launch), got str '25'"),
        ({"expense_ratio": True}, "expense_ratio must be a number"),
        ({"inception": "5"}, "inception must be a date like 2026-04-01, got '5'"),
        ({"inception": 20260401}, "inception must be a date like 2026-04-01"),
        ({"creation_unit": 50_000.0}, "creation_unit must be a positive whole number"),
    ],
)
def test_fund_terms_of_the_wrong_type_are_refused(terms: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as err:
        FundConfig(**terms)  # type: ignore[arg-type]
    assert words in str(err.value)


def test_a_quoted_boolean_in_a_fund_file_names_the_file_and_key(tmp_path: Path) -> None:
    toml = tmp_path / "fund.toml"
    toml.write_text('[fund]\nfractional_contracts = "false"\n')
    with pytest.raises(ConfigError, match=r"fund\.toml: fractional_contracts must be true or false"):
        load_fund(toml)
    refused(_fund_cli(toml), "fractional_contracts must be true or false")


def _fund_cli(toml: Path):  # type: ignore[no-untyped-def]
    # any command that reads --fund will do; sweep reads it before doing anything else
    return in_process(["sweep", "-o", toml.parent / "s", "--paths", "1", "-s", "front_month", "--fund", toml])


def test_real_booleans_and_dates_still_pass() -> None:
    cfg = FundConfig(fractional_contracts=True, volume_follows_price=False, inception="2026-04-01")
    assert cfg.fractional_contracts is True and cfg.inception == "2026-04-01"
    import datetime as dt

    assert FundConfig(inception=dt.date(2026, 4, 1)).inception == "2026-04-01"  # a TOML date


def test_demand_numbers_refuse_text() -> None:
    with pytest.raises(ConfigError, match="demand mean must be a number"):
        InvestorDemand(mean="0.01")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: number("x", "1.5"), "x must be a number, got str '1.5'"),
        (lambda: number("x", float("inf")), "x must be finite"),
        (lambda: whole("n", 2.0), "n must be a whole number, got float 2.0"),
        (lambda: whole("n", True), "n must be a whole number, got bool True"),
        (lambda: boolean("b", "true"), "b must be true or false (without quotes), got str 'true'"),
        (lambda: date_text("d", "2026-13-01"), "d must be a date like 2026-04-01"),
        (lambda: date_text("d", 5), "d must be a date like 2026-04-01, got 5"),
        (lambda: float_array("a", [1.0, "2"]), "a must be numbers; item 1 is str '2'"),
        (lambda: float_array("a", [1.0, None]), "a must be numbers; item 1 is NoneType None"),
    ],
)
def test_the_boundary_checks_refuse_what_python_would_coerce(call, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as err:
        call()
    assert words in str(err.value)


def test_a_folder_given_as_a_toml_file_says_it_is_a_folder(tmp_path: Path) -> None:
    from etfsim._io import read_toml

    with pytest.raises(ScenarioError, match="is a folder, not a fund file"):
        read_toml(tmp_path, "fund", "")
