"""Set-based merge of staged declaration rows into the live tables.

Everything is a handful of INSERT ... SELECT / UPDATE ... FROM statements over the staging table,
so a million rows cost a few statements, not a million round trips. The same SQL runs on SQLite
(3.33+) and PostgreSQL except where `_json_row` differs.

Semantics (spec section 1): a row identical to the stored item changes nothing; a row that
differs is an amendment: the state the item leaves is appended whole to
`declaration_item_versions`, then the item takes the new values and its version goes up. The
current version lives on the item row, so the full history is the kept versions plus the item.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

from .staging import COLUMNS, STAGE

HEADER = ("gd_date", "collectorate", "channel", "importer_ntn", "agent_code")
ITEM_COLUMNS = tuple(c for c in COLUMNS if c not in HEADER + ("gd_number", "importer_name"))
_LEVY_SUM = "i.cd_pkr + i.rd_pkr + i.acd_pkr + i.st_pkr + i.ast_pkr + i.it_pkr"
_STAGE_LEVY_SUM = "cd_pkr + rd_pkr + acd_pkr + st_pkr + ast_pkr + it_pkr"


@dataclass
class MergeCounts:
    new: int = 0
    amended: int = 0
    unchanged: int = 0


def _header_expr(field: str) -> str:
    return f"coalesce({field}, '')" if field == "agent_code" else field


def keys_at_fault(conn: Connection, limit: int = 200) -> tuple[
        list[tuple[str, int, list[int]]], list[tuple[str, str, list[int]]]]:
    """Keys staged more than once, as (gd_number, item_no, lines), and GDs whose rows in this
    file disagree on a header field, as (gd_number, field, [first line, last line]).

    One grouped pass over the staged rows finds the GDs at fault (the common case is none);
    only those GDs' rows are read again for the lines to report, the first faults in the file
    first."""
    differs = [f"count(DISTINCT {_header_expr(f)}) > 1" for f in HEADER]
    twice = "count(*) > count(DISTINCT item_no)"
    faulty = conn.execute(text(
        f"SELECT gd_number, {twice}, {', '.join(differs)} FROM {STAGE} GROUP BY gd_number "
        f"HAVING {twice} OR {' OR '.join(differs)} ORDER BY min(line) LIMIT :limit"),
        {"limit": limit}).all()
    if not faulty:
        return [], []
    with_twice = [gd for gd, repeated, *_ in faulty if repeated]
    duplicates: list[tuple[str, int, list[int]]] = []
    if with_twice:
        agg = "string_agg(line::text, ',' ORDER BY line)" if conn.dialect.name == "postgresql" \
            else "group_concat(line, ',')"
        rows = conn.execute(text(
            f"SELECT gd_number, item_no, {agg} FROM {STAGE} WHERE gd_number IN :gds "
            f"GROUP BY gd_number, item_no HAVING count(*) > 1 ORDER BY min(line) LIMIT :limit"
        ).bindparams(bindparam("gds", expanding=True)), {"gds": with_twice, "limit": limit})
        duplicates = [(g, n, sorted(int(x) for x in str(lines).split(",")))
                      for g, n, lines in rows]
    disagreeing = [(gd, flags) for gd, _repeated, *flags in faulty if any(flags)]
    headers: list[tuple[str, str, list[int]]] = []
    if disagreeing:
        spans = {gd: (first, last) for gd, first, last in conn.execute(text(
            f"SELECT gd_number, min(line), max(line) FROM {STAGE} WHERE gd_number IN :gds "
            f"GROUP BY gd_number").bindparams(bindparam("gds", expanding=True)),
            {"gds": [gd for gd, _ in disagreeing]})}
        for gd, flags in disagreeing:
            first, last = spans[gd]
            headers.extend((gd, field, [first, last]) for field, bad in zip(HEADER, flags) if bad)
    return duplicates, headers[:limit]


def delete_staged_lines(conn: Connection, lines: list[int]) -> None:
    for start in range(0, len(lines), 500):
        chunk = lines[start:start + 500]
        conn.execute(text(f"DELETE FROM {STAGE} WHERE line IN ({','.join(map(str, chunk))})"))


def _json_of_stored_item(conn: Connection) -> str:
    """SQL for an item's stored state as a version's `data`: every file column as text."""
    sources = {c: f"i.{c}" for c in ITEM_COLUMNS}
    sources.update(gd_number="d.gd_number", gd_date="d.gd_date", collectorate="d.collectorate",
                   channel="d.channel", importer_ntn="imp.ntn", importer_name="imp.name",
                   agent_code="ag.code")
    if conn.dialect.name == "postgresql":
        pairs = ", ".join(f"'{c}', {sources[c]}::text" for c in COLUMNS)
        return f"(jsonb_build_object({pairs}) || coalesce(i.attributes, '{{}}'::jsonb))"
    pairs = ", ".join(f"'{c}', CAST({sources[c]} AS TEXT)" for c in COLUMNS)
    return f"json_patch(json_object({pairs}), coalesce(i.attributes, '{{}}'))"


def _analyze(conn: Connection, *tables: str) -> None:
    # Tables filled inside this transaction have no statistics yet; without them PostgreSQL
    # plans nested loops over what it believes are empty tables (hours instead of seconds).
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def merge(conn: Connection, batch_id: int, now: dt.datetime, staged: int) -> MergeCounts:
    params = {"batch": batch_id, "now": now}
    run = lambda sql: conn.execute(text(sql), params)  # noqa: E731
    if conn.dialect.name == "postgresql":
        # Grouping a million staged rows wants memory, not a sort spilled to disk.
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")

    run(f"""INSERT INTO importers (ntn, name, created_at)
        SELECT importer_ntn, max(importer_name), :now FROM {STAGE} WHERE true GROUP BY importer_ntn
        ON CONFLICT (ntn) DO UPDATE SET name = excluded.name
        WHERE excluded.name IS NOT NULL AND (importers.name IS NULL OR importers.name <> excluded.name)""")
    run(f"""INSERT INTO clearing_agents (code, created_at)
        SELECT DISTINCT agent_code, :now FROM {STAGE} WHERE agent_code IS NOT NULL
        ON CONFLICT (code) DO NOTHING""")
    _analyze(conn, "importers", "clearing_agents", "declarations", "declaration_items")

    # 1. Match staged rows to what is stored. Joins against the tables before they are written
    # to: an INSERT checking NOT EXISTS against the table it fills makes PostgreSQL rescan the
    # growing table for every row.
    run(f"""UPDATE {STAGE} SET declaration_id = d.id FROM declarations d
        WHERE d.gd_number = {STAGE}.gd_number""")
    run(f"""UPDATE {STAGE} SET item_id = i.id, stored_hash = i.row_hash FROM declaration_items i
        WHERE {STAGE}.declaration_id IS NOT NULL AND i.declaration_id = {STAGE}.declaration_id
          AND i.item_no = {STAGE}.item_no""")

    # 2. Keep the state each amended item is about to leave (the current state lives on the
    # item itself, so a first import writes no history at all).
    run(f"""INSERT INTO declaration_item_versions (item_id, version, row_hash, data, batch_id, received_at)
        SELECT i.id, i.version, i.row_hash, {_json_of_stored_item(conn)}, i.batch_id, i.updated_at
        FROM {STAGE} s JOIN declaration_items i ON i.id = s.item_id
        JOIN declarations d ON d.id = i.declaration_id JOIN importers imp ON imp.id = d.importer_id
        LEFT JOIN clearing_agents ag ON ag.id = d.agent_id
        WHERE s.stored_hash <> s.row_hash""")

    # 3. Headers. New GDs (no declaration_id from step 1) are inserted plainly, with their totals
    # straight from the staged rows; stored GDs whose header changed are updated. (One INSERT ...
    # ON CONFLICT for both costs PostgreSQL a speculative insertion per GD.)
    def headers(stored: bool) -> str:
        return f"""(SELECT gd_number, min(declaration_id) AS declaration_id,
                     min(gd_date) AS gd_date, min(collectorate) AS collectorate,
                     min(channel) AS channel, min(importer_ntn) AS importer_ntn,
                     min(agent_code) AS agent_code, count(*) AS n,
                     sum(declared_value_pkr) AS value, sum({_STAGE_LEVY_SUM}) AS duty
              FROM {STAGE} WHERE declaration_id IS {'NOT ' if stored else ''}NULL
              GROUP BY gd_number) h
        JOIN importers imp ON imp.ntn = h.importer_ntn
        LEFT JOIN clearing_agents ag ON ag.code = h.agent_code"""
    run(f"""INSERT INTO declarations (gd_number, gd_date, collectorate, channel, importer_id,
            agent_id, item_count, declared_value_pkr, duty_paid_pkr, amendment_count,
            first_received_at, updated_at)
        SELECT h.gd_number, h.gd_date, h.collectorate, h.channel, imp.id, ag.id, h.n, h.value,
               h.duty, 0, :now, :now
        FROM {headers(stored=False)}""")
    run(f"""UPDATE declarations SET gd_date = h.gd_date, collectorate = h.collectorate,
            channel = h.channel, importer_id = imp.id, agent_id = ag.id, updated_at = :now
        FROM {headers(stored=True)}
        WHERE declarations.id = h.declaration_id
          AND (declarations.gd_date <> h.gd_date
           OR declarations.collectorate <> h.collectorate
           OR declarations.channel <> h.channel
           OR declarations.importer_id <> imp.id
           OR coalesce(declarations.agent_id, -1) <> coalesce(ag.id, -1))""")
    _analyze(conn, "declarations")  # it may have grown from nothing: plan with real numbers

    # 4. Items: amend the changed ones, add the new ones. New items find their declaration by
    # its number here rather than by an UPDATE of every staged row first (a million row
    # versions written for nothing on PostgreSQL).
    assignments = ", ".join(f"{c} = s.{c}" for c in ITEM_COLUMNS if c != "item_no")
    amended = run(f"""UPDATE declaration_items SET {assignments}, attributes = s.attributes,
            row_hash = s.row_hash, version = declaration_items.version + 1,
            batch_id = :batch, updated_at = :now
        FROM {STAGE} s
        WHERE declaration_items.id = s.item_id AND s.stored_hash <> s.row_hash""").rowcount
    cols = ", ".join(ITEM_COLUMNS)
    scols = ", ".join(f"s.{c}" for c in ITEM_COLUMNS)
    new = run(f"""INSERT INTO declaration_items (declaration_id, {cols}, attributes, row_hash,
            version, batch_id, updated_at)
        SELECT d.id, {scols}, s.attributes, s.row_hash, 1, :batch, :now
        FROM {STAGE} s JOIN declarations d ON d.gd_number = s.gd_number
        WHERE s.item_id IS NULL""").rowcount

    # 5. Totals of GDs that existed before (step 1 gave their staged rows a declaration_id)
    # and changed; each amendment raised an item's version
    # by one, so a GD's amendments are the sum of (version - 1).
    stored_changed = f"""SELECT declaration_id FROM {STAGE} WHERE declaration_id IS NOT NULL
                         AND (item_id IS NULL OR stored_hash <> row_hash)"""
    if (amended or new) and conn.execute(text(f"SELECT EXISTS ({stored_changed})")).scalar():
        _analyze(conn, "declaration_items")
        run(f"""UPDATE declarations SET item_count = t.n, declared_value_pkr = t.value,
                duty_paid_pkr = t.duty, amendment_count = t.amendments
            FROM (SELECT i.declaration_id AS declaration_id, count(*) AS n,
                         sum(i.declared_value_pkr) AS value, sum({_LEVY_SUM}) AS duty,
                         sum(i.version - 1) AS amendments
                  FROM declaration_items i
                  WHERE i.declaration_id IN ({stored_changed})
                  GROUP BY i.declaration_id) t
            WHERE declarations.id = t.declaration_id""")
    return MergeCounts(new=new, amended=amended, unchanged=staged - new - amended)
