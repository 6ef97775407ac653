"""Fund structures (``etfsim.fund.structure``): a '33 Act pool's and a '40 Act fund's holder, taxed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, TaxAssumptions
from etfsim.fund.comparison import after_tax_futures
from etfsim.fund.structure import CFTC_4_41_LEGEND, after_tax_by_structure

TAX = TaxAssumptions(credit_losses_at_sale=True)  # 23.8% long-term, 40.8% short-term and ordinary: 60/40 = 30.6%
DATES = np.array(["2027-01-04", "2027-12-31", "2028-12-29", "2029-12-31"], dtype="datetime64[D]")
NAV = np.array([[1.0, 1.10, 0.88, 1.012]])  # +10%, -20%, +15% a year


def test_the_blended_1256_rate() -> None:
    assert TAX.blended_1256 == pytest.approx(0.6 * 0.238 + 0.4 * 0.408) == pytest.approx(0.306)


def test_a_pool_carries_a_loss_back_then_forward_never_refunds_it_yearly() -> None:
    r = 0.306
    w1 = 1.0 + 0.10 - 0.10 * r  # year 1: the gain taxed at 60/40
    loss = 0.20 * w1
    back = min(loss, 0.10)  # year 2: carried back against year 1's taxed gain, that tax refunded
    w2 = w1 - loss + back * r
    carry = loss - back
    gain3 = 0.15 * w2  # year 3: the rest of the loss absorbs the gain first
    w3 = w2 + gain3 - max(gain3 - carry, 0.0) * r
    left = max(carry - gain3, 0.0)
    years = float((DATES[-1] - DATES[0]).astype(int)) / 365
    want = (w3 + left * r) ** (1 / years) - 1
    got = after_tax_futures(NAV, DATES, 0, TAX, structure="33_act_pool")
    assert got[0] == pytest.approx(want, rel=1e-12)
    # the old rule, a full credit of each year's loss at 30.6%, gave more: the loss compounded as a refund
    yearly_credit = np.prod(1 + (np.array([0.10, -0.20, 0.15]) * (1 - r))) ** (1 / years) - 1
    assert got[0] < yearly_credit


def test_a_1940_act_fund_distributes_ordinary_dividends_and_cannot_use_a_subsidiary_loss() -> None:
    o, lt = 0.408, 0.238
    w, basis = 1.0, 1.0
    for g in (0.10, -0.20, 0.15):
        gain = w * g
        dividend = max(gain, 0.0)  # no interest here: the subsidiary's gain only, a loss gives nothing
        w = w + gain - dividend * o
        basis = basis + dividend - dividend * o
    final = w - (w - basis) * lt  # the loss on the shares at the sale, credited at the long-term rate
    years = float((DATES[-1] - DATES[0]).astype(int)) / 365
    got = after_tax_futures(NAV, DATES, 0, TAX, structure="40_act_subsidiary")
    assert got[0] == pytest.approx(final ** (1 / years) - 1, rel=1e-12)


def test_interest_is_ordinary_income_in_both_structures() -> None:
    flat = np.ones((1, 4)) * np.array([1.0, 1.04, 1.0816, 1.124864])  # 4% a year, all of it interest
    interest = np.zeros((1, 4))
    interest[0, 1:] = 0.04
    ends = np.array([1, 2, 3])
    years = 3.0
    for structure in ("33_act_pool", "40_act_subsidiary"):
        got = after_tax_by_structure(flat, ends, 0, interest, TAX, structure, years)
        assert got[0] == pytest.approx(0.04 * (1 - 0.408), rel=1e-12), structure


def test_losses_left_at_the_sale_can_be_lost() -> None:
    falling = np.array([[1.0, 0.9, 0.8, 0.7]])
    credited = after_tax_futures(falling, DATES, 0, TAX)
    lost = after_tax_futures(falling, DATES, 0, TaxAssumptions())  # the default: no other gains to use them on
    years = float((DATES[-1] - DATES[0]).astype(int)) / 365
    assert lost[0] == pytest.approx(0.7 ** (1 / years) - 1, rel=1e-12)
    assert lost[0] < credited[0]


def test_the_cftc_legend_is_the_regulation_s() -> None:
    assert CFTC_4_41_LEGEND.startswith(
        "HYPOTHETICAL OR SIMULATED PERFORMANCE RESULTS HAVE CERTAIN INHERENT LIMITATIONS"
    )
    assert CFTC_4_41_LEGEND.endswith("LIKELY TO ACHIEVE PROFITS OR LOSSES SIMILAR TO THOSE SHOWN.")


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"structure": "etf"}, "structure must be one of 33_act_pool, 40_act_subsidiary"),
        ({"structure": "40_act_subsidiary", "subsidiary_share": 0.3}, "subsidiary_share must be in \\(0, 0.25\\]"),
    ],
)
def test_bad_structures(terms: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FundConfig(**terms)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [-0.1, 1.2])
def test_a_tax_rate_outside_0_1_is_refused(rate: float) -> None:
    with pytest.raises(ConfigError, match="tax long_term must be"):
        TaxAssumptions(long_term=rate)
