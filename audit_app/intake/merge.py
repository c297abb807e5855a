"""Set-based merge of staged declaration rows into the live tables.

Everything is a handful of INSERT ... SELECT / UPDATE ... FROM statements over the staging table,
so a million rows cost a few statements, not a million round trips. The same SQL runs on SQLite
(3.33+) and PostgreSQL except where `_json_row` differs.

Semantics (spec section 1): a row identical to the stored item changes nothing; a row that
differs is an amendment: the item takes the new values, its version goes up, and the full row is
appended to `declaration_item_versions` (where version 1, as first received, also lives).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from .staging import COLUMNS, STAGE

HEADER = ("gd_date", "collectorate", "channel", "importer_ntn", "agent_code")
ITEM_COLUMNS = tuple(c for c in COLUMNS if c not in HEADER + ("gd_number", "importer_name"))
_LEVY_SUM = "i.cd_pkr + i.rd_pkr + i.acd_pkr + i.st_pkr + i.ast_pkr + i.it_pkr"


@dataclass
class MergeCounts:
    new: int = 0
    amended: int = 0
    unchanged: int = 0


def duplicate_keys(conn: Connection, limit: int = 200) -> list[tuple[str, int, list[int]]]:
    """(gd_number, item_no, lines) for keys staged more than once."""
    agg = "string_agg(line::text, ',' ORDER BY line)" if conn.dialect.name == "postgresql" \
        else "group_concat(line, ',')"
    rows = conn.execute(text(
        f"SELECT gd_number, item_no, {agg} FROM {STAGE} GROUP BY gd_number, item_no "
        f"HAVING count(*) > 1 ORDER BY min(line) LIMIT :limit"), {"limit": limit})
    return [(g, n, sorted(int(x) for x in str(lines).split(","))) for g, n, lines in rows]


def inconsistent_headers(conn: Connection, limit: int = 200) -> list[tuple[str, str, list[int]]]:
    """GDs whose rows in this file disagree on a header field: (gd_number, field, lines)."""
    found: list[tuple[str, str, list[int]]] = []
    for field in HEADER:
        expr = f"coalesce({field}, '')" if field == "agent_code" else field
        rows = conn.execute(text(
            f"SELECT gd_number, min(line), max(line) FROM {STAGE} GROUP BY gd_number "
            f"HAVING count(DISTINCT {expr}) > 1 LIMIT :limit"), {"limit": limit})
        found.extend((g, field, [a, b]) for g, a, b in rows)
    return found[:limit]


def delete_staged_lines(conn: Connection, lines: list[int]) -> None:
    for start in range(0, len(lines), 500):
        chunk = lines[start:start + 500]
        conn.execute(text(f"DELETE FROM {STAGE} WHERE line IN ({','.join(map(str, chunk))})"))


def _json_row(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        pairs = ", ".join(f"'{c}', s.{c}::text" for c in COLUMNS)
        return f"(jsonb_build_object({pairs}) || coalesce(s.attributes, '{{}}'::jsonb))"
    pairs = ", ".join(f"'{c}', CAST(s.{c} AS TEXT)" if c == "item_no" else f"'{c}', s.{c}"
                      for c in COLUMNS)
    return f"json_patch(json_object({pairs}), coalesce(s.attributes, '{{}}'))"


def merge(conn: Connection, batch_id: int, now: dt.datetime, staged: int) -> MergeCounts:
    params = {"batch": batch_id, "now": now}
    run = lambda sql: conn.execute(text(sql), params)  # noqa: E731

    run(f"""INSERT INTO importers (ntn, name, created_at)
        SELECT importer_ntn, max(importer_name), :now FROM {STAGE} WHERE true GROUP BY importer_ntn
        ON CONFLICT (ntn) DO UPDATE SET name = excluded.name
        WHERE excluded.name IS NOT NULL AND (importers.name IS NULL OR importers.name <> excluded.name)""")
    run(f"""INSERT INTO clearing_agents (code, created_at)
        SELECT DISTINCT agent_code, :now FROM {STAGE} WHERE agent_code IS NOT NULL
        ON CONFLICT (code) DO NOTHING""")
    run(f"""INSERT INTO declarations (gd_number, gd_date, collectorate, channel, importer_id,
            agent_id, item_count, declared_value_pkr, duty_paid_pkr, amendment_count,
            first_received_at, updated_at)
        SELECT h.gd_number, h.gd_date, h.collectorate, h.channel, imp.id, ag.id, 0, 0, 0, 0, :now, :now
        FROM (SELECT gd_number, min(gd_date) AS gd_date, min(collectorate) AS collectorate,
                     min(channel) AS channel, min(importer_ntn) AS importer_ntn,
                     min(agent_code) AS agent_code
              FROM {STAGE} GROUP BY gd_number) h
        JOIN importers imp ON imp.ntn = h.importer_ntn
        LEFT JOIN clearing_agents ag ON ag.code = h.agent_code
        WHERE true
        ON CONFLICT (gd_number) DO UPDATE SET gd_date = excluded.gd_date,
            collectorate = excluded.collectorate, channel = excluded.channel,
            importer_id = excluded.importer_id, agent_id = excluded.agent_id,
            updated_at = excluded.updated_at
        WHERE declarations.gd_date <> excluded.gd_date
           OR declarations.collectorate <> excluded.collectorate
           OR declarations.channel <> excluded.channel
           OR declarations.importer_id <> excluded.importer_id
           OR coalesce(declarations.agent_id, -1) <> coalesce(excluded.agent_id, -1)""")

    assignments = ", ".join(f"{c} = s.{c}" for c in ITEM_COLUMNS if c != "item_no")
    amended = run(f"""UPDATE declaration_items SET {assignments}, attributes = s.attributes,
            row_hash = s.row_hash, version = declaration_items.version + 1,
            batch_id = :batch, updated_at = :now
        FROM {STAGE} s JOIN declarations d ON d.gd_number = s.gd_number
        WHERE declaration_items.declaration_id = d.id AND declaration_items.item_no = s.item_no
          AND declaration_items.row_hash <> s.row_hash""").rowcount

    cols = ", ".join(ITEM_COLUMNS)
    scols = ", ".join(f"s.{c}" for c in ITEM_COLUMNS)
    new = run(f"""INSERT INTO declaration_items (declaration_id, {cols}, attributes, row_hash,
            version, batch_id, updated_at)
        SELECT d.id, {scols}, s.attributes, s.row_hash, 1, :batch, :now
        FROM {STAGE} s JOIN declarations d ON d.gd_number = s.gd_number
        WHERE NOT EXISTS (SELECT 1 FROM declaration_items i
                          WHERE i.declaration_id = d.id AND i.item_no = s.item_no)""").rowcount

    run(f"""INSERT INTO declaration_item_versions (item_id, version, row_hash, data, batch_id, received_at)
        SELECT i.id, i.version, i.row_hash, {_json_row(conn)}, :batch, :now
        FROM {STAGE} s JOIN declarations d ON d.gd_number = s.gd_number
        JOIN declaration_items i ON i.declaration_id = d.id AND i.item_no = s.item_no
        WHERE i.batch_id = :batch""")

    if new or amended:
        run(f"""UPDATE declarations SET
            item_count = (SELECT count(*) FROM declaration_items i WHERE i.declaration_id = declarations.id),
            declared_value_pkr = (SELECT coalesce(sum(i.declared_value_pkr), 0) FROM declaration_items i
                                  WHERE i.declaration_id = declarations.id),
            duty_paid_pkr = (SELECT coalesce(sum({_LEVY_SUM}), 0) FROM declaration_items i
                             WHERE i.declaration_id = declarations.id),
            amendment_count = (SELECT count(*) FROM declaration_item_versions v
                               JOIN declaration_items i ON i.id = v.item_id
                               WHERE i.declaration_id = declarations.id AND v.version > 1)
            WHERE id IN (SELECT declaration_id FROM declaration_items WHERE batch_id = :batch)""")
    return MergeCounts(new=new, amended=amended, unchanged=staged - new - amended)
