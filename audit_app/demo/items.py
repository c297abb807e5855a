"""One declaration item: the true facts, what was declared, and the planted fraud if any.

The five planted kinds, each leaving the trace a real case leaves:
- UNDERVALUATION: invoice 30-80% below the true price; the unit value sits far below what the
  same code and the same importer usually show.
- MISCLASSIFICATION: a lower-duty code whose heading is close (finished goods as their parts);
  the description still names the true goods.
- ORIGIN: a preference claimed for a partner origin; the goods really come from a non-partner
  (India via Dubai is the classic) and the consignment usually ships from a transit hub.
- CONCESSION: an SRO claimed by an importer whose line of business is not entitled to it.
- QUANTITY: quantity declared 20-60% short, priced at the normal unit price; the gross weight
  is that of the true quantity.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .catalogue import AGREEMENT_BY_PARTNER, BRANDS, CONCESSIONS
from .goods import BY_CODE, DECOYS, GOODS, Goods
from .parties import SECTOR_GOODS, Importer, picker

if TYPE_CHECKING:
    from .generator import _Run

COUNT_UNITS = frozenset({"U", "SET", "PAIR"})
LOT_MEDIAN_USD = 9000.0
CONCESSIONS_FOR_CODE = {g.code: [c for c in CONCESSIONS if g.code in c.codes] for g in GOODS}
# Brand and model marks only on countable goods; bulk goods get grade and packing notes.
_SUFFIX_COUNTED = picker({"": 30, ", NEW": 8, ", ASSORTED": 6, ", PACKED IN CARTONS": 8,
                          ", AS PER INVOICE": 6, "B": 14, "M": 12, "BM": 12})
_SUFFIX_BULK = picker({"": 40, ", GRADE A": 8, ", PRIME QUALITY": 6, ", IN BAGS": 6,
                       ", IN BULK": 6, ", AS PER INVOICE": 6, ", ORIGINAL PACKING": 4})
_LOG_LOT = math.log(LOT_MEDIAN_USD)


class ItemFacts:
    __slots__ = ("goods", "declared", "description", "origin", "true_origin", "quantity",
                 "gross", "value_usd", "true_value_usd", "kind", "fta", "sro",
                 "uv_ratio", "weight_ratio")

    def __init__(self, goods: Goods, declared: Goods, description: str, origin: str,
                 true_origin: str, quantity: str, gross: str, value_usd: float,
                 true_value_usd: float, kind: str, fta: str, sro: str, uv_ratio: float,
                 weight_ratio: float) -> None:
        self.goods, self.declared, self.description = goods, declared, description
        self.origin, self.true_origin = origin, true_origin
        self.quantity, self.gross = quantity, gross
        self.value_usd, self.true_value_usd = value_usd, true_value_usd
        self.kind, self.fta, self.sro = kind, fta, sro
        self.uv_ratio, self.weight_ratio = uv_ratio, weight_ratio


def _fmt_qty(q: float, unit: str) -> str:
    return str(int(q)) if unit in COUNT_UNITS or q >= 100 else f"{q:.2f}"


def _measure(q: float) -> float:
    return float(round(q)) if q >= 100 else max(round(q, 2), 0.5)


def _fraud_goods(run: _Run, importer: Importer, kind: str) -> Goods | None:
    """Goods this importer could plausibly commit `kind` on: its own goods first, then its
    sectors', then anything (trading outside one's line is itself a signal)."""
    candidates = importer.fraud_goods.get(kind)
    if candidates is None:
        if kind == "MISCLASSIFICATION":
            def fits(g: Goods) -> bool: return g.code in DECOYS
        elif kind == "ORIGIN":
            def fits(g: Goods) -> bool: return g.code in run.tariff.covered
        else:
            def fits(g: Goods) -> bool:
                return any(c.sro_ref not in importer.entitled
                           for c in CONCESSIONS_FOR_CODE[g.code])
        pools = (importer.goods.items, [g for s in importer.sectors for g in SECTOR_GOODS[s]],
                 GOODS)
        candidates = next(([g for g in pool if fits(g)] for pool in pools
                           if any(fits(g) for g in pool)), [])
        importer.fraud_goods[kind] = candidates
    return run.rng.choice(candidates) if candidates else None


def _description(run: _Run, goods: Goods) -> str:
    suffix = (_SUFFIX_COUNTED if goods.unit in COUNT_UNITS else _SUFFIX_BULK).pick(run.rnd)
    if suffix in ("B", "M", "BM"):
        rng = run.rng
        parts = []
        if "B" in suffix:
            parts.append(f"BRAND {rng.choice(BRANDS)}")
        if "M" in suffix:
            parts.append(f"MODEL {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
                         f"-{rng.randrange(100, 9999)}")
        suffix = ", " + " ".join(parts)
    return goods.trade + suffix


def draw_item(run: _Run, importer: Importer, gd_origin: str, drift: float,
              fraud: bool) -> ItemFacts:
    rnd, rng = run.rnd, run.rng
    kind = importer.kinds.pick(rnd) if fraud else ""
    goods = None
    if kind in ("MISCLASSIFICATION", "ORIGIN", "CONCESSION"):
        goods = _fraud_goods(run, importer, kind)
        if goods is None:  # e.g. an importer entitled to every SRO cannot misuse one
            kind = "UNDERVALUATION"
    if goods is None:
        goods = (importer.goods.pick(rnd) if rnd() < 0.95
                 else rng.choice(SECTOR_GOODS[rng.choice(importer.sectors)]))
    origin = gd_origin if rnd() < 0.88 else importer.origins.pick(rnd)
    true_origin = origin
    count_unit = goods.unit in COUNT_UNITS

    price = goods.usd * importer.price_factor * drift * math.exp(rng.gauss(0, 0.28))
    lot = min(max(math.exp(rng.gauss(_LOG_LOT + importer.lot_shift, 1.0)), 300.0), 3e6)
    if count_unit:
        q = float(max(1, round(lot / price)))
        if kind == "QUANTITY" and q < 3:
            q += 2  # room to under-declare a whole unit
    else:
        q = _measure(lot / price)
    true_value = value = q * price
    declared, q_declared, fta, sro = goods, q, "", ""

    if kind == "UNDERVALUATION":
        value = true_value * (1 - rng.uniform(0.3, 0.8))
    elif kind == "QUANTITY":
        short = q * rng.uniform(0.4, 0.8)
        q_declared = float(max(1, int(short))) if count_unit else _measure(short)
        value = q_declared * price
    elif kind == "MISCLASSIFICATION":
        declared = BY_CODE[DECOYS[goods.code]]
        if declared.unit != goods.unit:  # parts are declared by net weight
            q_declared = round(q * goods.kg, 2)
    elif kind == "ORIGIN":
        agreement = rng.choice(run.tariff.covered[goods.code])
        origin, fta = agreement.partner, agreement.code
        true_origin = run.non_partners.pick(rnd)
    elif kind == "CONCESSION":
        sro = rng.choice([c.sro_ref for c in CONCESSIONS_FOR_CODE[goods.code]
                          if c.sro_ref not in importer.entitled])
    if kind in ("", "UNDERVALUATION", "QUANTITY"):  # honest claims, where entitled
        for concession in CONCESSIONS_FOR_CODE[goods.code]:
            if concession.sro_ref in importer.entitled and rnd() < 0.85:
                sro = concession.sro_ref
                break
        agreement = AGREEMENT_BY_PARTNER.get(origin)
        if (not sro and agreement and (agreement.code, origin, goods.code)
                in run.tariff.preferences and rnd() < 0.85):
            fta = agreement.code

    # Gross weight is that of the goods really shipped, packing included. Packing and
    # models vary, so weight alone does not convict an honest item.
    gross = q * goods.kg * rng.uniform(1.02, 1.25)
    if goods.unit != "KG":
        gross *= math.exp(rng.gauss(0, 0.15))
    elif rnd() < 0.1:
        gross *= rng.uniform(1.1, 1.4)  # drums, pallets, bulk bags
    if kind == "QUANTITY" or rnd() >= 0.02:  # gross weight is optional; a few omit it
        gross_text, weight_ratio = f"{gross:.2f}", gross / (q_declared * declared.kg)
    else:
        gross_text, weight_ratio = "", 0.0
    return ItemFacts(
        goods, declared, _description(run, goods), origin, true_origin,
        _fmt_qty(q_declared, declared.unit), gross_text, value, true_value, kind, fta, sro,
        (value / q_declared) / (declared.usd * drift), weight_ratio)
