"""The sheets' words about what a fund holds on a compute market.

The venues list futures per chip (a B200 rental index) and on composites,
never on "compute" in general, so a fund that wants compute for a decade
either holds one chip, holds a family index (a transacted-price composite, or
a performance-normalised "H100-equivalent hour" that splices each generation
in at its performance ratio), or moves from chip to chip itself.  A compliance
reviewer wants the sheet to say which, name the contracts and their size,
state the rule that moves the fund between generations as the strategy file
gives it, and name the risks that come with it: a forward curve that is not
one curve across a move, and new chips' futures that start with little open
interest against limits set as a share of it.

Everything here reads :class:`~etfsim.report.facts.MarketFacts` and
:class:`~etfsim.report.facts.HoldingFacts`, so the words follow the scenario
and strategy files.  A single-chip scenario has no market facts and keeps the
words of :mod:`etfsim.report.words`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from etfsim._format import format_value
from etfsim.report import words
from etfsim.report.facts import HoldingFacts, LegFacts, LimitFacts, MarketFacts, StrategyFacts
from etfsim.report.results import StudyResults
from etfsim.report.tables import Fact

__all__ = [
    "SheetNames",
    "basis_label",
    "contract_line",
    "fund_name",
    "generation_moves",
    "holding_label",
    "holding_risks",
    "holds_words",
    "index_name",
    "key_facts",
    "limit_clause",
    "limit_facts",
    "limit_words",
    "methodology",
    "move_words",
    "rules_holds",
    "sheet_names",
    "switch_rule",
]


def _month(ym: str) -> str:
    """``2027-01`` -> ``Jan 2027``."""
    return f"{date(int(ym[:4]), int(ym[5:7]), 1):%b %Y}"


def _months_after(ym: str, months: int) -> str:
    total = int(ym[:4]) * 12 + int(ym[5:7]) - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _num(x: float) -> str:
    return f"{x:,.0f}"


def _ratio(x: float) -> str:
    return f"{x:g}"


def _reference(market: MarketFacts) -> str:
    """The chip performance ratios are counted in (its tier does not change the work an hour does)."""
    leg = market.leg(market.reference)
    return leg.chip or leg.name


def leg_label(market: MarketFacts, name: str) -> str:
    """A leg as a reader knows it: its chip, with its tier where two legs share the chip."""
    leg = market.leg(name)
    chip = leg.chip or leg.name
    twins = [x for x in market.legs if (x.chip or x.name) == chip]
    return f"{chip} {leg.tier}" if len(twins) > 1 and leg.tier else chip


def _held(holding: HoldingFacts, market: MarketFacts) -> tuple[LegFacts, ...]:
    """The legs a holding's prices come from (a family's members, or the chips held)."""
    if holding.index is None:
        return tuple(market.leg(g) for g in holding.generations)
    fam = market.family(holding.index)
    return tuple(market.leg(x) for x in fam.legs) if fam is not None else (market.leg(holding.index),)


def holding_label(holding: HoldingFacts, market: MarketFacts) -> str:
    """``B200 > Rubin > Rubin Ultra``, ``H100-equivalent hour`` or ``B200``."""
    if holding.index is None:
        return " > ".join(leg_label(market, g) for g in holding.generations)
    fam = market.family(holding.index)
    return fam.index if fam is not None else leg_label(market, holding.index)


def index_name(strategy: str, holding: HoldingFacts, market: MarketFacts) -> str:
    """Name of the hypothetical index: the chips held in turn, the family, or the chip and its published index."""
    if holding.index is None:
        return f"etfsim Compute Generations Index ({holding_label(holding, market)})"
    fam = market.family(holding.index)
    if fam is not None:
        return f"etfsim {fam.index} Futures Index ({words.roll_label(strategy)}, TR)"
    leg = market.leg(holding.index)
    return f"etfsim {leg_label(market, leg.name)} Compute Futures Index ({leg.index}, {words.roll_label(strategy)}, TR)"


def fund_name(holding: HoldingFacts, market: MarketFacts) -> str:
    """Name of the hypothetical fund (no real product carries it)."""
    if holding.index is None:
        return "Hypothetical Compute Generations Futures ETF"
    fam = market.family(holding.index)
    if fam is not None:
        return f"Hypothetical {fam.index} Compute Futures ETF"
    leg = market.leg(holding.index)
    what = "Memory" if leg.kind == "memory" else leg.unit
    return f"Hypothetical {leg_label(market, leg.name)} {what} Futures ETF"


def _size(multiplier: float, unit: str) -> str:
    return f"{multiplier:,.0f} {unit}{'' if multiplier == 1 else 's'}"


def _leg_contract(leg: LegFacts, label: str) -> str:
    # a GPU leg's contract is named after its own chip: the file's contract name is often a shared base's
    return f"{label} {leg.unit} rental index future" if leg.kind == "gpu" else leg.contract_name


def contract_line(holding: HoldingFacts, market: MarketFacts) -> str:
    """The contracts held and their size: one contract per chip held, or the family's contract."""
    if holding.index is None:
        legs = [market.leg(g) for g in holding.generations]
        chips = _and([leg_label(market, x.name) for x in legs])  # each chip's row below names its root
        return f"{chips} {legs[0].unit} rental index futures, {_size(legs[0].multiplier, legs[0].unit)} each"
    fam = market.family(holding.index)
    if fam is not None:
        return f"{fam.root}: {fam.contract_name} (hypothetical), {_size(fam.multiplier, fam.unit)}"
    leg = market.leg(holding.index)
    return (
        f"{leg.root}: {_leg_contract(leg, leg_label(market, leg.name))} (hypothetical), "
        f"{_size(leg.multiplier, leg.unit)}"
    )


