"""Reading what the feature frame needs from the database, column-wise and fast.

Rows are fetched through the DBAPI cursor in chunks and turned into numpy columns directly: no
ORM object per row (a million items cost seconds, not minutes). Money comes back as whole
cents (BIGINT computed by the database), so the duty formula can run in exact integer
arithmetic; dates come back as days since 1970-01-01.

What is read for a scoring period [date_from, date_to]:
- every item cleared from the first day of the month HISTORY_MONTHS before date_from's month up
  to date_to (the scored items, plus the history their reference windows need);
- per importer and chapter, counts of the items cleared before that (importer history is
  cumulative over all time, so older items are only counted, not loaded);
- audit outcomes made final before date_to (trader history);
- the tariff, preferential rates and the collectorate -> directorate map, whole.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.orm import Session

HISTORY_MONTHS = 12  # the reference windows look back this many whole months
CHUNK = 100_000
EPOCH = dt.date(1970, 1, 1)
LEVIES = ("cd", "rd", "acd", "st", "ast", "it")


@dataclass
class RawData:
    items: pd.DataFrame          # scored items and their history, by item id; money and
    #                              levies paid (paid_cd ... paid_it) in cents
    importer_before: pd.DataFrame  # importer_id, chapter, n: items cleared before `items`
    outcomes: pd.DataFrame       # item_id, importer_id, agent_id, audit_day, hit, short_levy
    tariff: pd.DataFrame         # hs_code, valid_day, description, *_e4 integer rates
    preferential: pd.DataFrame   # fta_code, origin_country, hs_code, valid_day, cd_e4
    directorates: dict[str, str]
    target: np.ndarray           # bool per row of `items`: inside [date_from, date_to]


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


class _Sql:
    """Dialect differences in one place: placeholders, date arithmetic, chunked cursors."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def days(self, column: str) -> str:
        if self.pg:
            return f"({column} - DATE '1970-01-01')"
        return f"(CAST(julianday({column}) AS INTEGER) - 2440587)"

    def cents(self, column: str) -> str:
        return f"CAST(ROUND({column} * 100) AS BIGINT)"

    def real(self, column: str) -> str:
        return f"CAST({column} AS DOUBLE PRECISION)"

    def param(self, name: str) -> str:
        return f"%({name})s" if self.pg else f":{name}"

    def value(self, day: dt.date) -> Any:
        return day if self.pg else day.isoformat()  # SQLite keeps dates as ISO text

    def chunks(self, sql: str, params: dict[str, Any]) -> Iterator[list[tuple[Any, ...]]]:
        raw = self.conn.connection.driver_connection
        assert raw is not None  # a live connection inside the session's transaction
        if self.pg:  # server-side cursor: the client never holds the whole result twice
            cursor = raw.cursor(name="pca_risk_features")
        else:
            cursor = raw.cursor()
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield rows
        finally:
            cursor.close()

    def columns(self, sql: str, params: dict[str, Any], names: Sequence[str],
                kinds: str | None = None) -> dict[str, np.ndarray]:
        """The result as one array per column. ``kinds`` has one letter per column: i (int64),
        f (float64, NULL -> NaN) or o (object, as fetched); default all o. Conversion is done
        per chunk on whole 2-D blocks, which is much cheaper than column by column."""
        kinds = kinds or "o" * len(names)
        groups = {k: [i for i, c in enumerate(kinds) if c == k] for k in "ifo"}
        dtypes = {"i": np.int64, "f": np.float64, "o": object}
        parts: dict[str, list[np.ndarray]] = {k: [] for k in "ifo"}
        for rows in self.chunks(sql, params):
            block = np.empty((len(rows), len(names)), dtype=object)
            block[:] = rows  # one C-level copy; cheaper than zip(*rows) in Python
            for k, idx in groups.items():
                if idx:
                    parts[k].append(block[:, idx].astype(dtypes[k]))
        out: dict[str, np.ndarray] = {}
        for k, idx in groups.items():
            if not idx:
                continue
            table = (np.concatenate(parts[k]) if parts[k]
                     else np.empty((0, len(idx)), dtype=dtypes[k]))
            for j, i in enumerate(idx):
                out[names[i]] = np.ascontiguousarray(table[:, j])
        return out


