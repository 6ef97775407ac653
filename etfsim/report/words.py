"""The fact sheet's words: objective, strategy and disclosures, generated from the terms.

A prospectus states the fund's objective in one sentence ("seeks to track,
before fees and expenses, the ...") and describes the roll in plain words.
Here both come from the roll rule's parameters and the fund terms, so a
designer who changes ``days_before_expiry`` in a strategy file sees the words
change with the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "DISCLOSURES",
    "disclosures_for",
    "model_name",
    "strategy_title",
    "results_kind",
    "fund_name",
    "halt_premium_words",
    "index_name",
    "is_compute",
    "leverage_words",
    "objective",
    "principal_risks",
    "roll_words",
    "tax_words",
    "terms_words",
]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _days(n: int) -> str:
    return f"{n} business day" + ("" if n == 1 else "s")


def roll_words(rule: str, params: Mapping[str, Any]) -> str:
    """One or two sentences saying which contracts the index holds and how it rolls."""
    p = dict(params)
    if rule == "front_month":
        before, window = int(p.get("days_before_expiry", 0)), int(p.get("window", 1))
        if before == 0 and window == 1:
            return (
                "The index holds the front-month contract to its last trading day and rolls into the next "
                "listed month at that close."
            )
        span = "at one close" if window == 1 else f"over {_days(window)}, an equal share each day,"
        # rolled out before its last day, the nearest month is not what the index holds between the roll and expiry
        return (
            f"The index holds the nearest contract month and rolls it into the next {span} "
            f"finishing {_days(before)} before its last trading day (then the second listed month until it expires)."
        )
    if rule == "strip":
        n, before, window = int(p.get("contracts", 12)), int(p.get("days_before_expiry", 0)), int(p.get("window", 1))
        return (
            f"The index holds equal quantities of the {n} nearest contract months; the nearest rolls into the "
            f"{_ordinal(n + 1)} month over {_days(window)}, finishing {_days(before)} before it expires."
        )
    if rule == "monthly_window":
        first, last = int(p.get("first_day", 5)), int(p.get("last_day", 9))
        share = 100.0 / (last - first + 1)
        return (
            f"The index rolls on the {_ordinal(first)} to {_ordinal(last)} business days of each month, "
            f"{share:.0f}% of the position a day, from the contract expiring after this month's window into "
            "the one expiring after next month's, so it never holds a contract into expiry."
        )
    if rule == "constant_maturity":
        m = int(p.get("target_months", 1))
        pair = "first and second" if m == 1 else f"{_ordinal(m)} and {_ordinal(m + 1)}"
        return (
            f"The index keeps a constant {m}-month maturity by holding the {pair} contract months and shifting "
            "weight between them every business day (the S&P VIX Short-Term Futures Index method)."
        )
    if rule == "optimum_yield":
        first, last, horizon = int(p.get("first_day", 2)), int(p.get("last_day", 6)), int(p.get("max_months", 13))
        return (
            f"When the held contract must roll, the index moves over the {_ordinal(first)} to {_ordinal(last)} "
            f"business days of the month into the contract within {horizon} months with the highest implied "
            "roll yield at the close before the window (DBIQ Optimum Yield method)."
        )
    if rule == "calendar":
        return "The index holds the contracts and weights of an explicit roll calendar."
    return f"The index follows the {rule.replace('_', ' ')} roll rule."


MODEL_NAMES = {
    "schwartz-smith": "Schwartz-Smith two-factor model",
    "schwartz-1f": "one-factor mean-reverting model",
    "market": "compute market model (correlated Schwartz-Smith legs)",
    "recorded": "recorded futures prices",
}
"""How the sheets name a curve model (``metadata["model"]``); an unknown name is printed as it is."""


def model_name(model: str) -> str:
    """``Schwartz-Smith two-factor model`` for ``schwartz-smith``: a model as a reader names it."""
    return MODEL_NAMES.get(str(model), str(model))


def strategy_title(name: str, description: str = "") -> str:
    """A strategy's display name: its description up to the first colon or comma (``S&P GSCI-style monthly roll``).

    Every built-in description starts with one (``Front month, held to ...``, ``Compute default: roll
    out ...``); a strategy without a description shows its name with spaces (``usl strip12``).
    """
    head = str(description).split(":", 1)[0].split(",", 1)[0].strip()
    if head and len(head) <= 48:
        return head
    return str(name).replace("_", " ")


def roll_label(title: str) -> str:
    """``Compute default roll``; a title that names its roll already is left as it is."""
    return title if "roll" in title.lower() else f"{title} roll"


def is_compute(contract: Mapping[str, Any]) -> bool:
    """Whether a contract is on compute (GPU time, memory), from its name and unit; a replay may hold another."""
    text = f"{contract.get('name', '')} {contract.get('unit', '')}".lower()
    return any(word in text for word in ("gpu", "compute", "ram", "memory", "dram", "nand"))


def index_name(strategy: str, root: str, compute: bool = True) -> str:
    """Name of the hypothetical index the fund tracks: the contract root and the roll (a display title)."""
    return f"etfsim {root} {'Compute ' if compute else ''}Futures Index ({roll_label(strategy)}, TR)"


def fund_name(contract_unit: str, compute: bool = True, contract_name: str = "") -> str:
    """Name of the hypothetical fund (no real product carries it); a replay on another contract is named after it."""
    if not compute:
        return f"Hypothetical {contract_name.split(' (')[0] or contract_unit} Futures ETF"
    return f"Hypothetical {contract_unit} Compute Futures ETF"


def leverage_words(leverage: float) -> str:
    """``two times``, ``the inverse (-1x)``, ``minus two times``: how a daily objective names its multiple."""
    if leverage == -1.0:
        return "the inverse (-1x) of"
    names = {2.0: "two times", 3.0: "three times", -2.0: "minus two times (-2x)", -3.0: "minus three times (-3x)"}
    return names.get(leverage, f"{leverage:g} times")


def objective(index: str, holds: str = "futures on the rental price of GPU compute", leverage: float = 1.0) -> str:
    """The investment objective; ``holds`` says what the index holds.  A leveraged or inverse fund's is daily."""
    if leverage == 1.0:
        return (
            f"The Fund seeks to track, before fees and expenses, the performance of the {index}, "
            f"which holds {holds} and earns T-bill interest on its collateral."
        )
    return (
        f"The Fund seeks daily investment results, before fees and expenses, that correspond to "
        f"{leverage_words(leverage)} the daily performance of the {index}, which holds {holds}; it earns T-bill "
        "interest on all its assets. The Fund does not seek to achieve its objective over any period longer than "
        f"one day: over longer periods its return will differ in amount, and possibly in direction, from "
        f"{leverage:g} times the index's return (volatility drag), most of all when the index is volatile."
    )