def holds_words(holding: HoldingFacts, market: MarketFacts) -> str:
    """What the index holds, for the objective's sentence (``"futures on ..."``)."""
    if holding.index is None:
        return "futures on one GPU generation at a time (two during a move from one to the next)"
    fam = market.family(holding.index)
    if fam is not None:
        members = _and([leg_label(market, x) for x in fam.legs])
        if fam.method == "normalised":
            ref = _reference(market)
            return (
                f"futures on the {fam.index} index (the rental price of one {ref}-equivalent GPU-hour across {members})"
            )
        return f"futures on the {fam.index} (a composite of the rental prices of {members})"
    leg = market.leg(holding.index)
    return f"futures on {leg.index} (the rental price of one {leg_label(market, leg.name)} {leg.unit})"


def switch_rule(holding: HoldingFacts, whose: str = "its") -> str:
    """The rule that moves a fund to the next chip, from the strategy file's [holding] numbers."""
    age, oi, window = holding.switch_age_months, holding.switch_open_interest, holding.switch_window
    aged = f"traded {age} month{'' if age == 1 else 's'}" if age else ""
    big = f"reached {_num(oi)} contracts of front-month open interest" if oi is not None else ""
    if aged and big:
        when = f"once {whose} futures have {aged} or {big}, whichever comes first"
    elif aged or big:
        when = f"once {whose} futures have {aged or big}"
    else:
        when = "as soon as its futures list"
    pace = "at one close" if window == 1 else f"over {window} business days"
    return f"{when}, {pace}"


def move_words(holding: HoldingFacts, market: MarketFacts, moves: dict[str, str] | None = None) -> str:
    """How the fund moves between generations, and when it did on the sheet's path (``moves``: leg -> first date)."""
    if holding.index is not None:
        return ""
    chips = [leg_label(market, g) for g in holding.generations]
    rule = switch_rule(holding, "that chip's")
    text = (
        f"The index holds one GPU generation's futures at a time, {chips[0]} first, and moves to the next chip "
        f"({', then '.join(chips[1:])}) {rule}."
    )
    if moves is not None:
        done = [f"into {leg_label(market, g)} from {format_value(moves[g], 'date')}" for g in holding.generations[1:]
                if g in moves]  # fmt: skip
        missing = [leg_label(market, g) for g in holding.generations[1:] if g not in moves]
        if done:
            text += f" On this path it moved {_and(done)}."
        if missing:
            text += f" It had not moved into {_and(missing)} by the report date."
    return text