def load(session: Session, date_from: dt.date, date_to: dt.date) -> RawData:
    conn = session.connection()
    sql = _Sql(conn)
    history_from = month_start(date_from, HISTORY_MONTHS)
    items = _items(sql, history_from, date_to)
    target = (items["gd_day"].to_numpy() >= day_number(date_from))
    return RawData(
        items=items,
        importer_before=_importer_before(sql, history_from),
        outcomes=_outcomes(sql, date_to),
        tariff=_tariff(sql),
        preferential=_preferential(sql),
        directorates=dict(conn.exec_driver_sql(
            "SELECT code, directorate_code FROM collectorates").fetchall()),
        target=target,
    )


_ITEM_TEXT = ("hs_code", "description", "origin_country", "export_country", "unit",
              "currency", "sro_ref", "fta_code")


def _items(sql: _Sql, history_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    p = sql.param
    levies = ", ".join(sql.cents(f"i.{lv}_pkr") for lv in LEVIES)
    # Empty and missing text mean the same on a declaration: '' from the database already.
    text = ", ".join(f"COALESCE(i.{c}, '')" for c in _ITEM_TEXT)
    query = (
        f"SELECT i.id, i.item_no, d.id, {sql.days('d.gd_date')}, d.importer_id, "
        f"{sql.cents('i.declared_value_pkr')}, {sql.cents('i.assessed_value_pkr')}, {levies}, "
        f"d.agent_id, {sql.real('i.quantity')}, {sql.real('i.gross_weight_kg')}, "
        f"d.gd_number, d.collectorate, d.channel, {text}, i.attributes "
        f"FROM declaration_items i JOIN declarations d ON d.id = i.declaration_id "
        f"WHERE d.gd_date >= {p('a')} AND d.gd_date <= {p('b')}")
    names = ("item_id", "item_no", "declaration_id", "gd_day", "importer_id", "declared_cents",
             "assessed_cents", *(f"paid_{lv}" for lv in LEVIES),
             # float so that a missing agent is NaN
             "agent_id", "quantity", "gross_weight_kg",
             "gd_number", "collectorate", "channel", *_ITEM_TEXT, "attributes")
    kinds = "i" * 13 + "f" * 3 + "o" * (4 + len(_ITEM_TEXT))
    params = {"a": sql.value(history_from), "b": sql.value(date_to)}
    cols = sql.columns(query, params, names, kinds)
    # Row order is the database's: every feature is computed by key, not by position.
    frame = pd.DataFrame({n: pd.Series(cols[n], dtype=cols[n].dtype, copy=False)
                          for n in names}, copy=False)
    return _with_parties(sql, frame)


def _with_parties(sql: _Sql, items: pd.DataFrame) -> pd.DataFrame:
    """NTNs and agent codes: read once per importer or agent and mapped onto the items."""
    importers: dict[Any, str] = dict(
        sql.conn.exec_driver_sql("SELECT id, ntn FROM importers").fetchall())  # type: ignore[arg-type]
    agents: dict[Any, str] = dict(
        sql.conn.exec_driver_sql("SELECT id, code FROM clearing_agents").fetchall())  # type: ignore[arg-type]
    items["importer_ntn"] = _lookup(items["importer_id"].to_numpy(), importers)
    items["agent_code"] = _lookup(items["agent_id"].to_numpy(), agents)
    return items


def _lookup(keys: np.ndarray, mapping: dict[Any, str]) -> np.ndarray:
    """mapping[key] or '' per row, looked up once per distinct key."""
    codes, uniques = pd.factorize(keys)
    table = np.asarray([mapping.get(int(u)) or "" if u == u else "" for u in uniques] + [""],
                       dtype=object)
    return table[codes]


def _importer_before(sql: _Sql, history_from: dt.date) -> pd.DataFrame:
    cols = sql.columns(
        "SELECT d.importer_id, substr(i.hs_code, 1, 2), count(*) FROM declaration_items i "
        "JOIN declarations d ON d.id = i.declaration_id "
        f"WHERE d.gd_date < {sql.param('a')} GROUP BY d.importer_id, substr(i.hs_code, 1, 2)",
        {"a": sql.value(history_from)}, ("importer_id", "chapter", "n"))
    return pd.DataFrame({"importer_id": np.asarray(cols["importer_id"], dtype=np.int64),
                         "chapter": np.asarray(cols["chapter"], dtype=object),
                         "n": np.asarray(cols["n"], dtype=np.int64)})


def _outcomes(sql: _Sql, date_to: dt.date) -> pd.DataFrame:
    cols = sql.columns(
        f"SELECT o.item_id, d.importer_id, d.agent_id, {sql.days('o.audit_date')}, o.finding, "
        f"{sql.cents('o.short_levy_pkr')} FROM audit_outcomes o "
        "JOIN declaration_items i ON i.id = o.item_id "
        "JOIN declarations d ON d.id = i.declaration_id "
        f"WHERE o.audit_date < {sql.param('b')}", {"b": sql.value(date_to)},
        ("item_id", "importer_id", "agent_id", "audit_day", "finding", "short_cents"))
    return pd.DataFrame({
        "item_id": np.asarray(cols["item_id"], dtype=np.int64),
        "importer_id": np.asarray(cols["importer_id"], dtype=np.int64),
        "agent_id": np.asarray(cols["agent_id"], dtype=np.float64),
        "audit_day": np.asarray(cols["audit_day"], dtype=np.int64),
        "hit": np.asarray(cols["finding"] != "NONE", dtype=bool),
        "short_levy_pkr": np.asarray(cols["short_cents"], dtype=np.float64) / 100,
    })


def percent_e4(value: Any) -> int:
    """A stored percentage as an exact integer number of 1/10,000 percent."""
    return int(Decimal(str(value)).scaleb(4).to_integral_exact())


def _tariff(sql: _Sql) -> pd.DataFrame:
    rates = ", ".join(f"{lv}_rate" for lv in LEVIES)
    cols = sql.columns(
        f"SELECT hs_code, {sql.days('valid_from')}, description, {rates} FROM tariff_rates", {},
        ("hs_code", "valid_day", "description", *LEVIES))
    frame = pd.DataFrame({"hs_code": np.asarray(cols["hs_code"], dtype=object),
                          "valid_day": np.asarray(cols["valid_day"], dtype=np.int64),
                          "description": np.asarray(cols["description"], dtype=object)})
    for lv in LEVIES:
        frame[f"{lv}_e4"] = np.asarray([percent_e4(v) for v in cols[lv]], dtype=np.int64)
    return frame.sort_values(["hs_code", "valid_day"], ignore_index=True)


def _preferential(sql: _Sql) -> pd.DataFrame:
    cols = sql.columns(
        f"SELECT fta_code, origin_country, hs_code, {sql.days('valid_from')}, cd_rate "
        "FROM preferential_rates", {},
        ("fta_code", "origin_country", "hs_code", "valid_day", "cd"))
    return pd.DataFrame({
        "fta_code": np.asarray(cols["fta_code"], dtype=object),
        "origin_country": np.asarray(cols["origin_country"], dtype=object),
        "hs_code": np.asarray(cols["hs_code"], dtype=object),
        "valid_day": np.asarray(cols["valid_day"], dtype=np.int64),
        "cd_e4": np.asarray([percent_e4(v) for v in cols["cd"]], dtype=np.int64),
    })


def parse_attributes(values: Sequence[Any]) -> list[dict[str, Any] | None]:
    """The x_ attributes of each row as a dict (SQLite returns JSON text, PostgreSQL a dict)."""
    out: list[dict[str, Any] | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif isinstance(v, dict):
            out.append(v)
        else:
            out.append(json.loads(v))
    return out