def _limits_given(fund: Mapping[str, Any]) -> bool:
    """Whether the terms give any month limit, however it is given (contracts, notional, share of open interest)."""
    return any(
        fund.get(name + suffix) is not None
        for name in ("position_limit", "accountability_level")
        for suffix in ("", "_notional", "_oi_share")
    )


def terms_words(fund: Mapping[str, Any], contract: Mapping[str, Any]) -> str:
    """How the fund holds its exposure: contracts, collateral, creations and redemptions."""
    whole = "fractional" if fund.get("fractional_contracts") else "whole"
    settle = (
        "cash-settled on the average of the daily index over the delivery month"
        if contract.get("settlement") == "monthly_average"
        else "cash-settled at expiry"
    )
    mult = float(contract.get("multiplier", 1.0))
    unit = str(contract.get("unit", "unit"))
    cu = int(fund.get("creation_unit", 0))
    text = (
        f"The Fund holds {whole} futures contracts ({mult:,.0f} {unit}s each, {settle}) and keeps the rest "
        f"of its assets in 91-day Treasury bills. Authorised participants create and redeem shares for cash "
        f"in units of {cu:,} shares."
    )
    if _limits_given(fund):
        text += " New creations stop when a position limit or accountability level would be crossed."
    return text


def halt_premium_words(demand: Mapping[str, Any] | None) -> str:
    """What the ledger does to the premium while creations are halted, as a sentence (empty without demand)."""
    if not demand:
        return ""
    phi = float(demand.get("persistence", 0.0))
    held = demand.get("halted_persistence")
    kept = phi if held is None else float(held)
    if kept >= 1.0:
        carry = "all of each day's unmet demand stays in the price until creations resume"
    else:
        carry = (
            f"{kept:.0%} of the premium carries into the next day, as on any other day"
            if held is None
            else (f"{kept:.0%} of the premium carries into the next day ({phi:.0%} when creations are open)")
        )
    return (
        " In this model no authorised participant can then meet investor demand, so the premium moves with "
        f"demand alone: {carry}."
    )