def generation_moves(holdings: pd.DataFrame, holding: HoldingFacts, market: MarketFacts) -> dict[str, str] | None:
    """The first date the fund held each chip after the first (``YYYY-MM-DD``), from the holdings by date.

    None when the holdings have no dates or roots (a folder written before they were kept by date).
    """
    if holding.index is not None or "date" not in holdings or "root" not in holdings:
        return None
    out = {}
    for g in holding.generations[1:]:
        days = pd.DatetimeIndex(holdings.loc[holdings["root"] == market.leg(g).root, "date"])
        if len(days):
            out[g] = str(days.min().date())
    return out


def _launch(leg: LegFacts) -> str:
    # a launch inside the horizon is the scenario's assumption, not an exchange's announcement
    return "from the start" if leg.launch is None else f"from {_month(leg.launch)} (assumed)"


def methodology(holding: HoldingFacts, market: MarketFacts) -> str:
    """The index methodology footnote: per-chip index, the move between chips, or the family's splice or weights."""
    if holding.index is None:
        legs = [market.leg(g) for g in holding.generations]
        each = "; ".join(f"{leg_label(market, x.name)} on {x.index} {_launch(x)}" for x in legs)
        return (
            f"The index holds one per-chip index's futures at a time, each settling on its own chip's index ({each}). "
            "During a move it holds both chips; each day's return is that of the futures held at the previous close, "
            "so the level is chained and does not jump where the chip changes (nor does the chained spot line). "
            "Chips are not normalised by performance."
        )
    fam = market.family(holding.index)
    if fam is None:
        leg = market.leg(holding.index)
        about = f" ({leg.description})" if leg.description else ""
        return (
            f"A per-chip index: {leg.index}{about}, the rental price of one "
            f"{leg_label(market, leg.name)} {leg.unit} in USD; the fund's futures ({leg.root}) settle on it."
        )
    legs = [market.leg(x) for x in fam.legs]
    if fam.method == "normalised":
        ref = _reference(market)
        joins = []
        for x in legs:
            when = (
                "at the start" if x.launch is None else f"from {_month(_months_after(x.launch, fam.splice_lag_months))}"
            )
            joins.append(f"{leg_label(market, x.name)} {_ratio(x.performance_ratio)} {when}")
        return (
            f"The {fam.index} index is performance-normalised: each month it is the rental price of the newest "
            f"generation in it divided by that chip's performance ratio against the {ref} ({'; '.join(joins)}); a "
            f"generation joins {fam.splice_lag_months} months after its launch month, so the index is chained at "
            "each splice with the performance ratio as the splice factor. Membership changes on a month's first "
            "business day, so each delivery month's future is a fixed combination of per-chip futures."
        )
    if fam.method == "usage":
        weights = "; ".join(f"{leg_label(market, x.name)} {w:g}" for x, w in zip(legs, fam.weights, strict=True))
        how = f"weighted by rental hours ({weights}), renormalised over the chips trading"
    else:
        how = "equally weighted over the chips trading"
    launches = [f"{leg_label(market, x.name)} from {_month(x.launch)}" for x in legs if x.launch is not None]
    joined = f"; chips join as they launch ({_and(launches)})" if launches else ""
    return (
        f"The {fam.index} is a composite of the chips' rental prices in USD per GPU-hour, {how}{joined}. "
        "Weights change on a month's first business day, so each delivery month's future is a fixed combination of "
        "per-chip futures."
    )


