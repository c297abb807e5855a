"""Realistic declarations inserted through the ORM, for any test that needs some.

Everything here flushes and never commits: a test that serves pages from another thread (the
browser tests) commits itself. What the loader would do is imitated: an item's levies follow the
duty formula on its assessed value, every version of an item as received is kept whole in
`DeclarationItemVersion` when an amendment supersedes it (the current state lives on the item), and the declaration's totals
(`item_count`, `declared_value_pkr`, `duty_paid_pkr`, `amendment_count`) agree with its items.

    imp = make_importer(session, name="Indus Polymers (Pvt) Ltd")
    gd = make_declaration(session, importer=imp, items=3, gd_date=dt.date(2025, 3, 12))
    amend_item(session, gd, 2, invoice_value=Decimal("9100"))
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_app.intake.formats import DECLARATIONS
from audit_app.services.declarations import item_file_data, item_file_values
from audit_app.intake.staging import row_hash
from audit_app.models import (LEVY_COLUMNS, ClearingAgent, Declaration, DeclarationItem,
                              DeclarationItemVersion, Importer)
from audit_app.services.duty import Rates, compute_duties

# Pakistan's common rates on manufactured consumer goods (percent).
DEFAULT_RATES = Rates.from_percentages(cd=20, rd=0, acd=2, st=18, ast=3, it="5.5")
FIRST_RECEIVED = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)

# (hs_code, description, origin, unit, currency, unit price, exchange rate)
GOODS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("84713010", "Laptop computers, 14 inch, Core i5, 8 GB RAM", "CN", "U", "USD", "350", "278.50"),
    ("39011000", "Low-density polyethylene granules, film grade", "SA", "KG", "USD", "1.12", "278.50"),
    ("85171300", "Smartphones, 128 GB, dual SIM", "CN", "U", "USD", "145", "278.50"),
    ("72085100", "Hot-rolled steel plates, thickness over 10 mm", "JP", "KG", "USD", "0.68", "278.50"),
    ("52054700", "Combed cotton yarn, 60s count", "UZ", "KG", "USD", "4.10", "278.50"),
    ("30049099", "Medicaments in measured doses, tablets", "DE", "U", "EUR", "2.35", "301.20"),
    ("87089900", "Motor vehicle parts, brake assemblies", "TH", "SET", "USD", "38", "278.50"),
    ("94036000", "Wooden office furniture, knocked down", "MY", "U", "USD", "62", "278.50"),
)
IMPORTER_NAMES = ("Indus Polymers (Pvt) Ltd", "Karachi Electronics Traders", "Ravi Textile Mills Ltd",
                  "Margalla Pharma (Pvt) Ltd", "Sindh Steel Re-Rolling Mills", "Bolan Auto Parts")

_serial = itertools.count(104_201)

# The columns of the declarations file, in order; a version's `data` holds them as text.
COLUMNS = DECLARATIONS.names
HEADER_COLUMNS = ("gd_number", "gd_date", "collectorate", "channel", "importer_ntn",
                  "importer_name", "agent_code")
ITEM_COLUMNS = tuple(c for c in COLUMNS if c not in HEADER_COLUMNS)


def _next() -> int:
    return next(_serial)


def _rupees(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def make_importer(session: Session, ntn: str | None = None, name: str | None = None) -> Importer:
    """The importer with this NTN, created when new."""
    n = _next()
    ntn = ntn or f"{n * 7 % 10_000_000:07d}-{n % 10}"
    found = session.scalar(select(Importer).where(Importer.ntn == ntn))
    if found is not None:
        return found
    found = Importer(ntn=ntn, name=name if name is not None else IMPORTER_NAMES[n % len(IMPORTER_NAMES)])
    session.add(found)
    session.flush()
    return found


def make_agent(session: Session, code: str | None = None, name: str | None = None) -> ClearingAgent:
    """The clearing agent with this licence code, created when new."""
    code = code or f"CHAL-{_next() % 10_000:04d}"
    found = session.scalar(select(ClearingAgent).where(ClearingAgent.code == code))
    if found is not None:
        return found
    found = ClearingAgent(code=code, name=name or f"Clearing agent {code}")
    session.add(found)
    session.flush()
    return found


file_values = item_file_values
file_row = item_file_data


def _price_item(item: DeclarationItem, rates: Rates, declared: Decimal | None = None,
                assessed: Decimal | None = None) -> None:
    """Values in rupees from the invoice (unless given), and the levies the formula gives."""
    item.declared_value_pkr = (_rupees(Decimal(item.invoice_value) * Decimal(item.exchange_rate))
                               if declared is None else declared)
    item.assessed_value_pkr = item.declared_value_pkr if assessed is None else assessed
    for column, amount in zip(LEVY_COLUMNS, compute_duties(Decimal(item.assessed_value_pkr), rates)):
        setattr(item, column, amount)


def _new_item(item_no: int, serial: int, spec: Mapping[str, Any]) -> DeclarationItem:
    hs_code, description, origin, unit, currency, price, rate = GOODS[(serial + item_no) % len(GOODS)]
    quantity = Decimal(spec.get("quantity", 40 + (serial * 13 + item_no * 7) % 460))
    item = DeclarationItem(
        item_no=item_no, hs_code=spec.get("hs_code", hs_code),
        description=spec.get("description", description),
        origin_country=spec.get("origin_country", origin),
        export_country=spec.get("export_country", spec.get("origin_country", origin)),
        quantity=quantity, unit=spec.get("unit", unit),
        gross_weight_kg=spec.get("gross_weight_kg", quantity * Decimal("1.25")),
        currency=spec.get("currency", currency),
        invoice_value=Decimal(spec.get("invoice_value", quantity * Decimal(price))),
        exchange_rate=Decimal(spec.get("exchange_rate", rate)),
        sro_ref=spec.get("sro_ref"), fta_code=spec.get("fta_code"),
        attributes=spec.get("attributes"), version=1, row_hash="")
    _price_item(item, spec.get("rates", DEFAULT_RATES), spec.get("declared_value_pkr"),
                spec.get("assessed_value_pkr"))
    return item


def _refresh_totals(declaration: Declaration) -> None:
    items = declaration.items
    declaration.item_count = len(items)
    declaration.declared_value_pkr = sum((i.declared_value_pkr for i in items), Decimal(0))
    declaration.duty_paid_pkr = sum((i.duty_paid_pkr for i in items), Decimal(0))


def _fingerprint(declaration: Declaration, item: DeclarationItem) -> None:
    # The loader's own fingerprint, so importing the same row again would change nothing.
    item.row_hash = row_hash(file_values(declaration, item), item.attributes or {})


def _keep_version(session: Session, declaration: Declaration,
                  item: DeclarationItem) -> DeclarationItemVersion:
    """The state the item is about to leave, kept as the loader keeps it before an amendment."""
    version = DeclarationItemVersion(item_id=item.id, version=item.version, row_hash=item.row_hash,
                                     data=file_row(declaration, item), received_at=item.updated_at,
                                     batch_id=item.batch_id)
    session.add(version)
    return version


def make_declaration(session: Session, gd_number: str | None = None, *,
                gd_date: dt.date = dt.date(2025, 3, 12), collectorate: str = "KAPW",
                channel: str = "GREEN", importer: Importer | str | None = None,
                agent: ClearingAgent | str | None = None,
                items: int | Sequence[Mapping[str, Any]] = 1,
                received_at: dt.datetime = FIRST_RECEIVED) -> Declaration:
    """A declaration as first received. `items` is a count, or one dict of overrides per item:
    any DeclarationItem column, plus `rates` (a `Rates`) for its levies. The declared value is
    `invoice_value` x `exchange_rate` in whole rupees and the assessed value equals it, unless
    given; the levies follow the duty formula on the assessed value.
    `importer`/`agent` may be objects or an NTN / licence code."""
    serial = _next()
    if not isinstance(importer, Importer):
        importer = make_importer(session, ntn=importer)
    if isinstance(agent, str):
        agent = make_agent(session, code=agent)
    gd_number = gd_number or f"{collectorate}-HC-{serial}-{gd_date:%d%m%Y}"
    specs: Sequence[Mapping[str, Any]] = [{}] * items if isinstance(items, int) else items
    gd = Declaration(gd_number=gd_number, gd_date=gd_date, collectorate=collectorate,
                     channel=channel, importer=importer, agent=agent,
                     first_received_at=received_at, updated_at=received_at)
    gd.items = [_new_item(n, serial, spec) for n, spec in enumerate(specs, start=1)]
    _refresh_totals(gd)
    session.add(gd)
    session.flush()
    for item in gd.items:
        item.updated_at = received_at
        _fingerprint(gd, item)
    session.flush()
    return gd


def amend_item(session: Session, declaration: Declaration, item_no: int, *,
          received_at: dt.datetime | None = None, rates: Rates | None = None,
          **changes: Any) -> DeclarationItemVersion:
    """The item `item_no` received again with `changes` (item columns, `attributes`, or the
    header columns `gd_date`, `collectorate`, `channel`). Levies are recomputed (at `rates`, default
    DEFAULT_RATES) when the invoice, exchange rate or assessed value changes and no levy is given.
    Returns the new version; the declaration's totals and amendment count follow."""
    item = next(i for i in declaration.items if i.item_no == item_no)
    received_at = received_at or FIRST_RECEIVED + dt.timedelta(days=declaration.amendment_count + 1)
    kept = _keep_version(session, declaration, item)
    repriced = {"invoice_value", "exchange_rate", "declared_value_pkr",
                "assessed_value_pkr"} & set(changes)
    for name, value in changes.items():
        if name in ("gd_date", "collectorate", "channel"):
            setattr(declaration, name, value)
        elif name == "attributes" or (name in ITEM_COLUMNS and name != "item_no"):
            setattr(item, name, Decimal(value) if isinstance(value, (int, str)) and name in (
                "quantity", "invoice_value", "exchange_rate", "declared_value_pkr",
                "assessed_value_pkr", *LEVY_COLUMNS) else value)
        else:
            raise TypeError(f"amend() cannot change {name!r}")
    if (repriced or rates) and not set(LEVY_COLUMNS) & set(changes):
        _price_item(item, rates or DEFAULT_RATES,
                    item.declared_value_pkr if "declared_value_pkr" in changes else None,
                    item.assessed_value_pkr if "assessed_value_pkr" in changes else None)
    item.version += 1
    item.updated_at = received_at
    declaration.amendment_count += 1
    declaration.updated_at = received_at
    _refresh_totals(declaration)
    _fingerprint(declaration, item)
    session.flush()
    return kept
