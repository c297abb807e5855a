"""Importers and clearing agents of the demo: sizes, lines of business, habits and risk.

Importer sizes follow a Zipf-like law (a few houses clear thousands of items, a long tail a
handful). Each importer keeps to a line of business (one to three sectors) and, within it, to a
short list of goods it buys again and again from a few supplier countries, so its history says
what is normal for it. Risk is concentrated: a minority of importers and agents commit most of
the planted fraud, each importer with a favourite fraud kind.
"""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Callable, Generic, Sequence, TypeVar

from .catalogue import (COLLECTORATES, CONCESSIONS, FRAUD_KIND_WEIGHTS, NAME_PREFIXES,
                        NAME_SUFFIXES, SECTOR_ORIGINS, SECTOR_WEIGHTS, SECTOR_WORDS)
from .goods import GOODS, Goods

T = TypeVar("T")

# Importer risk classes: (share of importers, fraud propensity multiplier).
IMPORTER_RISK = ((0.72, 0.3), (0.20, 1.5), (0.08, 5.0))
AGENT_RISK = ((0.85, 1.0), (0.15, 2.5))
ZIPF_EXPONENT = 0.85


class Picker(Generic[T]):
    """Weighted choice by one uniform draw and a bisect: far cheaper than random.choices."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rnd: Callable[[], float]) -> T:
        return self.items[bisect_right(self.cum, rnd() * self.total)]


def picker(weights: dict[T, float]) -> Picker[T]:
    return Picker(list(weights), list(weights.values()))


SECTOR_GOODS: dict[str, list[Goods]] = {
    s: [g for g in GOODS if s in g.sectors] for s in SECTOR_WEIGHTS}


@dataclass(slots=True, eq=False)
class Agent:
    code: str
    city: str
    risk: float


@dataclass(slots=True, eq=False)
class Importer:
    ntn: str
    name: str
    sectors: tuple[str, ...]
    goods: Picker[Goods]          # its regular goods
    origins: Picker[str]          # its supplier countries
    home: str                     # collectorate it usually clears at
    agents: list[Agent]
    risk: float
    kinds: Picker[str]            # fraud kinds, its favourite weighted up
    price_factor: float           # its usual price level against the market
    lot_shift: float              # log-shift of its consignment values (big houses buy big)
    entitled: frozenset[str]      # SRO refs its line of business entitles it to
    # Goods candidate lists per fraud kind, built on first use (few importers need them).
    fraud_goods: dict[str, list[Goods]] = field(default_factory=dict)


def ntn_check_digit(base: str) -> int:
    """Demo check digit: weighted sum mod 11 (10 -> 0). Not FBR's algorithm, which is
    unpublished; it only makes NTNs self-consistent for validation demos."""
    return sum(int(d) * w for d, w in zip(base, range(8, 1, -1))) % 11 % 10


def _name(rng: random.Random, sector: str, taken: set[str]) -> str:
    suffixes = picker(dict(NAME_SUFFIXES))
    for attempt in range(50):
        name = (f"{rng.choice(NAME_PREFIXES)} {rng.choice(SECTOR_WORDS[sector])} "
                f"{suffixes.pick(rng.random)}")
        if attempt > 20:
            name = f"{rng.choice(NAME_PREFIXES)} {name}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("could not draw a unique importer name")


def _risk(rng: random.Random, classes: tuple[tuple[float, float], ...]) -> float:
    x, acc = rng.random(), 0.0
    for share, factor in classes:
        acc += share
        if x < acc:
            return factor
    return classes[-1][1]


def make_agents(rng: random.Random, count: int) -> dict[str, list[Agent]]:
    """Clearing agents per city, licence codes like CHAL-KHI-0421."""
    cities: dict[str, int] = {}
    for weight, city in COLLECTORATES.values():
        cities[city] = cities.get(city, 0) + weight
    total = sum(cities.values())
    by_city: dict[str, list[Agent]] = {}
    for city, weight in cities.items():
        numbers = rng.sample(range(100, 10000), max(2, round(count * weight / total)))
        by_city[city] = [Agent(f"CHAL-{city}-{n:04d}", city, _risk(rng, AGENT_RISK))
                         for n in numbers]
    return by_city


def make_importers(rng: random.Random, count: int,
                   agents: dict[str, list[Agent]]) -> tuple[list[Importer], list[float]]:
    """Importers and their Zipf weights (rank 1 = largest)."""
    sector_picker = picker(SECTOR_WEIGHTS)
    home_picker = picker({c: w for c, (w, _) in COLLECTORATES.items()})
    kind_names = list(FRAUD_KIND_WEIGHTS)
    ntns = rng.sample(range(1_000_000, 9_999_999), count)
    taken: set[str] = set()
    importers, weights = [], []
    for rank in range(1, count + 1):
        primary = sector_picker.pick(rng.random)
        sectors = [primary]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            extra = sector_picker.pick(rng.random)
            if extra not in sectors:
                sectors.append(extra)
        # Regular goods: more for bigger houses; mostly from the primary sector.
        n_goods = min(4 + int(30 / rank ** 0.3) + rng.randrange(6), 30)
        pool = SECTOR_GOODS[primary] * 3 + [g for s in sectors[1:] for g in SECTOR_GOODS[s]]
        regular = list(dict.fromkeys(rng.choice(pool) for _ in range(n_goods)))
        goods = Picker(regular, [1 / (i + 1) ** 0.7 for i in range(len(regular))])
        origin_weights: dict[str, float] = {}
        for country, w in SECTOR_ORIGINS[primary].items():
            if rng.random() < 0.6 or not origin_weights:
                origin_weights[country] = w * rng.uniform(0.3, 3.0)
        home = home_picker.pick(rng.random)
        city_agents = agents[COLLECTORATES[home][1]]
        risk = _risk(rng, IMPORTER_RISK)
        if rank <= 3:  # the biggest houses are not the worst offenders: keeps the rate stable
            risk = min(risk, IMPORTER_RISK[1][1])
        favourite = rng.choice(kind_names)
        kinds = Picker(kind_names, [w * (4 if k == favourite else 1)
                                    for k, w in FRAUD_KIND_WEIGHTS.items()])
        ntn = str(ntns[rank - 1])
        importers.append(Importer(
            ntn=f"{ntn}-{ntn_check_digit(ntn)}",
            name=_name(rng, primary, taken),
            sectors=tuple(sectors), goods=goods, origins=picker(origin_weights), home=home,
            agents=rng.sample(city_agents, min(len(city_agents), rng.choice((1, 1, 2, 3)))),
            risk=risk, kinds=kinds,
            price_factor=math.exp(rng.gauss(0, 0.15)),
            lot_shift=rng.gauss(0, 0.35) + (0.6 if rank <= max(3, count // 50) else 0.0),
            entitled=frozenset(c.sro_ref for c in CONCESSIONS if c.entitled & set(sectors)),
        ))
        weights.append(1 / rank ** ZIPF_EXPONENT)
    return importers, weights