def _limit_parts(limit: LimitFacts, as_of: str, with_inception: bool) -> list[str]:
    """What a limit meant in contracts: on the report date, and at inception when it differed."""
    now, first = limit.contracts_as_of, limit.contracts_at_inception
    if limit.basis == "contracts" and now == limit.value and first == limit.value:
        return []  # a count is its own contracts
    parts = []
    if math.isfinite(now):
        parts.append(f"about {_num(now)} contracts on {format_value(as_of, 'date')}")
    if with_inception and math.isfinite(first) and first != now:
        parts.append(f"{_num(first)} at inception")
    return parts


def limit_words(limit: LimitFacts, as_of: str, with_inception: bool = True) -> str:
    """``position limit: 40% of open interest (about 5,129 contracts on Sep 28, 2029, 4,480 at inception)``."""
    parts = _limit_parts(limit, as_of, with_inception)
    return f"{limit.label}: {limit.given}" + (f" ({', '.join(parts)})" if parts else "")


def limit_clause(limit: LimitFacts) -> str:
    """``position limit (40% of open interest)``, for a sentence (the key facts give the contracts it meant)."""
    return f"{limit.label} ({limit.given})"


def _steps(legs: Sequence[LegFacts], market: MarketFacts) -> list[str]:
    """``Rubin, Jan 2027: B200 15%``: the step-downs of the legs given, by any launch of the market."""
    names = [x.name for x in legs]
    out = []
    for x in market.legs:  # a successor the fund never holds (a random launch) steps the chips it does hold
        hit = [f"{leg_label(market, o)} {f * 100:.0f}%" for o, f in x.steps_down.items() if o in names and f > 0]
        if hit and x.launch is not None:
            out.append(f"{leg_label(market, x.name)}, {_when(x)}: {', '.join(hit)}")
    return out


def _when(leg: LegFacts) -> str:
    """``Jan 2027``, or for a random launch ``at random from Jan 2028, 0.5 a year``."""
    month = _month(str(leg.launch))
    return f"at random from {month}, {leg.arrival_rate:g} a year" if leg.arrival_rate > 0 else month


def _generation_risk(holding: HoldingFacts, market: MarketFacts) -> tuple[str, str] | None:
    ref = _reference(market)
    if holding.index is None:
        legs = [market.leg(g) for g in holding.generations]
        chips = [leg_label(market, x.name) for x in legs]
        steps = _steps(legs, market)
        stepped = f" Launches step older chips' prices down ({'; '.join(steps)})." if steps else ""
        return (
            "Generational discontinuity",
            f"The fund moves from {chips[0]} to {_and(chips[1:])}, chips with their own prices, volatility and work "
            "per hour: the forward curve is not one curve, and at a move the fund sells one chip's term structure "
            f"and buys another's.{stepped}",
        )
    fam = market.family(holding.index)
    if fam is None:
        leg = market.leg(holding.index)
        later = [x for x in market.legs if leg.name in x.steps_down and x.launch is not None]
        if not later:
            return None
        hits = _and([f"{leg_label(market, x.name)} ({_when(x)}): {x.steps_down[leg.name] * 100:.0f}%"
                     for x in later])  # fmt: skip
        return (
            "Successor generations",
            f"When newer chips launch the {leg_label(market, leg.name)} rental price steps down ({hits}); the futures "
            "price the steps before they happen, but the index falls with them, and an older chip's futures may lose "
            "open interest as renters move on.",
        )
    members = [market.leg(x) for x in fam.legs]
    if fam.method == "normalised":
        ratios = ", ".join(f"{leg_label(market, x.name)} {_ratio(x.performance_ratio)}" for x in members)
        return (
            "Generational splice",
            f"The {fam.index} switches from one chip's price to the next {fam.splice_lag_months} months after each "
            f"launch, dividing by an assumed performance ratio ({ratios} {ref}-equivalents). If renters do not pay "
            "for the ratio assumed, the index moves at the splice, and a future that delivers after a splice prices "
            "a different chip from the one that sets the index today.",
        )
    return (
        "Changing composite",
        f"Chips join the {fam.index} as they launch and its weights are renormalised; the index and its futures "
        "move with the mix of chips as well as with their prices.",
    )


