"""Daily exchange rates (rupees per unit of currency) for the demo period.

A mean-reverting random walk per currency: the rupee drifts around its start level, cross rates
wobble, the dirham stays pegged to the dollar. Rates carry 4 decimals as the clearance system's
rate table does.
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

from .catalogue import CURRENCIES_PER_USD, PKR_PER_USD_START


class FxTable:
    """`pkr[day][cur]`: Decimal rupees per unit; `per_usd[day][cur]`: float units per USD."""

    def __init__(self, rng: random.Random, days: int) -> None:
        self.pkr: list[dict[str, Decimal]] = []
        self.per_usd: list[dict[str, float]] = []
        log_usd = math.log(PKR_PER_USD_START)
        log_cross = {cur: math.log(v) for cur, v in CURRENCIES_PER_USD.items()}
        anchor_usd, anchor_cross = log_usd, dict(log_cross)
        for _ in range(days):
            log_usd += 0.02 * (anchor_usd - log_usd) + rng.gauss(0, 0.0025)
            for cur in log_cross:
                if cur not in ("USD", "AED"):  # AED is pegged at 3.6725 per USD
                    log_cross[cur] += (0.02 * (anchor_cross[cur] - log_cross[cur])
                                       + rng.gauss(0, 0.003))
            usd_pkr = math.exp(log_usd)
            per_usd = {cur: math.exp(v) for cur, v in log_cross.items()}
            self.per_usd.append(per_usd)
            self.pkr.append({cur: Decimal(f"{usd_pkr / v:.4f}") for cur, v in per_usd.items()})