def principal_risks(
    fund: Mapping[str, Any],
    contract: Mapping[str, Any],
    limits: Sequence[str] | None = None,
    demand: Mapping[str, Any] | None = None,
) -> tuple[tuple[str, str], ...]:
    """The risks an issuer lists first for a single-commodity futures fund, in the fund's own terms.

    ``limits`` are the limits as the ledger applied them, in words
    (:func:`etfsim.report.market_words.limit_words`); without them the month
    limit given in contracts is named, as a folder written before limits were
    recorded has it.  ``demand`` (the study's investor demand) says how the
    premium behaves while creations are halted, in the model's own terms.
    """
    limit = fund.get("accountability_level") or fund.get("position_limit")
    usual = "the market price can then trade well above NAV, as USO's did in April 2020." + halt_premium_words(demand)
    if limits:
        halt = f"Creations stop when the fund would cross its {_or(list(limits))}; {usual}"
    elif limit:
        halt = f"Creations stop when the fund would hold more than {float(limit):,.0f} contracts in one month; {usual}"
    else:
        halt = "An exchange may set position limits that stop creations and let the premium run."
    roll = (
        "Roll and term structure",
        "The fund sells expiring contracts and buys later ones; in contango it loses as "
        "they converge to spot, and it can lag or lead the spot price by a wide margin for years.",
    )
    if not is_compute(contract):  # a replay on a listed contract: its own market's risks, not compute's
        return (
            roll,
            ("Position limits and premiums", halt),
            (
                "Volatile prices",
                f"{contract.get('name', 'Futures')} prices can move tens of percent in weeks; the fund can lose "
                "most of its value, and a recorded history does not bound what the next one brings.",
            ),
        )
    return (
        roll,
        (
            "New, untested market",
            f"No {contract.get('unit', 'GPU-hour')} futures trade today; liquidity, spreads, "
            "margins and the index behind the contract may differ from these assumptions.",
        ),
        ("Position limits and premiums", halt),
        (
            "Volatile, deflating prices",
            "Compute prices can move tens of percent in weeks and fall as new GPUs "
            "arrive; the fund can lose most of its value, as the range of outcomes shows.",
        ),
    )


RECORDED_MODELS = frozenset({"recorded"})
"""Curve ``model`` names of recorded prices (a replay): their sheets say BACK-TESTED, a model's SIMULATED."""


def results_kind(model: str) -> str:
    """``"SIMULATED"`` for a model's paths, ``"BACK-TESTED"`` for a fund replayed on recorded prices.

    A fund run on paths a model drew is not back-tested (no history was
    tested); the stamps, the page footer and the first disclosure say which.
    """
    return "BACK-TESTED" if str(model) in RECORDED_MODELS else "SIMULATED"


_FIRST = {
    "SIMULATED": "HYPOTHETICAL, SIMULATED PERFORMANCE. Every figure on this sheet is simulated. The Fund and its "
    "index do not exist; no investor has earned these returns. The results come from a computer model of futures "
    "prices that the designer chose, run on a scenario that is not a forecast.",
    "BACK-TESTED": "HYPOTHETICAL, BACK-TESTED PERFORMANCE. The Fund and its index do not exist; no investor has "
    "earned these returns. The results apply the Fund's rules, with the benefit of hindsight, to recorded futures "
    "prices that were not those of this Fund's contract.",
}