def _open_interest_risk(
    holding: HoldingFacts, market: MarketFacts, limits: Sequence[LimitFacts], halted_days: float, limit_text: str
) -> tuple[str, str] | None:
    if holding.index is not None and market.family(holding.index) is not None:
        return None  # a family's futures meet the fund's own liquidity terms, not a chip's
    legs = [x for x in _held(holding, market) if x.open_interest_at_launch is not None]
    if not legs:
        return None
    starts = [
        f"{leg_label(market, x.name)} about {_num(float(x.open_interest_at_launch or 0.0))}"
        + (" at the start" if x.launch is None else f" in {_month(x.launch)}")
        for x in legs
    ]
    text = f"A new chip's futures start with little open interest (contracts: {', '.join(starts)})."
    shares = [x for x in limits if x.basis == "oi_share"]
    if shares:
        text += " Limits set as shares of it are tightest when the fund enters a new chip."
    title = "Small open interest in a new market"
    if limit_text:
        title, text = "Small open interest and position limits", f"{text} {limit_text}"
    if shares and math.isfinite(halted_days):
        text += f" Creations were halted on {_num(halted_days)} days of this path."
    return title, text


def holding_risks(
    holding: HoldingFacts,
    market: MarketFacts,
    limits: Sequence[LimitFacts] | None,
    halted_days: float,
    limit_text: str = "",
) -> tuple[tuple[str, str], ...]:
    """The principal risks a market holding adds: generational discontinuity, and new chips' small open interest.

    With ``limit_text`` (the position-limit risk in words) the open-interest risk takes it in, as one paragraph:
    the two are one risk when limits are shares of a small open interest.
    """
    found = (
        _generation_risk(holding, market),
        _open_interest_risk(holding, market, limits or (), halted_days, limit_text),
    )
    return tuple(r for r in found if r is not None)


def limit_facts(limits: Sequence[LimitFacts] | None, as_of: str) -> tuple[Fact, ...]:
    """Key-fact rows: each limit as given and the contracts it meant (none for a folder without them)."""
    out = []
    for lim in limits or ():
        label = lim.label[:1].upper() + lim.label[1:]
        if lim.basis == "oi_share" and lim.name != "all_months_limit":  # a share of the held month's, not all months'
            label += " (each contract month)"
        text = limit_words(lim, as_of, with_inception=False).split(": ", 1)[1]
        out.append(Fact(f"key_facts.limit.{lim.name}", label, text, "text"))
    return tuple(out)


def key_facts(holding: HoldingFacts, market: MarketFacts) -> tuple[Fact, ...]:
    """Key-fact rows for a market holding: each leg held with its index and performance ratio, or the family's members."""
    ref = _reference(market)
    out = []
    fam = market.family(holding.index) if holding.index is not None else None
    if fam is not None:
        members = _and([leg_label(market, x) for x in fam.legs])
        out.append(Fact("key_facts.family", "Index built from", f"{members} ({fam.method})", "text"))
    else:
        for x in _held(holding, market):
            value = f"{x.root} on {x.index}, {_launch(x)}"
            label = f"{leg_label(market, x.name)} futures ({_ratio(x.performance_ratio)}x {ref}, assumed)"
            out.append(Fact(f"key_facts.leg.{x.name}", label, value, "text"))  # the root names the contracts
    return tuple(out)


