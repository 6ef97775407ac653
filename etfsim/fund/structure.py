"""The fund's legal structure and what it does to a US holder's taxes and to the fund's disclosures.

Two structures hold the same futures:

``33_act_pool``
    A commodity pool registered under the Securities Act of 1933 and taxed as a
    partnership (USO, UNG): the holder gets a Schedule K-1 each year.  Its
    futures are Section 1256 contracts, marked to market at each year end, the
    net gain taxed 60% at the long-term and 40% at the short-term rate (Internal
    Revenue Code section 1256(a)); its T-bill interest is ordinary income.  A
    net Section 1256 loss is not a refund: it is carried back up to three years
    against earlier Section 1256 gains (section 1212(c), the limited carryback)
    and what is left is carried forward against later gains.  Not a registered
    investment company, so Rule 6c-11 does not apply; its hypothetical
    performance carries the CFTC's legend (17 CFR 4.41(b)(1)).
``40_act_subsidiary``
    A fund registered under the Investment Company Act of 1940 that holds its
    futures through a wholly owned Cayman subsidiary, at most 25% of its assets
    at each quarter end (the limit of Internal Revenue Code section
    851(b)(3) for a regulated investment company's holdings in one issuer;
    funds state it as a 25% cap).  The subsidiary's net gain each year comes to
    the fund as ordinary income (subpart F) and is distributed, with the T-bill
    interest, as ordinary dividends on a Form 1099; a year's subsidiary loss is
    not deductible by the fund and cannot be carried forward.  Rule 6c-11's
    disclosures apply.

The after-tax return assumes the holder reinvests what is left after tax and
sells at the end; at the sale a capital loss left over (the pool's unused
carryforward, the 1940 Act fund's loss on its shares) is credited at the
rates of its kind when ``TaxAssumptions.credit_losses_at_sale`` (the holder has
other gains to offset), else it is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.fund.comparison import TaxAssumptions
    from etfsim.fund.engine import FundResult

__all__ = [
    "CFTC_4_41_LEGEND",
    "STRUCTURES",
    "SUBSIDIARY_LIMIT",
    "after_tax_by_structure",
    "check_structure",
    "quarter_end_margin",
    "subsidiary_breaches",
]

STRUCTURES = ("33_act_pool", "40_act_subsidiary")
"""The fund structures (see the module docstring)."""

SUBSIDIARY_LIMIT = 0.25
"""A 1940 Act fund's largest share of assets in its Cayman subsidiary at a quarter end."""

CARRYBACK_YEARS = 3  # IRC section 1212(c): a net Section 1256 loss carried back three years

# 17 CFR 4.41(b)(1)(i): the statement a commodity pool operator must put with hypothetical or simulated
# performance (prescribed text, reproduced as the regulation requires it)
CFTC_4_41_LEGEND = (
    "HYPOTHETICAL OR SIMULATED PERFORMANCE RESULTS HAVE CERTAIN INHERENT LIMITATIONS. UNLIKE AN ACTUAL "
    "PERFORMANCE RECORD, SIMULATED RESULTS DO NOT REPRESENT ACTUAL TRADING. ALSO, SINCE THE TRADES HAVE NOT "
    "ACTUALLY BEEN EXECUTED, THE RESULTS MAY HAVE UNDER- OR OVER-COMPENSATED FOR THE IMPACT, IF ANY, OF CERTAIN "
    "MARKET FACTORS, SUCH AS LACK OF LIQUIDITY. SIMULATED TRADING PROGRAMS IN GENERAL ARE ALSO SUBJECT TO THE "
    "FACT THAT THEY ARE DESIGNED WITH THE BENEFIT OF HINDSIGHT. NO REPRESENTATION IS BEING MADE THAT ANY ACCOUNT "
    "WILL OR IS LIKELY TO ACHIEVE PROFITS OR LOSSES SIMILAR TO THOSE SHOWN."
)


def check_structure(structure: object, subsidiary_share: object) -> tuple[str, float]:
    """The structure's name and subsidiary share, checked (a one-line ConfigError naming the field)."""
    if structure not in STRUCTURES:
        raise ConfigError(f"structure must be one of {', '.join(STRUCTURES)}, got {structure!r}")
    if isinstance(subsidiary_share, bool) or not isinstance(subsidiary_share, (int, float)):
        raise ConfigError(f"subsidiary_share must be a fraction of assets (0.25 = 25%), got {subsidiary_share!r}")
    share = float(subsidiary_share)
    if not 0.0 < share <= SUBSIDIARY_LIMIT:
        raise ConfigError(
            f"subsidiary_share must be in (0, {SUBSIDIARY_LIMIT:g}]: a 1940 Act fund holds at most 25% of its "
            f"assets in its subsidiary at each quarter end, got {share:g}"
        )
    return str(structure), share