DISCLOSURES: tuple[str, ...] = (
    _FIRST["SIMULATED"],
    "Futures on the rental price of GPU compute are not yet listed on any exchange. Contract terms, position "
    "limits, trading volumes, margins and costs shown here are assumptions and may differ materially from any "
    "contract that is eventually listed.",
    "Past performance, actual or simulated, does not guarantee future results. Simulated results have inherent "
    "limitations: they do not reflect actual trading, liquidity constraints, the impact of material economic and "
    "market factors on decision-making, or the fees and costs a real fund would bear beyond those modelled.",
    "The Monte Carlo range shows the spread of outcomes across simulated paths of one scenario. It is not a "
    "probability statement about the future and does not bound possible losses: an investor could lose all of "
    "the money invested.",
    "Returns for periods over one year are annualised. Market price returns use the simulated closing price of "
    "the shares; NAV returns use the net asset value per share, adjusted for reverse splits. Index returns do not "
    "reflect fees, expenses or trading costs.",
    "A futures fund taxed as a partnership may issue a Schedule K-1, and its gains are marked to market each year "
    "(60% long-term, 40% short-term). This sheet is not tax, legal or investment advice and is not an offer to "
    "sell or a solicitation of an offer to buy any security. For product design discussion only.",
)
"""Issuer-style disclosures printed on every sheet (the last one as a '33 Act pool's; see :func:`disclosures_for`)."""

NOT_ADVICE = (
    "This sheet is not tax, legal or investment advice and is not an offer to sell or a solicitation of an offer "
    "to buy any security. For product design discussion only."
)


def tax_words(fund: Mapping[str, Any]) -> str:
    """The after-tax row's assumptions: the holder's rates and the structure's rules, in one sentence."""
    from etfsim.fund.comparison import TaxAssumptions

    t = TaxAssumptions()  # the study's: a top-bracket US holder
    if fund.get("structure", "33_act_pool") == "40_act_subsidiary":
        rule = "the Fund's distributions as ordinary income, its subsidiary's losses lost"
    else:
        rule = f"the Fund's gains yearly at 60/40 ({t.blended_1256:.1%}), its losses carried, not refunded"
    return (
        f"After tax: top-bracket US rates ({t.long_term:.1%} long-term, {t.ordinary:.1%} short-term and "
        f"ordinary); {rule}; the stock ETF's gains at the sale; losses unused at the sale not credited."
    )


def disclosures_for(fund: Mapping[str, Any], kind: str = "SIMULATED", compute: bool = True) -> tuple[str, ...]:
    """The disclosures of a fund of this structure (:mod:`etfsim.fund.structure`): the general ones, then its own.

    ``kind`` (:func:`results_kind`) words the first: simulated paths or a back-test on recorded prices.
    """
    from etfsim.fund.structure import CFTC_4_41_LEGEND

    # the second paragraph says compute futures are not yet listed: not so for a replay on a listed contract
    general = (_FIRST[kind],) + (DISCLOSURES[1:] if compute else DISCLOSURES[2:])
    if fund.get("structure", "33_act_pool") == "40_act_subsidiary":
        share = float(fund.get("subsidiary_share", 0.25))
        own = (
            "The Fund is registered under the Investment Company Act of 1940 and holds its futures through a wholly "
            f"owned Cayman Islands subsidiary, at most {share:.0%} of its assets at each quarter end. It distributes "
            "its subsidiary's net gains and its interest as ordinary dividends, reported on Form 1099; a year's "
            "subsidiary loss is not deductible by the Fund and cannot be carried forward. Under Rule 6c-11 the "
            "Fund's website shows each business day its holdings, NAV, market price, premium or discount and the "
            "median bid-ask spread of the last 30 days. " + NOT_ADVICE
        )
        return general[:-1] + (own,)
    own = (
        "The Fund is a commodity pool, not an investment company registered under the Investment Company Act of "
        "1940, so Rule 6c-11 does not apply. It issues a Schedule K-1: its futures are Section 1256 contracts, "
        "marked to market each year, 60% long-term and 40% short-term; a net loss is carried back three years or "
        "forward, not refunded. " + NOT_ADVICE
    )
    # the CFTC's legend says what the general paragraph on simulated results' limitations says: it takes its place
    return tuple(CFTC_4_41_LEGEND if text == DISCLOSURES[2] else text for text in general[:-1]) + (own,)
