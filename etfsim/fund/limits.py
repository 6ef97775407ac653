"""Position limits as the ledger meets them: the room they leave a fund per dollar of notional.

Exchanges cap the contracts one holder may carry in a month (the position
limit, with an accountability level below it) and in all months together.  A
fund's contracts in a month are ``NAV * q / sum(q F multiplier)`` for the
schedule's quantity weights ``q``, so each limit caps the NAV it can invest, and
with it the creations the APs may make, in proportion to that notional.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit
from etfsim.fund.records import HALT_ACCOUNTABILITY, HALT_ALL_MONTHS, HALT_POSITION_LIMIT, LedgerTerms

__all__ = ["room_per_notional"]


@jit
def room_per_notional(weights: np.ndarray, terms: LedgerTerms) -> tuple[np.ndarray, np.ndarray]:
    """By weight row and date: the largest NAV the limits allow per dollar of ``sum q F multiplier``.

    A month's contracts are ``NAV * q / sum(q F multiplier)``, so each limit caps NAV at
    ``limit / q`` (accountability level, position limit) or ``limit / sum q`` (all
    months) dollars per dollar of that notional: a property of the weights alone,
    computed once for every path.  ``which`` names the limit that binds first.
    """
    limit_month, limit_all, account = terms.position_limit, terms.all_months_limit, terms.accountability
    rows, n, depth = weights.shape
    room = np.empty((rows, n))  # every entry is set below (np.empty also compiles fastest)
    which = np.empty((rows, n), dtype=np.int64)
    for w in range(rows):
        for t in range(n):
            best = math.inf
            why = 0
            total_q = 0.0
            for s in range(depth):
                q = weights[w, t, s]
                if q > 0.0:
                    total_q += q
                    if account < math.inf and account / q < best:
                        best = account / q
                        why = HALT_ACCOUNTABILITY
                    if not terms.spread_later and limit_month < math.inf and limit_month / q < best:
                        best = limit_month / q
                        why = HALT_POSITION_LIMIT
            if total_q > 0.0 and limit_all < math.inf and limit_all / total_q < best:
                best = limit_all / total_q
                why = HALT_ALL_MONTHS
            room[w, t] = best
            which[w, t] = why
    return room, which