@dataclass(frozen=True)
class SheetNames:
    """What the fact sheet calls the fund, its index and its contracts, and the words its holding adds.

    Attributes
    ----------
    fund, index, contract : str
        The fund's and the index's names, and the key facts' contract line.
    holds : str
        What the index holds, for the objective's sentence.
    moves : str
        How the fund moves between generations (empty unless it holds generations).
    methodology : str
        The index methodology footnote (empty on a single chip).
    key_facts : tuple of Fact
        Rows below the contract line: legs held, the move rule, the limits as applied.
    risks : tuple of (title, text)
        Every principal risk, in the order printed.
    """

    fund: str
    index: str
    contract: str
    holds: str
    moves: str
    methodology: str
    key_facts: tuple[Fact, ...]
    risks: tuple[tuple[str, str], ...]


def sheet_names(results: StudyResults) -> SheetNames:
    """On a compute market, from the headline's holding; on a single chip, from the contract, as before."""
    facts = results.facts
    contract, head = facts.contract, facts.headline
    market, held = facts.market, head.holding
    limits = limit_facts(facts.limits, facts.as_of)
    in_words = [limit_clause(x) for x in facts.limits] if facts.limits else None
    base = words.principal_risks(facts.fund, contract, in_words, facts.demand)
    if market is None or held is None:
        compute = words.is_compute(contract)  # a replay of USO on WTI is not named as a compute fund
        return SheetNames(
            words.fund_name(str(contract["unit"]), compute, str(contract["name"])),
            words.index_name(_title(head), str(contract["root"]), compute),
            f"{contract['name']}, {float(contract['multiplier']):,.0f} {contract['unit']}s",
            "futures on the rental price of GPU compute" if compute else f"{contract['name']} futures",
            "", "", limits, base,
        )  # fmt: skip
    halted = float(results.fund_paths.iloc[facts.headline_path]["halted_days"])
    moves = generation_moves(results.holdings, held, market)
    own = holding_risks(held, market, facts.limits, halted, base[2][1])
    if any(title.startswith("Small open interest and") for title, _t in own):
        base = base[:2] + base[3:]  # the limits' paragraph is part of the open-interest one
    return SheetNames(
        fund_name(held, market), index_name(_title(head), held, market), contract_line(held, market),
        holds_words(held, market), move_words(held, market, moves), methodology(held, market),
        key_facts(held, market) + limits, base[:2] + own + base[2:],
    )  # fmt: skip


def _title(head: StrategyFacts) -> str:
    return words.strategy_title(head.name, head.description)


def _switch_short(holding: HoldingFacts) -> str:
    """``next chip at 6 months or 10,000 contracts OI, over 10 days``: a table cell's version of :func:`switch_rule`."""
    age, oi, window = holding.switch_age_months, holding.switch_open_interest, holding.switch_window
    when = " or ".join(x for x in (f"{age} months" if age else "", f"{_num(oi)} contracts OI" if oi else "") if x)
    pace = "at one close" if window == 1 else f"over {window} days"
    return f"next chip at {when or 'listing'}, {pace}"


def rules_holds(holding: HoldingFacts | None, market: MarketFacts | None) -> str:
    """What a strategy holds, for the rules sheet (empty without a market)."""
    if holding is None or market is None:
        return ""
    if holding.index is None:  # a chip that arrives at a random month says so: its move is on no fixed date
        random = [x for x in (market.leg(g) for g in holding.generations) if x.arrival_rate > 0]
        arrivals = "".join(f"; {leg_label(market, x.name)} arrives {_when(x)}" for x in random)
        return f"Generations {holding_label(holding, market)}: {_switch_short(holding)}{arrivals}"
    fam = market.family(holding.index)
    if fam is not None:  # its members are on the fact sheet's methodology; a table row stays one line
        return f"Family {fam.name}: {fam.index}"
    leg = market.leg(holding.index)
    return f"Leg {leg.name}: {leg.index} ({leg_label(market, leg.name)})"


def basis_label(name: str, market: MarketFacts | None) -> str:
    """A basis family or leg with the index it stands for: ``b200 (SDB200RT)``; the name alone without a market."""
    if market is None or name not in [x.name for x in market.legs] + [f.name for f in market.families]:
        return name
    return f"{name} ({market.index_of(name)})"
