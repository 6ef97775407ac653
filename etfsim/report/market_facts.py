"""What the sheets say about a market, a holding and the limits, gathered from a study.

:func:`etfsim.report.study.run_study` records these in
:class:`~etfsim.report.facts.StudyFacts` so a report folder carries them and the
words (:mod:`etfsim.report.market_words`) follow the scenario and strategy files.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from etfsim.curves.market import Market
from etfsim.fund.engine import FundResult
from etfsim.pipeline import Strategy
from etfsim.report.facts import FamilyFacts, HoldingFacts, LegFacts, LimitFacts, MarketFacts

__all__ = ["holding_facts", "limit_facts", "market_facts"]


def holding_facts(strat: Strategy, market: Market) -> HoldingFacts:
    """What ``strat`` holds on ``market``: its [holding], else the market's default holding."""
    h = strat.holding
    if h is None:
        return HoldingFacts(label=market.holding, index=market.holding)
    return HoldingFacts(
        label=h.label, index=h.index, generations=tuple(h.generations),
        switch_open_interest=None if h.switch_open_interest is None else float(h.switch_open_interest),
        switch_age_months=None if h.switch_age_months is None else int(h.switch_age_months),
        switch_window=int(h.switch_window),
    )  # fmt: skip


def market_facts(market: Market) -> MarketFacts:
    """The market's legs and families as the sheets name them."""
    legs = []
    for leg in market.legs:
        # the open interest a new chip's futures start with: what a fund moving into it meets first
        first = np.array([np.datetime64((leg.launch + "-01") if leg.launch else market.start, "D")])
        oi = leg.open_interest_on(first)
        c = leg.contract
        legs.append(
            LegFacts(
                name=leg.name,
                index=leg.index,
                chip=leg.chip,
                tier=leg.tier,
                kind=leg.kind,
                description=leg.description,
                launch=leg.launch,
                performance_ratio=float(leg.performance_ratio),
                root=c.root,
                contract_name=c.name,
                unit=c.unit,
                multiplier=float(c.multiplier),
                open_interest_at_launch=None if oi is None else float(oi[0]),
                steps_down=MappingProxyType(dict(leg.steps_down)),
                arrival_rate=float(leg.arrival_rate),
            )  # fmt: skip
        )
    families = tuple(
        FamilyFacts(
            name=f.name,
            index=f.index,
            method=f.method,
            legs=tuple(f.legs),
            weights=tuple(f.weights),
            splice_lag_months=int(f.splice_lag_months),
            description=f.description,
            root=f.contract.root,
            contract_name=f.contract.name,
            unit=f.contract.unit,
            multiplier=float(f.contract.multiplier),
        )  # fmt: skip
        for f in market.families
    )
    return MarketFacts(market.name, market.reference, market.holding, tuple(market.basis), tuple(legs), families)


def limit_facts(fund: FundResult, inception: str, as_of: str) -> tuple[LimitFacts, ...]:
    """Each limit as given and in contracts at inception and on the report date, from the headline ledger."""
    return tuple(
        LimitFacts(
            name=x.term.name,
            label=x.term.label,
            basis=x.term.basis,
            value=float(x.term.value),
            given=x.term.describe(),
            contracts_at_inception=x.contracts_on(inception),
            contracts_as_of=x.contracts_on(as_of),
        )  # fmt: skip
        for x in fund.limits
    )
