"""Dated fund events (``etfsim.fund.events``) through the whole ledger: splits, suspensions, new terms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, ScenarioError
from etfsim.fund import FundConfig, InvestorDemand, load_fund, simulate_fund
from etfsim.fund.records import CREATIONS_SUSPENDED, EXPOSURE_CAPPED, REVERSE_SPLIT, SPREAD_LATER
from tests.fund.fund_cases import FREE


def _t(curve: FuturesCurve, day: str) -> int:
    return int(np.searchsorted(curve.dates.astype("datetime64[D]"), np.datetime64(day, "D")))


def test_a_dated_reverse_split_divides_the_shares_and_nothing_else(compute) -> None:
    curve, sched = compute
    plain = simulate_fund(curve, sched, FundConfig(**FREE))
    split = simulate_fund(curve, sched, FundConfig(**FREE, events=[{"date": "2028-04-28", "reverse_split": 8}]))
    t = _t(curve, "2028-04-28")
    np.testing.assert_allclose(split.nav, plain.nav, rtol=1e-12, equal_nan=True)  # net assets do not move
    np.testing.assert_allclose(split.ledger.shares[:, t:] * 8, plain.ledger.shares[:, t:], rtol=1e-12)
    np.testing.assert_array_equal(split.ledger.shares[:, :t], plain.ledger.shares[:, :t])
    assert (split.status[:, t] & REVERSE_SPLIT).all() and not (split.status[:, t + 1 :] & REVERSE_SPLIT).any()
    np.testing.assert_allclose(split.nav_per_share[:, t] / plain.nav_per_share[:, t], 8.0, rtol=1e-12)
    # returns undo the split: the same NAV per share in launch shares
    np.testing.assert_allclose(split.nav_per_share_adjusted, plain.nav_per_share_adjusted, rtol=1e-12, equal_nan=True)


def test_creations_suspended_between_dates_then_the_premium_runs(compute) -> None:
    curve, sched = compute
    hot = InvestorDemand(mean=0.01, volatility=0.002, seed=3)  # steady buying: APs create most days
    events = [{"date": "2027-03-01", "creations": "suspended"}, {"date": "2027-05-03", "creations": "open"}]
    base = dict(FREE, creation_unit=10_000)
    open_ = simulate_fund(curve, sched, FundConfig(**base), flows=hot)
    shut = simulate_fund(curve, sched, FundConfig(**base, events=events), flows=hot)
    a, b = _t(curve, "2027-03-01"), _t(curve, "2027-05-03")
    assert open_.ledger.creations[:, a:b].sum() > 0  # without the suspension APs create then
    assert shut.ledger.creations[:, a:b].sum() == 0 and shut.ledger.creations[:, b:].sum() > 0
    refused = (shut.status[:, a:b] & CREATIONS_SUSPENDED) != 0
    assert refused.any() and shut.halted[:, a:b].sum() == refused.sum()  # a suspension counts as a halted day
    assert not (shut.status[:, :a] & CREATIONS_SUSPENDED).any() and not (shut.status[:, b:] & CREATIONS_SUSPENDED).any()
    # unmet demand carried over in full while halted: the premium climbs far above the default's
    held = InvestorDemand(mean=0.01, volatility=0.002, seed=3, halted_persistence=1.0)
    run = simulate_fund(curve, sched, FundConfig(**base, events=events), flows=held)
    peak_default = np.nanmax(shut.ledger.premium_arb[:, a:b])
    peak_carried = np.nanmax(run.ledger.premium_arb[:, a:b])
    assert peak_default < 0.05 < 0.2 < peak_carried  # 0.5 persistence: about 2x a day's 1%; carried: weeks of it
    assert np.nanmax(run.ledger.premium_arb[:, b + 10 :]) < peak_carried / 4  # APs work it off once they may create


def test_a_new_expense_ratio_from_a_date_on(compute) -> None:
    curve, sched = compute
    t = _t(curve, "2029-01-02")
    run = simulate_fund(curve, sched, FundConfig(**{**FREE, "expense_ratio": 0.0075},
                                                 events=[{"date": "2029-01-02", "expense_ratio": 0.0025}]))  # fmt: skip
    days = np.diff(curve.dates.astype("datetime64[D]")).astype(np.int64)
    # fee = pre-fee NAV * x / (1 + x), so fee / NAV after it is x = ratio * days / 365 exactly
    fee_rate = run.ledger.fees[0, 1:] / run.ledger.nav[0, 1:] * 365.0 / days
    s = run.start
    np.testing.assert_allclose(fee_rate[s : t - 1], 0.0075, rtol=1e-9)
    np.testing.assert_allclose(fee_rate[t - 1 :], 0.0025, rtol=1e-9)  # the date's own accrual at the new ratio


def test_the_limit_response_changes_on_a_date(compute) -> None:
    curve, sched = compute
    # a month limit the fund crosses at once: capped (and creations halted) before, spread after
    terms = dict(FREE, position_limit=1_000.0, initial_shares=4_000_000.0)
    t = _t(curve, "2028-01-03")
    run = simulate_fund(curve, sched, FundConfig(**terms, events=[{"date": "2028-01-03", "limit_response": "spread"}]))
    st = run.status[0]
    assert (st[run.start + 1 : t] & EXPOSURE_CAPPED).any() and not (st[run.start : t] & SPREAD_LATER).any()
    assert (st[t:] & SPREAD_LATER).all()  # every day after: the excess moves on (and may be capped there too)


def test_events_from_a_fund_file(tmp_path: Path) -> None:
    path = tmp_path / "uso.toml"
    path.write_text(
        "[fund]\nexpense_ratio = 0.0079\n"
        '[[fund.events]]\ndate = 2020-04-21\ncreations = "suspended"\nnote = "registered shares exhausted"\n'
        "[[fund.events]]\ndate = 2020-04-28\nreverse_split = 8\n"
        '[[fund.events]]\ndate = 2020-05-27\ncreations = "open"\n'
    )
    cfg, _ = load_fund(path)
    assert [(e.date, e.creations, e.reverse_split) for e in cfg.events] == [
        ("2020-04-21", "suspended", None), ("2020-04-28", None, 8), ("2020-05-27", "open", None),
    ]  # fmt: skip
    path.write_text("[fund]\n[[fund.events]]\ndate = 2020-04-28\nsplit = 8\n")
    with pytest.raises((ConfigError, ScenarioError), match="unknown key 'split'; valid keys: date, reverse_split"):
        load_fund(path)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([{"date": "2020-04-28", "reverse_split": 1}], "reverse_split must be a whole ratio >= 2"),
        ([{"date": "2020-04-28", "reverse_split": 2.5}], "reverse_split must be a whole ratio >= 2"),
        ([{"date": "2020-05-27", "creations": "open"}], "creations open again but they are already open"),
        (
            [{"date": "2020-05-01", "creations": "open"}, {"date": "2020-06-01", "creations": "suspended"}],
            "a suspension must start",
        ),
        ([{"date": "2020-04-28"}], "an event changes something"),
        ([{"date": "2020-04-28", "creations": "closed"}], "creations must be 'suspended' or 'open'"),
        ([{"date": "2020-04-28", "expense_ratio": 0.79}], "expense_ratio must be <= 0.05"),
        (
            [{"date": "2020-04-28", "reverse_split": 8}, {"date": "2020-04-28", "reverse_split": 4}],
            "two fund events change reverse_split on 2020-04-28",
        ),
        ([{"date": "April 28", "reverse_split": 8}], "fund event date must be a date"),
    ],
)
def test_bad_events_are_refused_in_one_line(events: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FundConfig(events=events)


def test_an_event_before_the_curve_is_named_one_after_it_has_not_happened(compute) -> None:
    curve, sched = compute
    with pytest.raises(DataError, match="fund event on 2020-01-03 is before the curve starts"):
        simulate_fund(curve, sched, FundConfig(events=[{"date": "2020-01-03", "reverse_split": 4}]))
    later = simulate_fund(curve, sched, FundConfig(**FREE, events=[{"date": "2045-01-03", "reverse_split": 4}]))
    assert not (later.status & REVERSE_SPLIT).any()