def quarter_end_margin(fund: FundResult) -> tuple[np.ndarray, np.ndarray]:
    """The initial margin on the contracts held as a share of NAV, at each calendar quarter end after launch.

    A 1940 Act fund's subsidiary holds the futures, so it must hold at least
    their initial margin; at a quarter end that has to fit in the share of the
    fund's assets the subsidiary may hold (:data:`SUBSIDIARY_LIMIT`).  The
    quarter end is the last date of the curve in each calendar quarter from
    the fund's launch (the last date itself only if it ends a quarter:
    a quarter still running has no quarter end yet).

    Returns
    -------
    dates : (quarters,) datetime64[D] array
        The quarter-end dates.
    share : (paths, quarters) array
        Initial margin / NAV on those dates (0 with no initial margin; NaN on a
        path whose fund was wiped out).
    """
    days = pd.DatetimeIndex(np.asarray(fund.dates).astype("datetime64[D]"))
    live = np.arange(len(days)) >= fund.start
    quarter = days.to_period("Q")
    last = np.flatnonzero(live & np.append(quarter[1:] != quarter[:-1], False))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = fund.ledger.margin[:, last] / fund.ledger.nav[:, last]
    share = np.where(fund.ledger.nav[:, last] > 0.0, share, np.nan)
    return days[last].to_numpy().astype("datetime64[D]"), np.asarray(share, dtype=float)


def subsidiary_breaches(fund: FundResult) -> np.ndarray:
    """Per path, the quarter ends at which a 1940 Act fund's subsidiary could not hold its futures' margin.

    That is, initial margin / NAV above the fund's ``subsidiary_share`` (at most
    25%): to keep its exposure the fund would need more of its assets in the
    subsidiary than the limit allows.  Counts, ``(paths,)``; all zero for a
    fund with no initial margin.
    """
    _dates, share = quarter_end_margin(fund)
    return np.asarray((np.nan_to_num(share) > fund.config.subsidiary_share + 1e-12).sum(axis=1), dtype=np.int64)


def _pool_year(
    gain: np.ndarray, interest: np.ndarray, history: list[np.ndarray], carry: np.ndarray, tax: TaxAssumptions
) -> tuple[np.ndarray, np.ndarray]:
    """One year of a '33 Act pool: the tax paid (dollars, per path; negative: a carryback refund) and the new carry.

    ``gain`` is the year's gain in dollars, ``interest`` its ordinary part;
    ``history`` holds the taxed Section 1256 gains of earlier years (oldest
    first, changed in place when a loss is carried back), ``carry`` the loss
    carried forward (a positive number of dollars).
    """
    rate = tax.blended_1256
    net = gain - interest  # the Section 1256 part
    paid = interest * tax.ordinary
    use = np.minimum(np.maximum(net, 0.0), carry)  # a gain first absorbs the losses carried forward
    carry = carry - use
    taxable = np.maximum(net, 0.0) - use
    paid = paid + taxable * rate
    loss = np.maximum(-net, 0.0)
    for past in history[-CARRYBACK_YEARS:]:  # the three years before, oldest first (section 1212(c))
        back = np.minimum(loss, past)
        past -= back
        loss = loss - back
        paid = paid - back * rate  # the tax paid on those gains comes back
    history.append(taxable.copy())
    return paid, carry + loss


def after_tax_by_structure(
    navps: np.ndarray,
    year_ends: np.ndarray,
    start: int,
    interest: np.ndarray,
    tax: TaxAssumptions,
    structure: str,
    years: float,
) -> np.ndarray:
    """After-tax annualised return per path of holding the fund from ``start`` to the last date.

    Parameters
    ----------
    navps : (paths, dates) array
        NAV per share with splits undone.
    year_ends : (years,) int array
        The last date of each calendar year from ``start`` (and the last date).
    interest : (paths, dates) array
        Daily T-bill interest as a fraction of the previous day's NAV.
    structure : str
        One of :data:`STRUCTURES`.
    years : float
        ACT/365 years from ``start`` to the end.
    """
    marks = np.concatenate([navps[:, start : start + 1], navps[:, year_ends]], axis=1)
    growth = marks[:, 1:] / marks[:, :-1]
    bounds = np.concatenate([[start], year_ends])
    daily = np.nan_to_num(np.asarray(interest, dtype=float))
    n_paths = navps.shape[0]
    wealth = np.ones(n_paths)  # the holder's position, dollars, after the taxes paid so far
    basis = np.ones(n_paths)  # the 1940 Act fund's share basis: the first dollar and the reinvested dividends
    carry = np.zeros(n_paths)
    history: list[np.ndarray] = []
    for i in range(growth.shape[1]):
        gain = wealth * (growth[:, i] - 1.0)
        ordinary = wealth * daily[:, bounds[i] + 1 : bounds[i + 1] + 1].sum(axis=1)
        if structure == "33_act_pool":
            paid, carry = _pool_year(gain, ordinary, history, carry, tax)
            wealth = wealth + gain - paid
        else:  # the subsidiary's net gain and the interest, distributed as ordinary dividends, reinvested after tax
            dividend = ordinary + np.maximum(gain - ordinary, 0.0)  # a subsidiary loss offsets nothing
            paid = dividend * tax.ordinary
            wealth = wealth + gain - paid
            basis = basis + dividend - paid
    if structure == "33_act_pool":
        credit = carry * tax.blended_1256 if tax.credit_losses_at_sale else 0.0
        final = wealth + credit
    else:
        capital = wealth - basis  # the shares' gain (or loss) at the sale
        rate = np.where(capital > 0.0, tax.long_term, tax.long_term if tax.credit_losses_at_sale else 0.0)
        final = wealth - capital * rate
    return np.asarray(np.maximum(final, 0.0) ** (1.0 / years) - 1.0)
